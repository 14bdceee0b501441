using MassTransit;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Workflows;
using Xunit;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>payments.payment-approved, oms.order-line-added and sms.shipment-delivered → fulfillment signals.</summary>
public sealed class PaymentAndDeliveryConsumerTests
{
    [Fact]
    public async Task PaymentApproved_ValidMessage_SignalsApprovePaymentWithApprover()
    {
        await using var h = await ConsumerHarness.StartAsync();
        var messageId = NewId.NextGuid();

        await h.SendAsync(Exchanges.PaymentApproved, new PaymentApproved(" ORD-9 ", " finance "), messageId);

        await Eventually.UntilAsync(() => !h.Gateway.Signals.IsEmpty, "the approval signal");
        var (orderId, signalName, payload) = Assert.Single(h.Gateway.Signals);
        Assert.Equal(("ORD-9", SignalNames.ApprovePayment), (orderId, signalName));
        Assert.Equal(new ApprovePaymentSignal(messageId.ToString(), "finance"), payload);
    }

    [Fact]
    public async Task PaymentApproved_NoApprover_FaultsWithoutSignal()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.PaymentApproved, new PaymentApproved("ORD-9", null));

        var fault = await h.FaultOfAsync<PaymentApproved>();
        Assert.NotNull(fault);
        Assert.Contains("approvedBy is required", Assert.Single(fault.Exceptions).Message, StringComparison.Ordinal);
        Assert.Empty(h.Gateway.Signals);
    }

    [Fact]
    public async Task OrderLineAdded_ValidMessage_SignalsAddLineItem()
    {
        await using var h = await ConsumerHarness.StartAsync();
        var messageId = NewId.NextGuid();

        await h.SendAsync(Exchanges.OrderLineAdded, new OrderLineAdded("ORD-9", "GADGET", 3), messageId);

        await Eventually.UntilAsync(() => !h.Gateway.Signals.IsEmpty, "the add-line signal");
        var (_, signalName, payload) = Assert.Single(h.Gateway.Signals);
        Assert.Equal(SignalNames.AddLineItem, signalName);
        Assert.Equal(new AddLineItemSignal(messageId.ToString(), "GADGET", 3), payload);
    }

    [Fact]
    public async Task OrderLineAdded_MissingSkuAndZeroQuantity_FaultsWithBothReasons()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderLineAdded, new OrderLineAdded("ORD-9", " ", 0));

        var fault = await h.FaultOfAsync<OrderLineAdded>();
        Assert.NotNull(fault);
        var message = Assert.Single(fault.Exceptions).Message;
        Assert.Contains("sku is required", message, StringComparison.Ordinal);
        Assert.Contains("quantity must be a positive number", message, StringComparison.Ordinal);
        Assert.Empty(h.Gateway.Signals);
    }

    [Fact]
    public async Task ShipmentDelivered_ValidMessage_SignalsDeliveryTime()
    {
        await using var h = await ConsumerHarness.StartAsync();
        var deliveredAt = new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.FromHours(1));

        await h.SendAsync(Exchanges.ShipmentDelivered, new ShipmentDelivered("ORD-9", deliveredAt));

        await Eventually.UntilAsync(() => !h.Gateway.Signals.IsEmpty, "the delivery signal");
        var (_, signalName, payload) = Assert.Single(h.Gateway.Signals);
        Assert.Equal(SignalNames.ShipmentDelivered, signalName);
        Assert.Equal(deliveredAt, Assert.IsType<ShipmentDeliveredSignal>(payload).DeliveredAt);
    }

    [Fact]
    public async Task ShipmentDelivered_NoDate_FaultsWithoutSignal()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.ShipmentDelivered, new ShipmentDelivered("ORD-9", null));

        var fault = await h.FaultOfAsync<ShipmentDelivered>();
        Assert.NotNull(fault);
        Assert.Contains("deliveredAt is required", Assert.Single(fault.Exceptions).Message, StringComparison.Ordinal);
        Assert.Empty(h.Gateway.Signals);
    }

    [Fact]
    public async Task OrderSubmitted_PaymentSettings_FixedIntoTheWorkflowInput()
    {
        await using var h = await ConsumerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Payments:AutoApprove"] = "true",
            ["Payments:ApprovalTimeout"] = "00:30:00",
            ["Payments:MaxAttempts"] = "7",
            ["Fulfillment:DeliveryTimeout"] = "10.00:00:00",
        });

        await h.SendAsync(Exchanges.OrderSubmitted, new OrderSubmitted("req-pay", "ORD-pay", "C1", [new OrderLine("WIDGET-RED", 1)], null));

        await Eventually.UntilAsync(() => !h.Gateway.Starts.IsEmpty, "the intake start");
        var options = Assert.Single(h.Gateway.Starts).Fulfillment!;
        Assert.Equal(new PaymentOptions(true, TimeSpan.FromMinutes(30), 7), options.Payment);
        Assert.Equal(TimeSpan.FromDays(10), options.DeliveryTimeout);
    }
}
