using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>oms.order-line-added</c> → signal add-line-item (reserved by the workflow while it awaits payment).</summary>
public sealed class OrderLineAddedConsumer(IWorkflowGateway gateway, ILogger<OrderLineAddedConsumer> logger) : IConsumer<OrderLineAdded>
{
    public Task Consume(ConsumeContext<OrderLineAdded> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.OrderLineAdded);
        var orderId = checks.Required(message.OrderId, "orderId");
        var sku = checks.Required(message.Sku, "sku");
        var quantity = checks.Positive(message.Quantity, "quantity");
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        var signal = new AddLineItemSignal(messageId, sku, quantity);
        return FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, SignalNames.AddLineItem, signal, context.CancellationToken);
    }
}
