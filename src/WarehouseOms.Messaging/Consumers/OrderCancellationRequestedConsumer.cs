using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>oms.order-cancellation-requested</c> → signal CancelOrder. The reason is optional.</summary>
public sealed class OrderCancellationRequestedConsumer(IOrderWorkflows gateway, ILogger<OrderCancellationRequestedConsumer> logger)
    : FulfillmentSignalConsumer<OrderCancellationRequested>(gateway, logger)
{
    public const string DefaultReason = "cancellation requested";

    protected override string Exchange => Exchanges.OrderCancellationRequested;

    private protected override (string OrderId, Func<string, FulfillmentSignal> Signal) Read(OrderCancellationRequested message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var reason = checks.Text(message.Reason, "reason") ?? DefaultReason;
        return (orderId, messageId => wf => wf.CancelOrderAsync(new CancelOrderSignal(messageId, reason)));
    }
}
