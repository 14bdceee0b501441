using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests.History;

/// <summary>The order history written by the real activities on PostgreSQL: once per change, in version order.</summary>
public sealed class OrderHistoryTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static ValidatedOrder Order(string orderId, string sku) =>
        new($"req-{orderId}", orderId, "cust-7", [new LineItem(sku, 2)], new Address("Ada", "1 Main St", "Springfield", "12345", "US"));

    private static OrderCreated Created(string customerId) =>
        new($"req-{customerId}", customerId, [new SkuLine("WIDGET-RED", 1)], new OrderShipTo("Ada", "1 Main St", "Springfield", "12345", "US"));

    [Fact]
    public async Task Append_NotAnOrderHistoryEvent_Refused()
    {
        await using var scope = db.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
        await using var transaction = await context.Database.BeginTransactionAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => scope.ServiceProvider.GetRequiredService<IOrderHistory>()
            .AppendAsync(TestIds.Unique("ord"), new { customerId = "anonymous" }, OrderEventContext.None));
    }

    /// <summary>Every activity twice, as Temporal does after a lost completion: the second run must add nothing.</summary>
    private static async Task<T> TwiceAsync<T>(ActivityCall call, Func<ActivityCall, Task<T>> run)
    {
        var first = await run(call);
        await run(call.Retry());
        return first;
    }

    private static Task TwiceAsync(ActivityCall call, Func<ActivityCall, Task> run) =>
        TwiceAsync(call, async c =>
        {
            await run(c);
            return true;
        });

    private Task<List<OrderEventRecord>> EventsAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.OrderEvents.AsNoTracking().Where(e => e.OrderId == orderId).OrderBy(e => e.Version).ToListAsync());

    private Task<OrderSummaryRecord?> SummaryAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.OrderSummaries.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == orderId));

    private async Task<(string OrderId, string Sku)> CreateReservedOrderAsync()
    {
        var orderId = TestIds.Unique("ord");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        await TwiceAsync(new ActivityCall($"order-intake-req-{orderId}", "2"), c => db.RunAsync<OmsActivities, OrderRef>(c, a => a.CreateOrderAsync(Order(orderId, sku))));
        await TwiceAsync(ActivityCall.For(orderId, "1"), c => db.RunAsync<ImsActivities, AllocationResult>(c, a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 2)]))));
        await TwiceAsync(ActivityCall.For(orderId, "2"), c => db.RunAsync<OmsActivities>(c, a => a.MarkOrderReservedAsync(new(orderId))));
        return (orderId, sku);
    }

    [Fact]
    public async Task FulfilledOrder_EveryActivityRunTwice_OneEventPerChangeInVersionOrder()
    {
        var (orderId, sku) = await CreateReservedOrderAsync();
        await TwiceAsync(ActivityCall.For(orderId, "3"), c => db.RunAsync<WmsActivities, PickWaveResult>(c, a => a.CreatePickWaveAsync(new(orderId, [new LineItem(sku, 2)]))));
        await TwiceAsync(ActivityCall.For(orderId, "4"), c => db.RunAsync<ImsActivities, ConsumeInventoryResult>(c, a => a.ConsumeInventoryAsync(new(orderId, [new LineItem(sku, 2)]))));
        var shipment = await TwiceAsync(ActivityCall.For(orderId, "5"), c => db.RunAsync<SmsActivities, ShipmentResult>(c, a => a.CreateShipmentAsync(new(orderId, [new Package("pkg-1", 1.5m)]))));
        var label = await TwiceAsync(ActivityCall.For(orderId, "6"), c => db.RunAsync<SmsActivities, LabelResult>(c, a => a.GenerateShippingLabelAsync(new(orderId, shipment.ShipmentId))));
        await TwiceAsync(ActivityCall.For(orderId, "7"), c => db.RunAsync<SmsActivities>(c, a => a.ConfirmShipmentAsync(label)));
        await TwiceAsync(ActivityCall.For(orderId, "8"), c => db.RunAsync<OmsActivities>(c, a => a.MarkOrderShippedAsync(new(orderId, shipment.ShipmentId, label.TrackingNumber))));

        var events = await EventsAsync(orderId);
        Assert.Equal(
            [OrderEventTypes.OrderCreated, OrderEventTypes.InventoryAllocated, OrderEventTypes.OrderReserved, OrderEventTypes.PickWaveCreated,
             OrderEventTypes.InventoryConsumed, OrderEventTypes.ShipmentCreated, OrderEventTypes.LabelGenerated, OrderEventTypes.ShipmentConfirmed,
             OrderEventTypes.OrderShipped],
            events.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, 9), events.Select(e => e.Version));
        Assert.Equal(($"order-fulfillment-{orderId}", "1"), (events[1].WorkflowId, events[1].ActivityId));

        // Each event that emitted a message names it, and each of the order's messages has its event.
        var outbox = await db.OutboxForOrderAsync(orderId);
        Assert.Equal(outbox.Select(m => m.MessageId).Order(), events.Where(e => e.MessageId is not null).Select(e => e.MessageId!.Value).Order());

        var shipped = JsonDocument.Parse(events[^1].Payload).RootElement;
        Assert.Equal("RESERVED", shipped.GetProperty("from").GetString());
        Assert.Equal("SHIPPED", shipped.GetProperty("to").GetString());

        var summary = await SummaryAsync(orderId);
        Assert.NotNull(summary);
        Assert.Equal(OrderStatus.Shipped, summary.Status);
        Assert.Equal(OrderEventTypes.OrderShipped, summary.Step);
        Assert.Equal("cust-7", summary.CustomerId);
        Assert.Equal(shipment.ShipmentId, summary.ShipmentId);
        Assert.Equal(label.TrackingNumber, summary.TrackingNumber);
        Assert.Equal(9, summary.Version);
        Assert.Equal(sku, JsonDocument.Parse(summary.Lines).RootElement[0].GetProperty("sku").GetString());
    }

    [Fact]
    public async Task CancelledOrder_ReleaseAndCancel_RecordedWithReason_NoShipmentNoEvent()
    {
        var (orderId, _) = await CreateReservedOrderAsync();
        const string reason = "customer changed their mind";

        await TwiceAsync(ActivityCall.For(orderId, "5"), c => db.RunAsync<SmsActivities>(c, a => a.CancelShipmentAsync(new(orderId, reason))));
        await TwiceAsync(ActivityCall.For(orderId, "6"), c => db.RunAsync<ImsActivities>(c, a => a.ReleaseInventoryAsync(new(orderId, reason))));
        await TwiceAsync(ActivityCall.For(orderId, "7"), c => db.RunAsync<OmsActivities>(c, a => a.MarkOrderCancelledAsync(new(orderId, reason))));

        Assert.Equal(
            [OrderEventTypes.OrderCreated, OrderEventTypes.InventoryAllocated, OrderEventTypes.OrderReserved, OrderEventTypes.InventoryReleased, OrderEventTypes.OrderCancelled],
            (await EventsAsync(orderId)).Select(e => e.EventType));
        var summary = await SummaryAsync(orderId);
        Assert.Equal(OrderStatus.Cancelled, summary!.Status);
        Assert.Equal(reason, summary.StatusReason);
        Assert.Equal(5, summary.Version);
    }

    [Fact]
    public async Task IllegalMove_Refused_AppendsNothing()
    {
        var orderId = TestIds.Unique("ord");
        await db.RunAsync<OmsActivities, OrderRef>(new ActivityCall($"order-intake-req-{orderId}", "2"), a => a.CreateOrderAsync(Order(orderId, "WIDGET-RED")));

        await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "8"), a => a.MarkOrderShippedAsync(new(orderId, "shp-x", "WHX1"))));

        Assert.Equal([OrderEventTypes.OrderCreated], (await EventsAsync(orderId)).Select(e => e.EventType));
        Assert.Equal(OrderStatus.Created, (await SummaryAsync(orderId))!.Status);
    }

    [Fact]
    public async Task Append_TwoTransactionsSameVersion_SecondGetsRetryableConflictAndItsRerunAppendsNext()
    {
        var orderId = TestIds.Unique("ord");
        await using var scopeA = db.Services.CreateAsyncScope();
        await using var scopeB = db.Services.CreateAsyncScope();
        var contextA = scopeA.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
        var contextB = scopeB.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
        await using var transactionA = await contextA.Database.BeginTransactionAsync();
        await using var transactionB = await contextB.Database.BeginTransactionAsync();

        await scopeA.ServiceProvider.GetRequiredService<IOrderHistory>().AppendAsync(orderId, Created("a"), OrderEventContext.None);
        // B read version 0 too and now waits on A's uncommitted version 1.
        var appendB = scopeB.ServiceProvider.GetRequiredService<IOrderHistory>().AppendAsync(orderId, Created("b"), OrderEventContext.None);
        await WaitForBlockedBackendAsync();
        await transactionA.CommitAsync();

        var conflict = await Assert.ThrowsAsync<OrderEventConflictException>(() => appendB);
        Assert.Equal((orderId, 1), (conflict.OrderId, conflict.Version));
        Assert.IsType<PostgresException>(conflict.InnerException);
        await transactionB.RollbackAsync();

        // What Temporal's retry does: the whole transaction again, now on top of A's event.
        await using (var retryScope = db.Services.CreateAsyncScope())
        {
            var context = retryScope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
            await using var retry = await context.Database.BeginTransactionAsync();
            var appended = await retryScope.ServiceProvider.GetRequiredService<IOrderHistory>()
                .AppendAsync(orderId, new OrderStatusChanged("CREATED", "RESERVED", null, null, null, null), OrderEventContext.None);
            await retry.CommitAsync();
            Assert.Equal(2, appended.Version);
        }

        Assert.Equal([1, 2], (await EventsAsync(orderId)).Select(e => e.Version));
        var summary = await SummaryAsync(orderId);
        Assert.Equal(("a", OrderStatus.Reserved, 2), (summary!.CustomerId, summary.Status, summary.Version));
    }

    [Fact]
    public async Task Append_WithoutTransaction_Throws()
    {
        await using var scope = db.Services.CreateAsyncScope();

        await Assert.ThrowsAsync<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<IOrderHistory>()
            .AppendAsync(TestIds.Unique("ord"), Created("c"), OrderEventContext.None));
    }

    [Theory]
    [InlineData("UPDATE oms.order_events SET event_type = 'Rewritten' WHERE order_id = {0}")]
    [InlineData("DELETE FROM oms.order_events WHERE order_id = {0}")]
    public async Task Events_UpdateOrDelete_RefusedByTheDatabase(string sql)
    {
        var orderId = TestIds.Unique("ord");
        await db.RunAsync<OmsActivities, OrderRef>(new ActivityCall($"order-intake-req-{orderId}", "2"), a => a.CreateOrderAsync(Order(orderId, "WIDGET-RED")));

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.QueryAsync(ctx => ctx.Database.ExecuteSqlRawAsync(sql, orderId)));

        Assert.Equal(PostgresErrorCodes.RestrictViolation, error.SqlState);
        Assert.Single(await EventsAsync(orderId));
    }

    [Fact]
    public async Task Append_SummaryMissing_RebuiltFromTheEvents()
    {
        var (orderId, _) = await CreateReservedOrderAsync();
        await db.QueryAsync(ctx => ctx.Database.ExecuteSqlAsync($"DELETE FROM oms.order_summaries WHERE order_id = {orderId}"));

        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "9"), a => a.MarkOrderFailedAsync(new(orderId, "pick timeout")));

        var summary = await SummaryAsync(orderId);
        Assert.Equal(("cust-7", OrderStatus.Failed, "pick timeout", 4), (summary!.CustomerId, summary.Status, summary.StatusReason, summary.Version));
        Assert.NotEqual(OrderSummaryProjection.EmptyLines, summary.Lines);
    }

    [Fact]
    public async Task Queries_ListByStatus_NewestFirstWithinLimit_EventsInVersionOrder()
    {
        var (older, _) = await CreateReservedOrderAsync();
        var (newer, _) = await CreateReservedOrderAsync();
        await using var scope = db.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<IOrderQueries>();

        var reserved = await queries.ListSummariesAsync(OrderStatus.Reserved, 500);
        var top = await queries.ListSummariesAsync(null, 1);
        var cancelled = await queries.ListSummariesAsync(OrderStatus.Cancelled, 500);
        var events = await queries.GetEventsAsync(older);

        Assert.True(reserved.ToList().FindIndex(s => s.OrderId == newer) < reserved.ToList().FindIndex(s => s.OrderId == older));
        Assert.All(reserved, s => Assert.Equal(OrderStatus.Reserved, s.Status));
        Assert.Single(top);
        Assert.DoesNotContain(cancelled, s => s.OrderId == older);
        Assert.Equal([1, 2, 3], events.Select(e => e.Version));
        Assert.Null(await queries.FindSummaryAsync("no-such-order"));
    }

    /// <summary>Until a backend of this test database waits for a lock (B's insert behind A's).</summary>
    private async Task WaitForBlockedBackendAsync()
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the second append never waited for the first");
            await Task.Delay(20);
        }
    }
}
