using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>sms.shipment-delivered</c> → signal ShipmentDelivered (remembered if the order has not shipped yet).</summary>
public sealed class ShipmentDeliveredConsumer(IWorkflowGateway gateway, ILogger<ShipmentDeliveredConsumer> logger) : IConsumer<ShipmentDelivered>
{
    public Task Consume(ConsumeContext<ShipmentDelivered> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.ShipmentDelivered);
        var orderId = checks.Required(message.OrderId, "orderId");
        var deliveredAt = checks.Required(message.DeliveredAt, "deliveredAt");
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        var signal = new ShipmentDeliveredSignal(messageId, deliveredAt);
        return FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, SignalNames.ShipmentDelivered, signal, context.CancellationToken);
    }
}
