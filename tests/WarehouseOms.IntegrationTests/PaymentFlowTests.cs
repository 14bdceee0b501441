using WarehouseOms.Contracts;

namespace WarehouseOms.IntegrationTests;

/// <summary>Payment approval (ADR 0010) end to end: lines added while awaiting approval, the approval timeout, bad approval messages.</summary>
[Collection(ServiceCollection.Name)]
public sealed class PaymentFlowTests(ServiceFixture service)
{

    private static object Order(string orderId, string sku = "WIDGET-BLUE", int quantity = 1) => new
    {
        requestId = orderId + "-req",
        orderId,
        customerId = "CUST-PAY",
        lines = new[] { new { sku, quantity } },
        shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    };

    private async Task<long> ScalarLongAsync(string sql, params object[] parameters) =>
        Convert.ToInt64(await service.ScalarAsync(sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task LineAddedWhileAwaitingApproval_IsReservedOncePickedAndRecorded()
    {
        var orderId = TestIds.Unique("IT-ADD");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId), orderId + "-submit");
        await service.Broker.EventAsync(Exchanges.InventoryAllocated, orderId);
        await Eventually.UntilAsync(
            async () => await service.ScalarAsync("SELECT status FROM oms.orders WHERE order_id = $1", orderId) as string,
            s => s == "AWAITING_PAYMENT",
            "awaiting payment");

        var line = new { orderId, sku = "GADGET", quantity = 2 };
        await service.Broker.PublishAsync(Exchanges.OrderLineAdded, line, orderId + "-line");
        await service.Broker.PublishAsync(Exchanges.OrderLineAdded, line, orderId + "-line"); // redelivered duplicate
        await Eventually.UntilAsync(() => service.Broker.For(Exchanges.InventoryAllocated, orderId).Count == 2, "the added line's allocation");
        await service.Broker.PublishAsync(Exchanges.PaymentApproved, new { orderId, approvedBy = "finance" }, orderId + "-approve");

        var wave = await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);
        Assert.Contains("GADGET", wave.Body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(2, await ScalarLongAsync("SELECT count(*) FROM oms.order_lines WHERE order_id = $1", orderId));
        Assert.Equal(2, await ScalarLongAsync("SELECT quantity FROM ims.reservations WHERE order_id = $1 AND sku = 'GADGET'", orderId));
        Assert.Equal("finance", await service.ScalarAsync("SELECT approved_by FROM oms.payments WHERE order_id = $1", orderId));
        Assert.Equal(2, service.Broker.For(Exchanges.InventoryAllocated, orderId).DistinctBy(m => m.MessageId).Count());
    }

    [Fact]
    public async Task NoApprovalWithinTimeout_CancelsReleasesAndNotifies()
    {
        var orderId = TestIds.Unique("IT-NOPAY");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId), orderId + "-submit");

        var cancelled = await service.Broker.EventAsync(Exchanges.OrderCancelled, orderId, ServiceFixture.ApprovalTimeout + TimeSpan.FromSeconds(30));

        Assert.Contains("Payment not approved within", cancelled.Body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        await service.Broker.EventAsync(Exchanges.InventoryReleased, orderId);
        await service.Broker.EventAsync(Exchanges.OrderCancellationNotification, orderId);
        Assert.Empty(service.Broker.For(Exchanges.PickWaveCreated, orderId));
        Assert.Equal(0, await ScalarLongAsync("SELECT count(*) FROM oms.payments WHERE order_id = $1", orderId));
    }

    [Fact]
    public async Task ApprovalWithoutApprover_GoesToErrorQueueWithReason()
    {
        var messageId = TestIds.Unique("IT-BADPAY");
        await service.Broker.PublishAsync(Exchanges.PaymentApproved, new { orderId = messageId }, messageId);

        var dead = await Eventually.UntilAsync(
            () => service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.PaymentApproved), messageId),
            m => m is not null,
            "the approval without approver in the error queue");
        Assert.Contains("approvedBy is required", dead!.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveryWithoutDate_GoesToErrorQueueWithReason()
    {
        var messageId = TestIds.Unique("IT-BADDLV");
        await service.Broker.PublishAsync(Exchanges.ShipmentDelivered, new { orderId = messageId }, messageId);

        var dead = await Eventually.UntilAsync(
            () => service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.ShipmentDelivered), messageId),
            m => m is not null,
            "the delivery without date in the error queue");
        Assert.Contains("deliveredAt is required", dead!.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
    }
}
