using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// <c>oms.order-submitted</c> → start <c>order-intake-{requestId}</c>. Checked here: requestId present, and
/// every field present within the inbound bounds (printable, bounded identifiers and text, at most
/// <see cref="InboundLimits.MaxItems"/> lines), so that nothing hostile reaches Temporal or PostgreSQL;
/// those go to the error queue. Everything else (missing fields, quantities, the address) is the
/// workflow's ValidateOrder, which answers with an order-rejected event (a business answer downstream
/// systems can see). A duplicate is compared with the submission recorded first: the same order again is
/// acknowledged, a different order under the same requestId is refused to the error queue.
/// </summary>
public sealed class OrderSubmittedConsumer(
    IOrderWorkflows gateway,
    IIntakeRecords intakes,
    IOptions<FulfillmentSettings> fulfillment,
    ILogger<OrderSubmittedConsumer> logger) : IConsumer<OrderSubmitted>
{
    public async Task Consume(ConsumeContext<OrderSubmitted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.OrderSubmitted);
        var requestId = checks.Required(message.RequestId, "requestId");
        Bounds(message, checks);
        checks.ThrowIfInvalid();
        var messageId = MessageIds.For(context);

        var workflowId = WorkflowIds.OrderIntake(requestId);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = LogText.Escape(messageId),
            ["RequestId"] = LogText.Escape(requestId),
            ["OrderId"] = LogText.Escape(message.OrderId),
            ["WorkflowId"] = LogText.Escape(workflowId),
        });

        var input = new OrderIntakeInput(requestId, messageId, message, fulfillment.Value.ToWorkflowOptions());
        var outcome = await gateway.StartIntakeAsync(input, context.CancellationToken).ConfigureAwait(false);
        if (outcome == StartOutcome.Started)
        {
            logger.LogInformation("Order submission {RequestId} accepted by {WorkflowId}", LogText.Escape(requestId), LogText.Escape(workflowId));
            return;
        }

        var recorded = await intakes.FindAsync(requestId, context.CancellationToken).ConfigureAwait(false);
        if (recorded is null)
        {
            // The earlier intake's history is gone (past retention): nothing left to compare with.
            logger.LogWarning(
                "Order submission {RequestId} was already handled by {WorkflowId}, whose start is no longer recorded; duplicate acknowledged",
                LogText.Escape(requestId), LogText.Escape(workflowId));
            return;
        }

        if (IntakeConflicts.Describe(requestId, messageId, message, recorded) is { } conflict)
        {
            throw new ConflictingDuplicateException(conflict);
        }

        logger.LogInformation(
            "Order submission {RequestId} was already handled by {WorkflowId} (first message {FirstMessageId}); duplicate acknowledged",
            LogText.Escape(requestId), LogText.Escape(workflowId), LogText.Escape(recorded.MessageId));
    }

    /// <summary>The inbound bounds on fields whose absence is the workflow's business to reject.</summary>
    private static void Bounds(OrderSubmitted message, MessageChecks checks)
    {
        checks.Optional(message.OrderId, "orderId");
        checks.Optional(message.CustomerId, "customerId");
        if (checks.AtMost(message.Lines, "lines") && message.Lines is { } lines)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                checks.Optional(lines[i]?.Sku, $"lines[{i}].sku");
            }
        }

        checks.Address(message.ShipTo, "shipTo");
    }
}
