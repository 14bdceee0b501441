using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.History;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

public sealed class ImsActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AllocateInventory_RunTwice_ReservesOnceAndWritesOneOutboxMessage()
    {
        var orderId = TestIds.Unique("ord");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var call = ActivityCall.For(orderId, "1");
        var input = new AllocateInventoryInput(orderId, [new LineItem(sku, 3)]);

        var first = await db.RunAsync<ImsActivities, AllocationResult>(call, a => a.AllocateInventoryAsync(input));
        var second = await db.RunAsync<ImsActivities, AllocationResult>(call.Retry(), a => a.AllocateInventoryAsync(input));

        Assert.Equal([new LineItem(sku, 3)], first.Allocated);
        Assert.Equal(first.Allocated, second.Allocated);
        Assert.Equal(3, (await db.StockAsync(sku)).Reserved);
        var message = Assert.Single(await db.OutboxForOrderAsync(orderId));
        Assert.Equal(Exchanges.InventoryAllocated, message.Exchange);
        var payload = JsonDocument.Parse(message.Payload).RootElement;
        Assert.Equal(orderId, payload.GetProperty("orderId").GetString());
        Assert.Equal(3, payload.GetProperty("allocations")[0].GetProperty("quantity").GetInt32());
        var headers = JsonDocument.Parse(message.Headers).RootElement;
        var version = await db.QueryAsync(ctx => ctx.OrderEvents.Where(e => e.OrderId == orderId && e.MessageId == message.MessageId).Select(e => e.Version).SingleAsync());
        Assert.Equal(
            (version.ToString(System.Globalization.CultureInfo.InvariantCulture), OutboundHeaders.CurrentSchemaVersion),
            (headers.GetProperty(OutboundHeaders.OrderSequence).GetString(), headers.GetProperty(OutboundHeaders.SchemaVersion).GetString()));
    }

    [Fact]
    public async Task AllocateInventory_SameActivityDifferentAttempts_DeriveSameMessageId()
    {
        // The message ID is named by workflow, run and activity, never by the attempt number: every retry writes the same row.
        var orderId = TestIds.Unique("ord");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 5);
        var call = ActivityCall.For(orderId, "7") with { Attempt = 4 };

        await db.RunAsync<ImsActivities, AllocationResult>(call, a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 1)])));

        var message = Assert.Single(await db.OutboxForOrderAsync(orderId));
        var expected = WarehouseOms.Persistence.Outbox.DeterministicGuid.Create(
            WarehouseOms.Persistence.Outbox.DeterministicGuid.MessageNamespace,
            $"{call.WorkflowId}/{call.RunId}/7/{Exchanges.InventoryAllocated}");
        Assert.Equal(expected, message.MessageId);
    }

    [Fact]
    public async Task AllocateInventory_InsufficientStock_NonRetryableWithReasonsAndNothingReserved()
    {
        var orderId = TestIds.Unique("ord");
        var plenty = TestIds.Unique("sku");
        var scarce = TestIds.Unique("sku");
        await db.AddStockAsync(plenty, onHand: 100);
        await db.AddStockAsync(scarce, onHand: 5, reserved: 4);

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<ImsActivities, AllocationResult>(
                ActivityCall.For(orderId, "1"),
                a => a.AllocateInventoryAsync(new(orderId, [new LineItem(plenty, 1), new LineItem(scarce, 2)]))));

        Assert.Equal(ActivityErrors.InsufficientStock, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Contains($"SKU {scarce}: requested 2, available 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await db.StockAsync(plenty)).Reserved);
        Assert.Equal(4, (await db.StockAsync(scarce)).Reserved);
        Assert.Empty(await db.OutboxForOrderAsync(orderId));
        Assert.False(await db.QueryAsync(ctx => ctx.Reservations.AnyAsync(r => r.OrderId == orderId)));
    }

    [Fact]
    public async Task AllocateInventory_UnknownSku_InsufficientStock()
    {
        var orderId = TestIds.Unique("ord");

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<ImsActivities, AllocationResult>(
                ActivityCall.For(orderId, "1"),
                a => a.AllocateInventoryAsync(new(orderId, [new LineItem("NO-SUCH-SKU", 1)]))));

        Assert.Equal(ActivityErrors.InsufficientStock, error.ErrorType);
        Assert.Contains("unknown SKU, not registered (publish ims.sku-registered for it)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllocateInventory_Kit_ReservesExpandedComponents()
    {
        var orderId = TestIds.Unique("ord");
        var kit = TestIds.Unique("kit");
        var subKit = TestIds.Unique("kit");
        var widget = TestIds.Unique("sku");
        var cable = TestIds.Unique("sku");
        await db.AddStockAsync(widget, onHand: 20);
        await db.AddStockAsync(cable, onHand: 20);
        await db.AddKitAsync(subKit, (cable, 2));
        await db.AddKitAsync(kit, (widget, 1), (subKit, 2));

        var result = await db.RunAsync<ImsActivities, AllocationResult>(
            ActivityCall.For(orderId, "1"),
            a => a.AllocateInventoryAsync(new(orderId, [new LineItem(kit, 2), new LineItem(widget, 1)])));

        var expected = new[] { new LineItem(widget, 3), new LineItem(cable, 8) }.OrderBy(l => l.Sku, StringComparer.Ordinal);
        Assert.Equal(expected, result.Allocated);
        Assert.Equal(3, (await db.StockAsync(widget)).Reserved);
        Assert.Equal(8, (await db.StockAsync(cable)).Reserved);
    }

    [Fact]
    public async Task AllocateInventory_TwoOrdersRaceForLastUnits_ExactlyOneWins()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 3);
        var orders = Enumerable.Range(0, 2).Select(_ => TestIds.Unique("ord")).ToList();

        var attempts = orders.Select(async orderId =>
        {
            try
            {
                await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 2)])));
                return true;
            }
            catch (ApplicationFailureException e) when (e.ErrorType == ActivityErrors.InsufficientStock)
            {
                return false;
            }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, won => won);
        Assert.Equal(2, (await db.StockAsync(sku)).Reserved);
    }

    /// <summary>
    /// The hot-row path (ADR 0030) under contention: many orders reserve one SKU at once while others hold two
    /// SKUs asked for in opposite orders and release them. Every attempt ends (reserved, or the shortage: no
    /// deadlock, no lock timeout), and the stock row's reserved count equals what the reservation rows hold,
    /// never more than on hand.
    /// </summary>
    [Fact]
    public async Task AllocateInventory_ManyOrdersOneSku_NeitherOversellsNorDeadlocks()
    {
        var hot = TestIds.Unique("sku");
        var other = TestIds.Unique("sku");
        await db.AddStockAsync(hot, onHand: 25);
        await db.AddStockAsync(other, onHand: 1000);
        var orders = Enumerable.Range(0, 40).Select(i => (OrderId: TestIds.Unique("ord"), Index: i)).ToList();

        var attempts = orders.Select(async order =>
        {
            // Odd orders also take the other SKU, listed before the hot one in every third: lock order must not follow line order.
            var lines = order.Index % 2 == 0
                ? new List<LineItem> { new(hot, 1 + (order.Index % 3)) }
                : order.Index % 3 == 0 ? [new(other, 2), new(hot, 1)] : [new(hot, 1), new(other, 2)];
            try
            {
                await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(order.OrderId, "1"), a => a.AllocateInventoryAsync(new(order.OrderId, lines)));
            }
            catch (ApplicationFailureException e) when (e.ErrorType == ActivityErrors.InsufficientStock)
            {
                return false;
            }

            if (order.Index % 5 == 0)
            {
                await db.RunAsync<ImsActivities>(ActivityCall.For(order.OrderId, "2"), a => a.ReleaseInventoryAsync(new(order.OrderId, "cancelled")));
            }

            return true;
        });
        var won = await Task.WhenAll(attempts);

        var held = await db.QueryAsync(ctx => ctx.Reservations.AsNoTracking()
            .Where(r => r.State == ReservationState.Reserved && (r.Sku == hot || r.Sku == other))
            .GroupBy(r => r.Sku)
            .Select(g => new { Sku = g.Key, Quantity = g.Sum(r => r.Quantity) })
            .ToDictionaryAsync(g => g.Sku, g => g.Quantity));
        var hotStock = await db.StockAsync(hot);
        Assert.Equal(held.GetValueOrDefault(hot), hotStock.Reserved);
        Assert.Equal(held.GetValueOrDefault(other), (await db.StockAsync(other)).Reserved);
        Assert.InRange(hotStock.Reserved, 0, hotStock.OnHand);
        Assert.Contains(won, w => w);
        Assert.Contains(won, w => !w); // 40 orders asking for more than 25 units: some were refused
    }

    [Fact]
    public async Task ReleaseInventory_AfterAllocate_ReturnsStockAndEmitsOnce()
    {
        var orderId = TestIds.Unique("ord");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 4)])));
        var release = ActivityCall.For(orderId, "5");

        await db.RunAsync<ImsActivities>(release, a => a.ReleaseInventoryAsync(new(orderId, "cancelled by customer")));
        await db.RunAsync<ImsActivities>(release.Retry(), a => a.ReleaseInventoryAsync(new(orderId, "cancelled by customer")));

        var stock = await db.StockAsync(sku);
        Assert.Equal(0, stock.Reserved);
        Assert.Equal(10, stock.OnHand);
        var reservation = await db.QueryAsync(ctx => ctx.Reservations.AsNoTracking().SingleAsync(r => r.OrderId == orderId));
        Assert.Equal(ReservationState.Released, reservation.State);
        var messages = await db.OutboxForOrderAsync(orderId);
        Assert.Equal([Exchanges.InventoryAllocated, Exchanges.InventoryReleased], messages.Select(m => m.Exchange));
        Assert.Equal("cancelled by customer", JsonDocument.Parse(messages[1].Payload).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ReleaseInventory_NothingHeld_IsNoOp()
    {
        var orderId = TestIds.Unique("ord");

        await db.RunAsync<ImsActivities>(ActivityCall.For(orderId, "1"), a => a.ReleaseInventoryAsync(new(orderId, "pick timeout")));

        Assert.Empty(await db.OutboxForOrderAsync(orderId));
    }

    [Fact]
    public async Task ConsumeInventory_AfterAllocate_TakesStockAndReportsSkusBelowReorderPoint()
    {
        var orderId = TestIds.Unique("ord");
        var low = TestIds.Unique("sku");
        var fine = TestIds.Unique("sku");
        await db.AddStockAsync(low, onHand: 10, reorderPoint: 8);
        await db.AddStockAsync(fine, onHand: 100, reorderPoint: 10);
        await db.RunAsync<ImsActivities, AllocationResult>(
            ActivityCall.For(orderId, "1"),
            a => a.AllocateInventoryAsync(new(orderId, [new LineItem(low, 3), new LineItem(fine, 3)])));
        var consume = ActivityCall.For(orderId, "4");
        var picked = new ConsumeInventoryInput(orderId, [new LineItem(low, 3), new LineItem(fine, 3)]);

        var first = await db.RunAsync<ImsActivities, ConsumeInventoryResult>(consume, a => a.ConsumeInventoryAsync(picked));
        var second = await db.RunAsync<ImsActivities, ConsumeInventoryResult>(consume.Retry(), a => a.ConsumeInventoryAsync(picked));

        Assert.Equal([low], first.SkusBelowReorderPoint);
        Assert.Equal(first.SkusBelowReorderPoint, second.SkusBelowReorderPoint);
        var lowStock = await db.StockAsync(low);
        Assert.Equal(7, lowStock.OnHand);
        Assert.Equal(0, lowStock.Reserved);
        Assert.Equal(97, (await db.StockAsync(fine)).OnHand);
    }

    [Fact]
    public async Task ConsumeInventory_TwiceAttempted_EmitsOrderPickedOnceUnderTheMessageIdOfItsHistoryEvent()
    {
        var orderId = TestIds.Unique("ord");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 2)])));
        var consume = ActivityCall.For(orderId, "4");
        var input = new ConsumeInventoryInput(orderId, [new LineItem(sku, 2)]);

        await db.RunAsync<ImsActivities, ConsumeInventoryResult>(consume, a => a.ConsumeInventoryAsync(input));
        await db.RunAsync<ImsActivities, ConsumeInventoryResult>(consume.Retry(), a => a.ConsumeInventoryAsync(input));

        var message = Assert.Single(await db.OutboxForOrderAsync(orderId), m => m.Exchange == Exchanges.OrderPicked);
        var payload = JsonSerializer.Deserialize<OrderPickedEvent>(message.Payload, JsonSerializerOptions.Web)!;
        Assert.Equal((orderId, sku, 2), (payload.OrderId, payload.Lines.Single().Sku, payload.Lines.Single().Quantity));
        var consumed = await db.QueryAsync(ctx => ctx.OrderEvents.AsNoTracking().SingleAsync(e => e.OrderId == orderId && e.EventType == OrderEventTypes.InventoryConsumed));
        Assert.Equal(message.MessageId, consumed.MessageId);
    }

    [Fact]
    public async Task ConsumeInventory_AfterRelease_IsIllegalTransition()
    {
        var orderId = TestIds.Unique("ord");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 1)])));
        await db.RunAsync<ImsActivities>(ActivityCall.For(orderId, "2"), a => a.ReleaseInventoryAsync(new(orderId, "timeout")));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<ImsActivities, ConsumeInventoryResult>(ActivityCall.For(orderId, "3"), a => a.ConsumeInventoryAsync(new(orderId, [new LineItem(sku, 1)]))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Equal(10, (await db.StockAsync(sku)).OnHand);
    }
}
