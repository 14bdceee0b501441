using WarehouseOms.Contracts;

namespace WarehouseOms.IntegrationTests;

/// <summary>Priced orders end to end through RabbitMQ: what is captured, refunded and announced.</summary>
[Collection(ServiceCollection.Name)]
public sealed class PricedOrderFlowTests(ServiceFixture service)
{
    /// <summary>3 x WIDGET-RED at 4.99 and 1 x GADGET at 20.00 EUR: 34.97.</summary>
    private static object PricedOrder(string orderId) => new
    {
        requestId = orderId + "-req",
        orderId,
        customerId = "CUST-PRICED",
        currency = "EUR",
        lines = new object[] { new { sku = "WIDGET-RED", quantity = 3, unitPrice = 4.99m }, new { sku = "GADGET", quantity = 1, unitPrice = 20.00m } },
        shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    };

    private Task<object?> ScalarAsync(string sql, string orderId) => service.ScalarAsync(sql, orderId);

    [Fact]
    public async Task PricedOrder_CancelledAfterPayment_RefundsExactlyTheCapturedAmount()
    {
        var orderId = TestIds.Unique("IT-PRICE-CANCEL");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, PricedOrder(orderId), orderId + "-submit");
        var created = await service.Broker.EventAsync(Exchanges.OrderCreated, orderId);
        Assert.Equal((34.97m, "EUR"), (created.Body.GetProperty("totalAmount").GetDecimal(), created.Body.GetProperty("currency").GetString()));
        await service.ApprovePaymentAsync(orderId);
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);
        Assert.Equal(34.97m, await ScalarAsync("SELECT amount FROM oms.payments WHERE order_id = $1", orderId));

        await service.Broker.PublishAsync(Exchanges.OrderCancellationRequested, new { orderId, reason = "customer changed their mind" }, orderId + "-cancel");

        var cancelled = await service.Broker.EventAsync(Exchanges.OrderCancelled, orderId);
        Assert.Equal((34.97m, "EUR"), (cancelled.Body.GetProperty("refundedAmount").GetDecimal(), cancelled.Body.GetProperty("currency").GetString()));
        Assert.Equal(34.97m, await ScalarAsync("SELECT refunded_amount FROM oms.payments WHERE order_id = $1", orderId));
        Assert.Equal(34.97m, await ScalarAsync("SELECT refunded_amount FROM oms.order_summaries WHERE order_id = $1", orderId));
    }

    [Fact]
    public async Task PricedOrder_ShortPick_ShipsWhatWasPickedWithTheRefund()
    {
        var orderId = TestIds.Unique("IT-PRICE-SHORT");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, PricedOrder(orderId), orderId + "-submit");
        await service.ApprovePaymentAsync(orderId);
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);

        // 1 of 3 widgets picked: 2 x 4.99 goes back, the rest ships.
        await service.Broker.PublishAsync(Exchanges.PickCompleted, new { orderId, deviceId = "scanner-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 1 }, new { sku = "GADGET", quantity = 1 } } }, orderId + "-pick");

        var shorted = await service.Broker.EventAsync(Exchanges.OrderLineShorted, orderId);
        Assert.Equal(9.98m, shorted.Body.GetProperty("refundedAmount").GetDecimal());
        Assert.Equal(2, shorted.Body.GetProperty("lines")[0].GetProperty("shorted").GetInt32());
        var picked = await service.Broker.EventAsync(Exchanges.OrderPicked, orderId);
        Assert.Equal(1, picked.Body.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        await service.Broker.PublishAsync(Exchanges.PackCompleted,
            new { orderId, deviceId = "station-1", packages = new[] { new { packageId = "PKG-1", weightKg = 1.25m } } }, orderId + "-pack");

        var shipped = await service.Broker.EventAsync(Exchanges.OrderShipped, orderId);
        Assert.Equal((34.97m, 9.98m, 24.99m), (
            shipped.Body.GetProperty("capturedAmount").GetDecimal(),
            shipped.Body.GetProperty("refundedAmount").GetDecimal(),
            shipped.Body.GetProperty("chargedAmount").GetDecimal()));
    }
}
