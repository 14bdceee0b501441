using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// <c>oms.order-submitted</c> → start <c>order-intake-{requestId}</c>. Only the requestId is checked
/// here: everything else is the workflow's ValidateOrder, which answers with an order-rejected event
/// (a business answer downstream systems can see), not a message in an error queue.
/// </summary>
public sealed class OrderSubmittedConsumer(
    IOrderWorkflows gateway,
    IOptions<FulfillmentSettings> fulfillment,
    ILogger<OrderSubmittedConsumer> logger) : IConsumer<OrderSubmitted>
{
    public async Task Consume(ConsumeContext<OrderSubmitted> context)
    {
        var message = context.Message;
        var messageId = MessageIds.For(context);
        var checks = new MessageChecks(Exchanges.OrderSubmitted);
        var requestId = checks.Required(message.RequestId, "requestId");
        checks.ThrowIfInvalid();

        var workflowId = WorkflowIds.OrderIntake(requestId);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = messageId,
            ["RequestId"] = requestId,
            ["OrderId"] = message.OrderId,
            ["WorkflowId"] = workflowId,
        });

        var input = new OrderIntakeInput(requestId, messageId, message, fulfillment.Value.ToWorkflowOptions());
        var outcome = await gateway.StartIntakeAsync(input, context.CancellationToken).ConfigureAwait(false);
        if (outcome == StartOutcome.AlreadyHandled)
        {
            logger.LogInformation("Order submission {RequestId} was already handled by {WorkflowId}; duplicate acknowledged", requestId, workflowId);
        }
        else
        {
            logger.LogInformation("Order submission {RequestId} accepted by {WorkflowId}", requestId, workflowId);
        }
    }
}
