using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows;

/// <summary>
/// Durable intent to create an order (ID <c>order-intake-{requestId}</c>): validate, create in OMS
/// (retried while OMS is down), emit order-created, start the fulfillment child and finish. The child is
/// abandoned on purpose: fulfillment runs for hours, intake is done once the order exists.
/// </summary>
[Workflow(WorkflowType)]
public sealed class OrderIntakeWorkflow
{
    public const string WorkflowType = "OrderIntakeWorkflow";

    private OrderStage stage = OrderStage.Received;

    /// <summary>RECEIVED / VALIDATED / CREATED / FAILED.</summary>
    [WorkflowQuery(QueryNames.IntakeStatus)]
    public string Status => stage.ToWire();

    /// <summary>
    /// Start options for a submission: the deterministic ID, refused while the intake is still running
    /// (<see cref="WorkflowIdConflictPolicy.Fail"/>) and when it ever ran before
    /// (<see cref="WorkflowIdReusePolicy.RejectDuplicate"/>). Either way the caller learns that the start
    /// was not its own ("already handled") and compares its message with the one that started the intake:
    /// a redelivery is acknowledged, another order under the same requestId is refused (ADR 0013).
    /// </summary>
    public static WorkflowOptions StartOptions(string requestId, string taskQueue) =>
        new(WorkflowIds.OrderIntake(requestId), taskQueue)
        {
            IdConflictPolicy = WorkflowIdConflictPolicy.Fail,
            IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
        };

    [WorkflowRun]
    public async Task<OrderIntakeResult> RunAsync(OrderIntakeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var logger = Workflow.Logger;
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["RequestId"] = input.RequestId,
            ["MessageId"] = input.MessageId,
            ["WorkflowId"] = Workflow.Info.WorkflowId,
        });

        var order = await ValidateAsync(input);
        MoveTo(OrderStage.Validated);

        try
        {
            await Workflow.ExecuteActivityAsync((IOmsActivities oms) => oms.CreateOrderAsync(order), ActivityPolicies.CreateOrder());
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: ActivityErrors.IllegalTransition } conflict
            && Workflow.Patched(Patches.RejectConflictingOrder))
        {
            // The order ID belongs to another request: answered like any rejection, naming that request.
            var reasons = ReasonsOf(conflict);
            await RejectAsync(input, order.OrderId, reasons);
            throw new ApplicationFailureException(
                $"Order request {input.RequestId} conflicts with an existing order: {string.Join("; ", reasons)}",
                ActivityErrors.IllegalTransition,
                nonRetryable: true,
                details: [reasons]);
        }
        catch (ActivityFailureException ex)
        {
            // Only non-retryable answers (the order ID belongs to another request) or days of outage get here.
            MoveTo(OrderStage.Failed);
            logger.LogError(ex, "Order {OrderId} could not be created", order.OrderId);
            throw;
        }

        MoveTo(OrderStage.Created);
        await Workflow.ExecuteActivityAsync((IOmsActivities oms) => oms.EmitOrderEventAsync(order), ActivityPolicies.Standard());

        var fulfillmentId = WorkflowIds.OrderFulfillment(order.OrderId);
        var fulfillment = new FulfillmentInput(order.OrderId, order.CustomerId, order.Lines, order.ShipTo, input.Fulfillment, order.Currency);
        try
        {
            await Workflow.StartChildWorkflowAsync(
                (OrderFulfillmentWorkflow wf) => wf.RunAsync(fulfillment),
                new ChildWorkflowOptions
                {
                    Id = fulfillmentId,
                    ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy.Abandon,
                    // One fulfillment per order, ever: a finished one is not restarted either.
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                });
            logger.LogInformation("Order {OrderId} created; fulfillment {FulfillmentWorkflowId} started", order.OrderId, fulfillmentId);
        }
        catch (WorkflowAlreadyStartedException)
        {
            // A reset or replayed intake: the order's fulfillment exists already, which is the goal.
            logger.LogInformation("Fulfillment {FulfillmentWorkflowId} of order {OrderId} already exists", fulfillmentId, order.OrderId);
        }

        return new OrderIntakeResult(order.OrderId, fulfillmentId);
    }

    private async Task<ValidatedOrder> ValidateAsync(OrderIntakeInput input)
    {
        try
        {
            return await Workflow.ExecuteActivityAsync((IOmsActivities oms) => oms.ValidateOrderAsync(input), ActivityPolicies.Standard());
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: ActivityErrors.InvalidOrder } invalid)
        {
            var reasons = ReasonsOf(invalid);
            await RejectAsync(input, input.Submitted.OrderId, reasons);

            // Permanent: the same message can never become valid; the reasons travel with the failure.
            throw new ApplicationFailureException(
                $"Order request {input.RequestId} is invalid: {string.Join("; ", reasons)}",
                ActivityErrors.InvalidOrder,
                nonRetryable: true,
                details: [reasons]);
        }
        catch (ActivityFailureException)
        {
            MoveTo(OrderStage.Failed);
            throw;
        }
    }

    /// <summary>Records the rejection and writes oms.order-rejected, then FAILED.</summary>
    private async Task RejectAsync(OrderIntakeInput input, string? orderId, IReadOnlyList<string> reasons)
    {
        Workflow.Logger.LogWarning("Order request {RequestId} rejected: {Reasons}", input.RequestId, string.Join("; ", reasons));
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.RejectOrderAsync(new RejectOrderInput(input.RequestId, orderId, reasons)),
            ActivityPolicies.Compensation());
        MoveTo(OrderStage.Failed);
    }

    private static IReadOnlyList<string> ReasonsOf(ApplicationFailureException failure)
    {
        if (failure.Details.Count > 0)
        {
            try
            {
                var reasons = failure.Details.ElementAt<List<string>>(0);
                if (reasons.Count > 0)
                {
                    return reasons;
                }
            }
#pragma warning disable CA1031 // Any converter error: a reason list of another shape must not wedge the workflow.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Details of another shape: fall back to the message below.
            }
        }

        return [failure.Message];
    }

    private void MoveTo(OrderStage next) => stage = OrderStageRules.Move(stage, next);
}
