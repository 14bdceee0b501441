using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Activities.Payments;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

/// <summary>A priced order through intake, payment, a short pick and a cancellation, on a real PostgreSQL database.</summary>
public sealed class PricesAndShortPickTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly FakePaymentProvider provider = new();

    private Task<T> PayAsync<T>(ActivityCall call, Func<PaymentActivities, Task<T>> activity) =>
        db.RunAsync(call, services => ActivatorUtilities.CreateInstance<PaymentActivities>(services, (IPaymentProvider)provider), activity);

    /// <summary>An order of 3 x A at 2.50 and 1 x B at 10.00 EUR (17.50), created, reserved and paid.</summary>
    private async Task<(string OrderId, string SkuA, string SkuB)> PaidOrderAsync()
    {
        var orderId = TestIds.Unique("ord");
        var requestId = TestIds.Unique("req");
        var (a, b) = (TestIds.Unique("sku"), TestIds.Unique("sku"));
        await db.AddStockAsync(a, onHand: 10);
        await db.AddStockAsync(b, onHand: 10);
        var submitted = new OrderSubmitted(
            requestId,
            orderId,
            "cust-7",
            [new OrderLine(a, 3, 2.50m), new OrderLine(b, 1, 10m)],
            new ShipTo("Ada Lovelace", "12 Analytical Row", "London", "N1 9GU", "GB"),
            "EUR");
        var intake = new ActivityCall($"order-intake-{requestId}", "1");
        var order = await db.RunAsync<OmsActivities, ValidatedOrder>(intake, x => x.ValidateOrderAsync(new(requestId, "msg-1", submitted)));
        await db.RunAsync<OmsActivities, OrderRef>(intake with { ActivityId = "2" }, x => x.CreateOrderAsync(order));
        await db.RunAsync<OmsActivities>(intake with { ActivityId = "3" }, x => x.EmitOrderEventAsync(order));
        await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), x => x.AllocateInventoryAsync(new(orderId, order.Lines)));
        await PayAsync(ActivityCall.For(orderId, "9"), x => x.ProcessPaymentAsync(new ProcessPaymentInput(orderId, "cust-7", "approver", 17.50m, "EUR")));
        return (orderId, a, b);
    }

    private Task<ShortOrderLinesResult> ShortAsync(ActivityCall call, string orderId, params ShortedItem[] shorted) =>
        PayAsync(call, x => x.ShortOrderLinesAsync(new ShortOrderLinesInput(orderId, shorted, "short pick (test)")));

    private Task<PaymentRecord> PaymentAsync(string orderId) => db.QueryAsync(ctx => ctx.Payments.AsNoTracking().SingleAsync(p => p.OrderId == orderId));

    private async Task<JsonElement> OutboxPayloadAsync(string orderId, string exchange) =>
        JsonDocument.Parse(Assert.Single(await db.OutboxForOrderAsync(orderId), m => m.Exchange == exchange).Payload).RootElement;

    [Fact]
    public async Task PricedOrder_CreatedAndPaid_CarriesUnitPricesCurrencyAndTotal()
    {
        var (orderId, a, _) = await PaidOrderAsync();

        var created = await OutboxPayloadAsync(orderId, Exchanges.OrderCreated);
        Assert.Equal("EUR", created.GetProperty("currency").GetString());
        Assert.Equal(17.50m, created.GetProperty("totalAmount").GetDecimal());
        Assert.Equal(2.50m, created.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("sku").GetString() == a).GetProperty("unitPrice").GetDecimal());
        var lines = await db.QueryAsync(ctx => ctx.OrderLines.AsNoTracking().Where(l => l.OrderId == orderId).OrderBy(l => l.LineNumber).ToListAsync());
        Assert.Equal([2.50m, 10m], lines.Select(l => l.UnitPrice));
        Assert.Equal([new PaymentAmount(1750, "EUR")], provider.Captured);
        var payment = await PaymentAsync(orderId);
        Assert.Equal((17.50m, "EUR", 0m), (payment.Amount, payment.Currency, payment.RefundedAmount));
        var summary = await db.QueryAsync(ctx => ctx.OrderSummaries.AsNoTracking().SingleAsync(s => s.OrderId == orderId));
        Assert.Equal(("EUR", 17.50m, 17.50m, 0m), (summary.Currency, summary.TotalAmount, summary.CapturedAmount, summary.RefundedAmount));
    }

    [Fact]
    public async Task ShortOrderLines_ReleasesTheMissingUnitsRefundsThemAndEmitsOnce_ThenCancellationRefundsTheRest()
    {
        var (orderId, a, b) = await PaidOrderAsync();
        var call = ActivityCall.For(orderId, "12");

        // 1 of 3 A picked, B complete: 2 x 2.50 = 5.00 EUR back.
        var first = await ShortAsync(call, orderId, new ShortedItem(a, 3, 1));
        var again = await ShortAsync(call.Retry(), orderId, new ShortedItem(a, 3, 1));

        Assert.Equal(new ShortOrderLinesResult(orderId, 5m, "EUR"), first);
        Assert.Equal(first, again);
        Assert.Equal([new PaymentAmount(500, "EUR")], provider.RefundedAmounts);
        Assert.Equal(1, (await db.StockAsync(a)).Reserved);
        var shorted = await OutboxPayloadAsync(orderId, Exchanges.OrderLineShorted);
        Assert.Equal(5m, shorted.GetProperty("refundedAmount").GetDecimal());
        Assert.Equal(2, shorted.GetProperty("lines")[0].GetProperty("shorted").GetInt32());
        Assert.Equal(2, shorted.GetProperty("refundedLines")[0].GetProperty("unfilled").GetInt32());
        var released = await OutboxPayloadAsync(orderId, Exchanges.InventoryReleased);
        Assert.Equal(2, released.GetProperty("released")[0].GetProperty("quantity").GetInt32());

        // What was picked is consumed: 1 A and 1 B leave the shelves.
        await db.RunAsync<ImsActivities, ConsumeInventoryResult>(ActivityCall.For(orderId, "13"), x => x.ConsumeInventoryAsync(new(orderId, [new LineItem(a, 1), new LineItem(b, 1)])));
        Assert.Equal((9, 0), ((await db.StockAsync(a)).OnHand, (await db.StockAsync(a)).Reserved));

        // Cancelled afterwards (before shipping): exactly what is still captured goes back, 12.50.
        await PayAsync(ActivityCall.For(orderId, "14"), async x =>
        {
            await x.RefundPaymentAsync(new OrderStatusChange(orderId, "customer cancelled"));
            return true;
        });
        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "15"), x => x.MarkOrderCancelledAsync(new OrderStatusChange(orderId, "customer cancelled")));

        Assert.Equal([new PaymentAmount(500, "EUR"), new PaymentAmount(1250, "EUR")], provider.RefundedAmounts);
        var payment = await PaymentAsync(orderId);
        Assert.Equal((PaymentStatus.Refunded, 17.50m), (payment.Status, payment.RefundedAmount));
        var cancelled = await OutboxPayloadAsync(orderId, Exchanges.OrderCancelled);
        Assert.Equal(17.50m, cancelled.GetProperty("refundedAmount").GetDecimal());
        var summary = await db.QueryAsync(ctx => ctx.OrderSummaries.AsNoTracking().SingleAsync(s => s.OrderId == orderId));
        Assert.Equal((17.50m, 17.50m), (summary.CapturedAmount, summary.RefundedAmount));
        var types = await db.QueryAsync(ctx => ctx.OrderEvents.AsNoTracking().Where(e => e.OrderId == orderId).Select(e => e.EventType).ToListAsync());
        Assert.Contains(OrderEventTypes.LineShorted, types);
        Assert.Equal(2, types.Count(t => t == OrderEventTypes.PaymentRefunded));
    }

    [Fact]
    public async Task ShortOrderLines_SkuNothingWasPickedOf_IsReleasedWhole_AndConsumeTakesTheRest()
    {
        var (orderId, a, b) = await PaidOrderAsync();

        var result = await ShortAsync(ActivityCall.For(orderId, "12"), orderId, new ShortedItem(b, 1, 0));
        await db.RunAsync<ImsActivities, ConsumeInventoryResult>(ActivityCall.For(orderId, "13"), x => x.ConsumeInventoryAsync(new(orderId, [new LineItem(a, 3)])));

        Assert.Equal(10m, result.RefundedAmount);
        Assert.Equal((10, 0), ((await db.StockAsync(b)).OnHand, (await db.StockAsync(b)).Reserved));
        Assert.Equal((7, 0), ((await db.StockAsync(a)).OnHand, (await db.StockAsync(a)).Reserved));
    }
}
