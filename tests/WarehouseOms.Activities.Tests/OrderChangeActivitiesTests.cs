using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Exceptions;
using Temporalio.Testing;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

/// <summary>
/// Changes to an order after its reservation: lines added while it awaits payment, the payment and
/// delivery statuses, and the customer notifications.
/// </summary>
public sealed class OrderChangeActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset DeliveredAt = new(2026, 11, 24, 14, 30, 15, TimeSpan.Zero);

    private static ValidatedOrder Order(string orderId, params LineItem[] lines) =>
        new($"req-{orderId}", orderId, "cust-7", lines, new Address("Ada", "1 Main St", "Springfield", "12345", "US"));

    /// <summary>Created and allocated (the reservation a line can be added to), optionally marked RESERVED.</summary>
    private async Task<string> CreateAllocatedOrderAsync(params LineItem[] lines)
    {
        var orderId = TestIds.Unique("ord");
        await db.RunAsync<OmsActivities, OrderRef>(new ActivityCall($"order-intake-req-{orderId}", "2"), a => a.CreateOrderAsync(Order(orderId, lines)));
        await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, lines)));
        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "2"), a => a.MarkOrderReservedAsync(new(orderId)));
        return orderId;
    }

    private Task<AllocationResult> AddLineAsync(ActivityCall call, string orderId, string additionId, string sku, int quantity) =>
        db.RunAsync<ImsActivities, AllocationResult>(call, a => a.ReserveAddedLineAsync(new ReserveAddedLineInput(orderId, additionId, sku, quantity)));

    private Task<List<OrderLineRecord>> LinesAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.OrderLines.AsNoTracking().Where(l => l.OrderId == orderId).OrderBy(l => l.LineNumber).ToListAsync());

    private Task<List<ReservationRecord>> ReservationsAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.Reservations.AsNoTracking().Where(r => r.OrderId == orderId).OrderBy(r => r.Sku).ToListAsync());

    private Task<List<string>> EventTypesAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.OrderEvents.AsNoTracking().Where(e => e.OrderId == orderId).OrderBy(e => e.Version).Select(e => e.EventType).ToListAsync());

    private Task<OrderRecord> StoredOrderAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.Orders.AsNoTracking().SingleAsync(o => o.OrderId == orderId));

    private Task RunNotificationAsync(ActivityCall call, Func<NotificationActivities, Task> activity) =>
        db.RunAsync(call, services => ActivatorUtilities.CreateInstance<NotificationActivities>(services), async a =>
        {
            await activity(a);
            return true;
        });

    [Fact]
    public async Task ReserveAddedLine_NewSku_ReservesAddsLineAndWritesOneEvent()
    {
        var (first, added) = (TestIds.Unique("sku"), TestIds.Unique("sku"));
        await db.AddStockAsync(first, onHand: 10);
        await db.AddStockAsync(added, onHand: 10, reserved: 2);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(first, 2));
        var call = ActivityCall.For(orderId, "8");

        var result = await AddLineAsync(call, orderId, "add-1", added, 3);

        Assert.Equal(orderId, result.OrderId);
        Assert.Equal([new LineItem(added, 3)], result.Allocated);
        Assert.Equal(5, (await db.StockAsync(added)).Reserved);
        Assert.Equal(2, (await db.StockAsync(first)).Reserved);
        Assert.Equal(
            [(first, 2, ReservationState.Reserved), (added, 3, ReservationState.Reserved)],
            (await ReservationsAsync(orderId)).Select(r => (r.Sku, r.Quantity, r.State)).OrderBy(r => r.Sku == added));
        Assert.Equal([(1, first, 2), (2, added, 3)], (await LinesAsync(orderId)).Select(l => (l.LineNumber, l.Sku, l.Quantity)));
        var addition = await db.QueryAsync(ctx => ctx.LineAdditions.AsNoTracking().SingleAsync(a => a.AdditionId == "add-1"));
        Assert.Equal((orderId, added, 3), (addition.OrderId, addition.Sku, addition.Quantity));

        var messages = await db.OutboxForOrderAsync(orderId);
        Assert.Equal([Exchanges.InventoryAllocated, Exchanges.InventoryAllocated], messages.Select(m => m.Exchange));
        var lineMessage = messages[1];
        Assert.Equal(DeterministicGuid.Create(DeterministicGuid.MessageNamespace, $"{call.WorkflowId}/{call.RunId}/8/{Exchanges.InventoryAllocated}"), lineMessage.MessageId);
        var allocation = Assert.Single(JsonDocument.Parse(lineMessage.Payload).RootElement.GetProperty("allocations").EnumerateArray());
        Assert.Equal((added, 3), (allocation.GetProperty("sku").GetString(), allocation.GetProperty("quantity").GetInt32()));
        Assert.Equal(OrderEventTypes.LineAdded, (await EventTypesAsync(orderId))[^1]);
    }

    [Fact]
    public async Task ReserveAddedLine_SkuAlreadyReserved_MergesReservationQuantity()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 2));

        var result = await AddLineAsync(ActivityCall.For(orderId, "8"), orderId, $"add-{orderId}", sku, 4);

        Assert.Equal([new LineItem(sku, 4)], result.Allocated);
        Assert.Equal(6, (await db.StockAsync(sku)).Reserved);
        var reservation = Assert.Single(await ReservationsAsync(orderId));
        Assert.Equal((6, ReservationState.Reserved), (reservation.Quantity, reservation.State));
        Assert.Equal([(1, sku, 2), (2, sku, 4)], (await LinesAsync(orderId)).Select(l => (l.LineNumber, l.Sku, l.Quantity)));
        Assert.Equal(2, (await db.OutboxForOrderAsync(orderId)).Count);

        // Consuming takes the merged reservation off the shelf.
        await db.RunAsync<ImsActivities, ConsumeInventoryResult>(ActivityCall.For(orderId, "12"), a => a.ConsumeInventoryAsync(new(orderId, [new LineItem(sku, 6)])));
        var stock = await db.StockAsync(sku);
        Assert.Equal((4, 0), (stock.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task ReserveAddedLine_SameAdditionRunAgain_ChangesNothingAndReturnsSameComponents()
    {
        var (sku, kit, component) = (TestIds.Unique("sku"), TestIds.Unique("kit"), TestIds.Unique("sku"));
        await db.AddStockAsync(sku, onHand: 10);
        await db.AddStockAsync(component, onHand: 10);
        await db.AddKitAsync(kit, (component, 2), (sku, 1));
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 1));
        var call = ActivityCall.For(orderId, "8");
        var additionId = $"add-{orderId}";

        var first = await AddLineAsync(call, orderId, additionId, kit, 2);
        var retried = await AddLineAsync(call.Retry(), orderId, additionId, kit, 2);
        var redelivered = await AddLineAsync(ActivityCall.For(orderId, "9"), orderId, additionId, kit, 2);

        Assert.Equal(first.Allocated, retried.Allocated);
        Assert.Equal(first.Allocated, redelivered.Allocated);
        Assert.Equal(3, (await db.StockAsync(sku)).Reserved);
        Assert.Equal(4, (await db.StockAsync(component)).Reserved);
        Assert.Equal([(1, sku, 1), (2, kit, 2)], (await LinesAsync(orderId)).Select(l => (l.LineNumber, l.Sku, l.Quantity)));
        Assert.Equal(1, await db.QueryAsync(ctx => ctx.LineAdditions.CountAsync(a => a.OrderId == orderId)));
        Assert.Equal(2, (await db.OutboxForOrderAsync(orderId)).Count);
        Assert.Single(await EventTypesAsync(orderId), t => t == OrderEventTypes.LineAdded);
    }

    [Fact]
    public async Task ReserveAddedLine_AdditionOfAnotherOrder_IllegalTransition()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 1));
        var otherOrderId = await CreateAllocatedOrderAsync(new LineItem(sku, 1));
        await AddLineAsync(ActivityCall.For(orderId, "8"), orderId, $"add-{orderId}", sku, 1);

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            AddLineAsync(ActivityCall.For(otherOrderId, "8"), otherOrderId, $"add-{orderId}", sku, 1));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Equal(3, (await db.StockAsync(sku)).Reserved);
        Assert.Single(await LinesAsync(otherOrderId));
    }

    [Fact]
    public async Task ReserveAddedLine_Kit_ReservesExpandedComponents()
    {
        var (kit, subKit, widget, cable) = (TestIds.Unique("kit"), TestIds.Unique("kit"), TestIds.Unique("sku"), TestIds.Unique("sku"));
        await db.AddStockAsync(widget, onHand: 20);
        await db.AddStockAsync(cable, onHand: 20);
        await db.AddKitAsync(subKit, (cable, 2));
        await db.AddKitAsync(kit, (widget, 1), (subKit, 2));
        var orderId = await CreateAllocatedOrderAsync(new LineItem(widget, 1));

        var result = await AddLineAsync(ActivityCall.For(orderId, "8"), orderId, $"add-{orderId}", kit, 2);

        Assert.Equal(new[] { new LineItem(widget, 2), new LineItem(cable, 8) }.OrderBy(l => l.Sku, StringComparer.Ordinal), result.Allocated);
        Assert.Equal(3, (await db.StockAsync(widget)).Reserved);
        Assert.Equal(8, (await db.StockAsync(cable)).Reserved);
        var reservations = (await ReservationsAsync(orderId)).ToDictionary(r => r.Sku, r => r.Quantity);
        Assert.Equal(new Dictionary<string, int> { [widget] = 3, [cable] = 8 }, reservations);
        Assert.Equal((kit, 2), (await LinesAsync(orderId)).Select(l => (l.Sku, l.Quantity)).Last());
    }

    [Fact]
    public async Task ReserveAddedLine_Shortage_NonRetryableInsufficientStockAndNothingChanged()
    {
        var (kit, plenty, scarce) = (TestIds.Unique("kit"), TestIds.Unique("sku"), TestIds.Unique("sku"));
        await db.AddStockAsync(plenty, onHand: 100);
        await db.AddStockAsync(scarce, onHand: 5);
        await db.AddKitAsync(kit, (plenty, 1), (scarce, 2));
        var orderId = await CreateAllocatedOrderAsync(new LineItem(scarce, 2));
        var messagesBefore = (await db.OutboxForOrderAsync(orderId)).Count;
        var eventsBefore = await EventTypesAsync(orderId);

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            AddLineAsync(ActivityCall.For(orderId, "8"), orderId, $"add-{orderId}", kit, 2));

        Assert.Equal(ActivityErrors.InsufficientStock, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Contains($"SKU {scarce}: requested 4, available 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await db.StockAsync(plenty)).Reserved);
        Assert.Equal(2, (await db.StockAsync(scarce)).Reserved);
        Assert.Equal([(scarce, 2)], (await ReservationsAsync(orderId)).Select(r => (r.Sku, r.Quantity)));
        Assert.Single(await LinesAsync(orderId));
        Assert.False(await db.QueryAsync(ctx => ctx.LineAdditions.AnyAsync(a => a.OrderId == orderId)));
        Assert.Equal(messagesBefore, (await db.OutboxForOrderAsync(orderId)).Count);
        Assert.Equal(eventsBefore, await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task ReserveAddedLine_ReservationReleased_IllegalTransition()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 2));
        await db.RunAsync<ImsActivities>(ActivityCall.For(orderId, "7"), a => a.ReleaseInventoryAsync(new(orderId, "approval timed out")));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            AddLineAsync(ActivityCall.For(orderId, "8"), orderId, $"add-{orderId}", sku, 1));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Equal(0, (await db.StockAsync(sku)).Reserved);
        Assert.Equal([(sku, 2, ReservationState.Released)], (await ReservationsAsync(orderId)).Select(r => (r.Sku, r.Quantity, r.State)));
        Assert.Single(await LinesAsync(orderId));
    }

    [Fact]
    public async Task ReserveAddedLine_NoReservation_IllegalTransition()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = TestIds.Unique("ord");
        await db.RunAsync<OmsActivities, OrderRef>(new ActivityCall($"order-intake-req-{orderId}", "2"), a => a.CreateOrderAsync(Order(orderId, new LineItem(sku, 1))));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            AddLineAsync(ActivityCall.For(orderId, "8"), orderId, $"add-{orderId}", sku, 1));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.Equal(0, (await db.StockAsync(sku)).Reserved);
    }

    [Fact]
    public async Task AwaitingPaymentPaidShippedCompleted_EachRunTwice_OneEventPerMoveAndDeliveredAt()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 1));
        var awaiting = ActivityCall.For(orderId, "3");
        var paid = ActivityCall.For(orderId, "10");
        var shipped = ActivityCall.For(orderId, "16");
        var completed = ActivityCall.For(orderId, "18");

        await db.RunAsync<OmsActivities>(awaiting, a => a.MarkOrderAwaitingPaymentAsync(new(orderId)));
        await db.RunAsync<OmsActivities>(awaiting.Retry(), a => a.MarkOrderAwaitingPaymentAsync(new(orderId)));
        Assert.Equal(OrderStatus.AwaitingPayment, (await StoredOrderAsync(orderId)).Status);
        await db.RunAsync<OmsActivities>(paid, a => a.MarkOrderPaidAsync(new(orderId, "PAY-1")));
        await db.RunAsync<OmsActivities>(paid.Retry(), a => a.MarkOrderPaidAsync(new(orderId, "PAY-1")));
        Assert.Equal(OrderStatus.Paid, (await StoredOrderAsync(orderId)).Status);
        await db.RunAsync<OmsActivities>(shipped, a => a.MarkOrderShippedAsync(new(orderId, $"shp-{orderId}", "WHX000000000042")));
        await db.RunAsync<OmsActivities>(completed, a => a.MarkOrderCompletedAsync(new(orderId, DeliveredAt)));
        await db.RunAsync<OmsActivities>(completed.Retry(), a => a.MarkOrderCompletedAsync(new(orderId, DeliveredAt)));
        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "19"), a => a.MarkOrderCompletedAsync(new(orderId, DeliveredAt.AddHours(1))));

        var stored = await StoredOrderAsync(orderId);
        Assert.Equal(OrderStatus.Completed, stored.Status);
        Assert.Equal(DeliveredAt, stored.DeliveredAt);
        Assert.Equal("WHX000000000042", stored.TrackingNumber);

        var messages = (await db.OutboxForOrderAsync(orderId)).Where(m => m.Exchange != Exchanges.InventoryAllocated).ToList();
        Assert.Equal([Exchanges.OrderShipped, Exchanges.OrderCompleted], messages.Select(m => m.Exchange));
        var completedEvent = JsonDocument.Parse(messages[1].Payload).RootElement;
        Assert.Equal(orderId, completedEvent.GetProperty("orderId").GetString());
        Assert.Equal(DeliveredAt, completedEvent.GetProperty("deliveredAt").GetDateTimeOffset());
        Assert.Equal(
            DeterministicGuid.Create(DeterministicGuid.MessageNamespace, $"{completed.WorkflowId}/{completed.RunId}/18/{Exchanges.OrderCompleted}"),
            messages[1].MessageId);

        Assert.Equal(
            [OrderEventTypes.OrderCreated, OrderEventTypes.InventoryAllocated, OrderEventTypes.OrderReserved, OrderEventTypes.OrderAwaitingPayment,
             OrderEventTypes.OrderPaid, OrderEventTypes.OrderShipped, OrderEventTypes.OrderCompleted],
            await EventTypesAsync(orderId));
        var summary = await db.QueryAsync(ctx => ctx.OrderSummaries.AsNoTracking().SingleAsync(s => s.OrderId == orderId));
        Assert.Equal(OrderStatus.Completed, summary.Status);
    }

    [Fact]
    public async Task MarkOrderPaid_NotAwaitingPayment_IllegalTransition()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 1));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "10"), a => a.MarkOrderPaidAsync(new(orderId, "PAY-1"))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Equal(OrderStatus.Reserved, (await StoredOrderAsync(orderId)).Status);
    }

    [Fact]
    public async Task MarkOrderCompleted_NotShipped_IllegalTransitionAndNoEvent()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 10);
        var orderId = await CreateAllocatedOrderAsync(new LineItem(sku, 1));
        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "3"), a => a.MarkOrderAwaitingPaymentAsync(new(orderId)));
        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "10"), a => a.MarkOrderPaidAsync(new(orderId, "PAY-1")));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "18"), a => a.MarkOrderCompletedAsync(new(orderId, DeliveredAt))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
        var stored = await StoredOrderAsync(orderId);
        Assert.Equal(OrderStatus.Paid, stored.Status);
        Assert.Null(stored.DeliveredAt);
        Assert.DoesNotContain(await db.OutboxForOrderAsync(orderId), m => m.Exchange == Exchanges.OrderCompleted);
    }

    [Fact]
    public async Task Notifications_EachRunTwice_OneOutboxRowPerActivity()
    {
        var orderId = TestIds.Unique("ord");
        var confirm = ActivityCall.For(orderId, "11");
        var cancel = ActivityCall.For(orderId, "21");
        var confirmation = new OrderNotification(orderId, "cust-7", "GOLD", "Your order is confirmed.", ["SKU-A", "SKU-B"]);
        var notice = new OrderNotification(orderId, "cust-7", null, "Your order was cancelled.", []);

        await RunNotificationAsync(confirm, a => a.SendOrderConfirmationAsync(confirmation));
        await RunNotificationAsync(confirm.Retry(), a => a.SendOrderConfirmationAsync(confirmation));
        await RunNotificationAsync(cancel, a => a.SendCancellationNoticeAsync(notice));
        await RunNotificationAsync(cancel.Retry(), a => a.SendCancellationNoticeAsync(notice));

        var messages = await db.OutboxForOrderAsync(orderId);
        Assert.Equal([Exchanges.OrderConfirmationNotification, Exchanges.OrderCancellationNotification], messages.Select(m => m.Exchange));
        Assert.Equal(
            DeterministicGuid.Create(DeterministicGuid.MessageNamespace, $"{confirm.WorkflowId}/{confirm.RunId}/11/{Exchanges.OrderConfirmationNotification}"),
            messages[0].MessageId);
        Assert.Equal(
            DeterministicGuid.Create(DeterministicGuid.MessageNamespace, $"{cancel.WorkflowId}/{cancel.RunId}/21/{Exchanges.OrderCancellationNotification}"),
            messages[1].MessageId);

        var confirmed = JsonDocument.Parse(messages[0].Payload).RootElement;
        Assert.Equal("order-confirmation", confirmed.GetProperty("kind").GetString());
        Assert.Equal("cust-7", confirmed.GetProperty("customerId").GetString());
        Assert.Equal("GOLD", confirmed.GetProperty("customerTier").GetString());
        Assert.Equal("Your order is confirmed.", confirmed.GetProperty("message").GetString());
        Assert.Equal(["SKU-A", "SKU-B"], confirmed.GetProperty("recommendations").EnumerateArray().Select(e => e.GetString()));
        var cancelled = JsonDocument.Parse(messages[1].Payload).RootElement;
        Assert.Equal("order-cancellation", cancelled.GetProperty("kind").GetString());
        Assert.Equal(orderId, cancelled.GetProperty("orderId").GetString());

        // Another activity (e.g. a second confirmation the workflow asked for) is another message.
        await RunNotificationAsync(ActivityCall.For(orderId, "12"), a => a.SendOrderConfirmationAsync(confirmation));
        Assert.Equal(3, (await db.OutboxForOrderAsync(orderId)).Count);
    }
}
