using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Activities.Tests.History;

/// <summary>The unit of work itself, without an activity around it.</summary>
public sealed class OrderChangeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly ChangeOrigin Origin = new("order-fulfillment-x", "run-1", "7");

    private async Task<T> InChangeAsync<T>(ChangeSubject subject, Func<OrderChange, Task<T>> work, bool commit = true)
    {
        await using var scope = db.Services.CreateAsyncScope();
        await using var change = await scope.ServiceProvider.GetRequiredService<IOrderChanges>().BeginAsync(Origin, subject, CancellationToken.None);
        var result = await work(change);
        if (commit)
        {
            await change.CommitAsync();
        }

        return result;
    }

    private Task<List<OrderEventRecord>> EventsAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.OrderEvents.AsNoTracking().Where(e => e.OrderId == orderId).OrderBy(e => e.Version).ToListAsync());

    private async Task CreateOrderAsync(string orderId)
    {
        var now = DateTimeOffset.UtcNow;
        await db.QueryAsync(async ctx =>
        {
            ctx.Orders.Add(new OrderRecord
            {
                OrderId = orderId, RequestId = $"req-{orderId}", CustomerId = "cust-1", Status = OrderStatus.Created,
                ShipToName = "Ada", ShipToLine1 = "1 Main St", ShipToCity = "Springfield", ShipToPostalCode = "12345", ShipToCountry = "US",
                CreatedAt = now, UpdatedAt = now,
            });
            return await ctx.SaveChangesAsync();
        });
    }

    [Fact]
    public async Task EmitAsync_Committed_OutboxRowAndHistoryEventShareTheDerivedMessageId()
    {
        var orderId = TestIds.Unique("ord");

        var messageId = await InChangeAsync(ChangeSubject.Order(orderId), change =>
            change.EmitAsync(Exchanges.PickWaveCreated, new PickWaveCreatedEvent(orderId, "pw-1", [new SkuLine("A", 1)], DateTimeOffset.UtcNow)));

        Assert.Equal(Origin.MessageIdFor(Exchanges.PickWaveCreated), messageId);
        var row = Assert.Single(await db.OutboxForOrderAsync(orderId));
        Assert.Equal((messageId, Exchanges.PickWaveCreated), (row.MessageId, row.Exchange));
        Assert.Contains("\"workflowId\": \"order-fulfillment-x\"", row.Headers, StringComparison.Ordinal);
        var recorded = Assert.Single(await EventsAsync(orderId));
        Assert.Equal((OrderEventTypes.PickWaveCreated, messageId, "7"), (recorded.EventType, recorded.MessageId, recorded.ActivityId));
    }

    [Fact]
    public async Task Change_NotCommitted_WritesNothing()
    {
        var orderId = TestIds.Unique("ord");

        await InChangeAsync(ChangeSubject.Order(orderId), change =>
            change.EmitAsync(Exchanges.PickWaveCreated, new PickWaveCreatedEvent(orderId, "pw-1", [new SkuLine("A", 1)], DateTimeOffset.UtcNow)), commit: false);

        Assert.Empty(await db.OutboxForOrderAsync(orderId));
        Assert.Empty(await EventsAsync(orderId));
    }

    [Fact]
    public async Task MoveAsync_Allowed_StatusAndStatusEventWithItsMessage_AgainNothing()
    {
        var orderId = TestIds.Unique("ord");
        await CreateOrderAsync(orderId);

        Task<OrderMove?> FailAsync() => InChangeAsync(ChangeSubject.Order(orderId), async change =>
            await change.MoveAsync((await change.Oms.LockOrderAsync(orderId))!, OrderStatus.Failed, "pick timeout", Exchanges.OrderFailed, _ =>
                new OrderFailedEvent(orderId, "pick timeout", DateTimeOffset.UtcNow)));
        var moved = await FailAsync();
        var again = await FailAsync();

        Assert.Equal((OrderStatus.Created, OrderStatus.Failed), (moved!.From, moved.To));
        Assert.Null(again);
        var recorded = Assert.Single(await EventsAsync(orderId));
        Assert.Equal((OrderEventTypes.OrderFailed, moved.MessageId), (recorded.EventType, recorded.MessageId));
        var payload = Assert.IsType<OrderStatusChanged>(OrderEventCatalog.Read(recorded.EventType, recorded.Payload));
        Assert.Equal(("CREATED", "FAILED", "pick timeout"), (payload.From, payload.To, payload.Reason));
        Assert.Single(await db.OutboxForOrderAsync(orderId));
    }

    [Fact]
    public async Task MoveAsync_ForbiddenByTheLifecycle_ThrowsAndWritesNothing()
    {
        var orderId = TestIds.Unique("ord");
        await CreateOrderAsync(orderId);

        var error = await Assert.ThrowsAsync<IllegalOrderTransitionException>(() => InChangeAsync(ChangeSubject.Order(orderId), async change =>
            await change.MoveAsync((await change.Oms.LockOrderAsync(orderId))!, OrderStatus.Shipped)));

        Assert.Equal((OrderStage.Created, OrderStage.Shipped), (error.From, error.To));
        Assert.Equal($"Order {orderId} is Created; it cannot become Shipped.", error.Message);
        Assert.Empty(await EventsAsync(orderId));
        Assert.Equal(OrderStatus.Created, (await db.QueryAsync(ctx => ctx.Orders.AsNoTracking().SingleAsync(o => o.OrderId == orderId))).Status);
    }

    [Fact]
    public async Task RecordAsync_SubjectIsNotAnOrder_Refused() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => InChangeAsync(ChangeSubject.Sku("SKU-1"), async change =>
        {
            await change.RecordAsync(new PaymentCaptured("p", "ops"));
            return true;
        }));

    [Fact]
    public async Task PublishAsync_Twice_SameRowOnce_SecondNotWritten()
    {
        var sku = TestIds.Unique("sku");

        var first = await InChangeAsync(ChangeSubject.Sku(sku), change => change.PublishAsync(Exchanges.ReplenishmentOverdue, new ReplenishmentOverdueEvent(sku, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)));
        var second = await InChangeAsync(ChangeSubject.Sku(sku), change => change.PublishAsync(Exchanges.ReplenishmentOverdue, new ReplenishmentOverdueEvent(sku, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)));

        Assert.Equal((first.MessageId, true, false), (second.MessageId, first.Written, second.Written));
        Assert.Single(await db.QueryAsync(ctx => ctx.OutboxMessages.AsNoTracking().Where(m => m.MessageId == first.MessageId).ToListAsync()));
    }
}
