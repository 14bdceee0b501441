using WarehouseOms.Contracts;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// End to end on real RabbitMQ and PostgreSQL with the embedded Temporal: raw JSON in through a plain AMQP
/// client, outbound events observed on the outbound fanout exchanges, state read from the database.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class OrderFlowTests(ServiceFixture service)
{

    private static object Order(string requestId, string orderId, string sku = "WIDGET-RED", int quantity = 1) => new
    {
        requestId,
        orderId,
        customerId = "CUST-IT",
        lines = new[] { new { sku, quantity } },
        shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    };

    private Task<string?> StatusAsync(string orderId) =>
        service.ScalarAsync("SELECT status FROM oms.orders WHERE order_id = $1", orderId).ContinueWith(t => t.Result as string, TaskScheduler.Default);

    [Fact]
    public async Task RawJsonOrder_ApprovedPickedPackedDelivered_CompletesAndEmitsEveryEventOnce()
    {
        var orderId = TestIds.Unique("IT-SHIP");
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted,
            $$$"""{"requestId":"{{{orderId}}}-req","orderId":"{{{orderId}}}","customerId":"C1","lines":[{"sku":"WIDGET-RED","quantity":2}],"shipTo":{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}""",
            messageId: orderId + "-submit");

        await service.Broker.EventAsync(Exchanges.OrderCreated, orderId);
        Assert.Equal("AWAITING_PAYMENT", await Eventually.UntilAsync(() => StatusAsync(orderId), s => s == "AWAITING_PAYMENT", "order status AWAITING_PAYMENT"));
        Assert.Empty(service.Broker.For(Exchanges.PickWaveCreated, orderId));
        await service.ApprovePaymentAsync(orderId);
        await service.ApprovePaymentAsync(orderId); // redelivered duplicate
        var confirmation = await service.Broker.EventAsync(Exchanges.OrderConfirmationNotification, orderId);
        Assert.Equal("order-confirmation", confirmation.Body.GetProperty("kind").GetString());
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);

        var pick = new { orderId, deviceId = "scanner-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 2 } } };
        await service.Broker.PublishAsync(Exchanges.PickCompleted, pick, orderId + "-pick");
        await service.Broker.PublishAsync(Exchanges.PickCompleted, pick, orderId + "-pick"); // redelivered duplicate
        var picked = await service.Broker.EventAsync(Exchanges.OrderPicked, orderId);
        Assert.Equal(2, picked.Body.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        await service.Broker.PublishAsync(Exchanges.PackCompleted,
            new { orderId, deviceId = "station-1", packages = new[] { new { packageId = "PKG-1", weightKg = 1.25m } } }, orderId + "-pack");

        var shipped = await service.Broker.EventAsync(Exchanges.OrderShipped, orderId);
        Assert.False(string.IsNullOrEmpty(shipped.MessageId));
        var confirmed = await service.Broker.EventAsync(Exchanges.ShipmentConfirmed, orderId);
        Assert.True(confirmed.Body.TryGetProperty("trackingNumber", out _), "shipment-confirmed carries a tracking number");
        Assert.Equal("SHIPPED", await Eventually.UntilAsync(() => StatusAsync(orderId), s => s == "SHIPPED", "order status SHIPPED"));

        var delivered = new { orderId, deliveredAt = "2026-11-24T09:30:00Z" };
        await service.Broker.PublishAsync(Exchanges.ShipmentDelivered, delivered, orderId + "-delivered");
        await service.Broker.PublishAsync(Exchanges.ShipmentDelivered, delivered, orderId + "-delivered"); // redelivered duplicate
        var completed = await service.Broker.EventAsync(Exchanges.OrderCompleted, orderId);
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture), completed.Body.GetProperty("deliveredAt").GetDateTimeOffset());
        Assert.Equal("COMPLETED", await Eventually.UntilAsync(() => StatusAsync(orderId), s => s == "COMPLETED", "order status COMPLETED"));
        Assert.Equal("CAPTURED", await service.ScalarAsync("SELECT status FROM oms.payments WHERE order_id = $1", orderId));

        // A late pick after the workflow closed is acknowledged and changes nothing.
        await service.Broker.PublishAsync(Exchanges.PickCompleted, pick, orderId + "-late-pick");
        foreach (var exchange in new[] { Exchanges.OrderCreated, Exchanges.InventoryAllocated, Exchanges.PickWaveCreated, Exchanges.OrderPicked, Exchanges.OrderShipped, Exchanges.OrderCompleted, Exchanges.OrderConfirmationNotification })
        {
            Assert.Single(service.Broker.For(exchange, orderId).DistinctBy(m => m.MessageId));
        }
    }

    [Fact]
    public async Task DuplicateOrderMessage_StartsOneProcessAndOneOrder()
    {
        var orderId = TestIds.Unique("IT-DUP");
        var order = Order(orderId + "-req", orderId);
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, order, orderId + "-a");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, order, orderId + "-b");

        await service.ApprovePaymentAsync(orderId);
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);
        // Once again after the intake closed: RejectDuplicate keeps it out.
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, order, orderId + "-c");
        await Eventually.UntilAsync(
            () => service.ScalarAsync("SELECT count(*) FROM oms.orders WHERE request_id = $1", orderId + "-req"),
            n => Convert.ToInt64(n, System.Globalization.CultureInfo.InvariantCulture) == 1,
            "exactly one order row");
        Assert.Single(service.Broker.For(Exchanges.OrderCreated, orderId).DistinctBy(m => m.MessageId));
    }

    [Fact]
    public async Task InvalidOrder_EmitsOrderRejectedWithReasons()
    {
        var requestId = TestIds.Unique("IT-BAD");
        var orderId = requestId + "-order";
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, new
        {
            requestId,
            orderId,
            customerId = "C1",
            lines = new[] { new { sku = "WIDGET-RED", quantity = -3 } },
            shipTo = new { name = "Ada", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        });

        var rejected = await Eventually.UntilAsync(
            () => Task.FromResult(service.Broker.Received.FirstOrDefault(m => m.Exchange == Exchanges.OrderRejected
                && m.Body.TryGetProperty("requestId", out var r) && r.GetString() == requestId)),
            m => m is not null,
            "order-rejected");
        Assert.True(rejected!.Body.GetProperty("reasons").GetArrayLength() > 0);
        Assert.Empty(service.Broker.For(Exchanges.OrderCreated, orderId));
    }

    [Fact]
    public async Task InsufficientStock_EmitsOrderFailed()
    {
        var orderId = TestIds.Unique("IT-SHORT");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId + "-req", orderId, quantity: 5_000));

        await service.Broker.EventAsync(Exchanges.OrderFailed, orderId);
        Assert.Empty(service.Broker.For(Exchanges.PickWaveCreated, orderId));
    }

    [Fact]
    public async Task KitOrder_AllocatesItsComponents()
    {
        var orderId = TestIds.Unique("IT-KIT");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId + "-req", orderId, sku: "KIT-STARTER"));

        var allocated = await service.Broker.EventAsync(Exchanges.InventoryAllocated, orderId);
        var json = allocated.Body.GetRawText();
        Assert.Contains("GADGET", json, StringComparison.Ordinal);
        Assert.Contains("CABLE-USB", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelDuringPicking_ReleasesInventoryAndEmitsOrderCancelled()
    {
        var orderId = TestIds.Unique("IT-CANCEL");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId + "-req", orderId));
        await service.ApprovePaymentAsync(orderId);
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);

        await service.Broker.PublishAsync(Exchanges.OrderCancellationRequested, new { orderId, reason = "customer changed their mind" }, orderId + "-cancel");

        await service.Broker.EventAsync(Exchanges.InventoryReleased, orderId);
        await service.Broker.EventAsync(Exchanges.OrderCancelled, orderId);
        var notice = await service.Broker.EventAsync(Exchanges.OrderCancellationNotification, orderId);
        Assert.Contains("customer changed their mind", notice.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("CANCELLED", await Eventually.UntilAsync(() => StatusAsync(orderId), s => s == "CANCELLED", "order status CANCELLED"));
        Assert.Equal("REFUNDED", await Eventually.UntilAsync(
            async () => await service.ScalarAsync("SELECT status FROM oms.payments WHERE order_id = $1", orderId) as string,
            s => s == "REFUNDED",
            "payment refunded"));
    }

    [Fact]
    public async Task MalformedJson_GoesToErrorQueueWithReason_AndConsumingContinues()
    {
        var messageId = TestIds.Unique("IT-MALFORMED");
        await service.Broker.PublishRawAsync(Exchanges.PickCompleted, """{"orderId":"X", "deviceId": """, messageId);

        var dead = await Eventually.UntilAsync(
            () => service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.PickCompleted), messageId),
            m => m is not null,
            "the malformed message in the error queue");
        Assert.Contains("Json", dead!.Value.Headers["MT-Fault-ExceptionType"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(dead.Value.Headers["MT-Fault-Message"]));

        // The endpoint still works: a valid order on the same broker flows on.
        var orderId = TestIds.Unique("IT-AFTER");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId + "-req", orderId));
        await service.Broker.EventAsync(Exchanges.OrderCreated, orderId);
    }

    [Fact]
    public async Task PickForUnknownOrder_GoesToErrorQueueAsWorkflowNotFound()
    {
        var messageId = TestIds.Unique("IT-NOWF");
        await service.Broker.PublishAsync(Exchanges.PickCompleted,
            new { orderId = messageId, deviceId = "scanner-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 1 } } }, messageId);

        var dead = await Eventually.UntilAsync(
            () => service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.PickCompleted), messageId),
            m => m is not null,
            "the orphan pick in the error queue");
        Assert.Contains("workflow not found", dead!.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Contains("order-fulfillment-" + messageId, dead.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
    }
}
