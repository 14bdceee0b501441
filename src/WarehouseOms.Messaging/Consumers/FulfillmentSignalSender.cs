using Microsoft.Extensions.Logging;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>The shared tail of the pick / pack / cancel consumers: signal, log the outcome, with one scope.</summary>
internal static class FulfillmentSignalSender
{
    public static async Task SendAsync(
        IOrderWorkflows gateway,
        ILogger logger,
        string orderId,
        string messageId,
        FulfillmentSignal signal,
        CancellationToken cancellationToken)
    {
        var workflowId = WorkflowIds.OrderFulfillment(orderId);
        var signalName = WorkflowCalls.SignalName(signal);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = LogText.Escape(messageId),
            ["OrderId"] = LogText.Escape(orderId),
            ["WorkflowId"] = LogText.Escape(workflowId),
        });

        var outcome = await gateway.SignalFulfillmentAsync(orderId, signal, cancellationToken).ConfigureAwait(false);
        if (outcome == SignalOutcome.WorkflowClosed)
        {
            // Fulfillment is over (shipped, cancelled or failed): the message can change nothing any more.
            logger.LogWarning("{SignalName} for order {OrderId} arrived after {WorkflowId} closed; late duplicate acknowledged", signalName, LogText.Escape(orderId), LogText.Escape(workflowId));
        }
        else
        {
            logger.LogInformation("{SignalName} for order {OrderId} delivered to {WorkflowId}", signalName, LogText.Escape(orderId), LogText.Escape(workflowId));
        }
    }
}
