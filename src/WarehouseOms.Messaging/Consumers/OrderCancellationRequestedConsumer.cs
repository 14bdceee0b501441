using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>oms.order-cancellation-requested</c> → signal CancelOrder. The reason is optional.</summary>
public sealed class OrderCancellationRequestedConsumer(IWorkflowGateway gateway, ILogger<OrderCancellationRequestedConsumer> logger)
    : IConsumer<OrderCancellationRequested>
{
    public const string DefaultReason = "cancellation requested";

    public Task Consume(ConsumeContext<OrderCancellationRequested> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.OrderCancellationRequested);
        var orderId = checks.Required(message.OrderId, "orderId");
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        var reason = string.IsNullOrWhiteSpace(message.Reason) ? DefaultReason : message.Reason.Trim();
        var signal = new CancelOrderSignal(messageId, reason);
        return FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, SignalNames.CancelOrder, signal, context.CancellationToken);
    }
}
