using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>sms.shipment-delivered</c> → signal ShipmentDelivered (remembered if the order has not shipped yet).</summary>
public sealed class ShipmentDeliveredConsumer(IOrderWorkflows gateway, ILogger<ShipmentDeliveredConsumer> logger)
    : FulfillmentSignalConsumer<ShipmentDelivered>(gateway, logger)
{
    protected override string Exchange => Exchanges.ShipmentDelivered;

    private protected override (string OrderId, Func<string, FulfillmentSignal> Signal) Read(ShipmentDelivered message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var deliveredAt = checks.Required(message.DeliveredAt, "deliveredAt");
        return (orderId, messageId => wf => wf.ShipmentDeliveredAsync(new ShipmentDeliveredSignal(messageId, deliveredAt)));
    }
}
