using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Workflows;
using WarehouseOms.Domain.Replenishment;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows.Replenishment;

/// <summary>
/// Restocks one SKU (ID <c>replenishment-{sku}</c>, one at a time per SKU): emit
/// ims.replenishment-requested, wait for a StockReceived signal, escalate once with
/// ims.replenishment-overdue after <see cref="ReplenishmentOptions.OverdueAfter"/>, keep waiting, and
/// complete when the stock arrives. The rules live in <see cref="ReplenishmentState"/>.
/// </summary>
/// <remarks>
/// It is only ever started when stock falls below the reorder point, never by a receipt: the
/// stock-received consumer signals a running replenishment and ignores "not found" (signal-with-start
/// would turn every receipt into a replenishment).
/// </remarks>
[Workflow(WorkflowType)]
public sealed class ReplenishmentWorkflow
{
    public const string WorkflowType = "ReplenishmentWorkflow";

    private ReplenishmentState state;

    [WorkflowInit]
    public ReplenishmentWorkflow(ReplenishmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        state = ReplenishmentState.Start(input.Sku);
    }

    /// <summary>
    /// Client start options: a second start while one runs fails with WorkflowAlreadyStartedException
    /// (the caller treats it as "already replenishing"); after it completed a new one may start.
    /// </summary>
    public static WorkflowOptions StartOptions(string sku, string taskQueue) =>
        new(WorkflowIds.Replenishment(sku), taskQueue)
        {
            IdConflictPolicy = WorkflowIdConflictPolicy.Fail,
            IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate,
        };

    /// <summary>
    /// Child options for a starting workflow (fulfillment): abandoned, because restocking outlives the
    /// order; a running one for the SKU surfaces as WorkflowAlreadyStartedException, to be ignored.
    /// </summary>
    public static ChildWorkflowOptions ChildOptions(string sku, string? taskQueue = null) => new()
    {
        Id = WorkflowIds.Replenishment(sku),
        TaskQueue = taskQueue,
        ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy.Abandon,
        IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate,
    };

    [WorkflowQuery(ReplenishmentQueryNames.Status)]
    public ReplenishmentStatus Status => new(
        state.Sku,
        state.Stage.ToString().ToUpperInvariant(),
        state.RequestedAt,
        state.EscalatedAt,
        state.Receipt?.ReceiptId);

    [WorkflowSignal(ReplenishmentSignalNames.StockReceived)]
    public Task StockReceivedAsync(StockReceivedSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (!string.Equals(signal.Sku, state.Sku, StringComparison.Ordinal))
        {
            Workflow.Logger.LogWarning("StockReceived {MessageId} for SKU {ReceivedSku} ignored by replenishment of {Sku}", signal.MessageId, signal.Sku, state.Sku);
            return Task.CompletedTask;
        }

        (state, var accepted) = state.OnReceived(new ReplenishmentReceipt(signal.MessageId, signal.ReceiptId, signal.Quantity));
        Workflow.Logger.LogInformation(
            "StockReceived {MessageId} receipt {ReceiptId} ({Quantity}) for {Sku}: {Disposition}",
            signal.MessageId,
            signal.ReceiptId,
            signal.Quantity,
            state.Sku,
            accepted ? "accepted" : "ignored");
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<ReplenishmentResult> RunAsync(ReplenishmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Workflow.Logger.BeginScope(new Dictionary<string, object?>
        {
            ["Sku"] = input.Sku,
            ["WorkflowId"] = Workflow.Info.WorkflowId,
        });
        var overdueAfter = input.Options?.OverdueAfter ?? ReplenishmentOptions.DefaultOverdueAfter;
        Workflow.Logger.LogInformation("Replenishment of {Sku} started: {Reason}", input.Sku, input.Reason ?? "below reorder point");

        var requested = await Workflow.ExecuteActivityAsync(
            (IReplenishmentActivities ims) => ims.RequestReplenishmentAsync(new RequestReplenishmentInput(input.Sku)),
            Policy());
        state = state.OnRequested(requested.RequestedAt);

        if (!await Workflow.WaitConditionAsync(() => state.IsReceived, overdueAfter) && state.ShouldEscalate)
        {
            await Workflow.ExecuteActivityAsync(
                (IReplenishmentActivities ims) => ims.MarkReplenishmentOverdueAsync(new ReplenishmentOverdueInput(input.Sku, requested.RequestedAt)),
                Policy());
            state = state.OnEscalated(Workflow.UtcNow);
            Workflow.Logger.LogWarning("Replenishment of {Sku} overdue after {OverdueAfter}; still waiting", input.Sku, overdueAfter);
            await Workflow.WaitConditionAsync(() => state.IsReceived);
        }

        var receipt = state.Receipt!;
        Workflow.Logger.LogInformation("Replenishment of {Sku} received with {ReceiptId} ({Quantity})", input.Sku, receipt.ReceiptId, receipt.Quantity);
        return new ReplenishmentResult(input.Sku, receipt.ReceiptId, receipt.Quantity, state.RequestedAt, state.EscalatedAt is not null);
    }

    private static ActivityOptions Policy() => new()
    {
        StartToCloseTimeout = ActivityPolicies.StartToClose,
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = ActivityPolicies.InitialInterval,
            BackoffCoefficient = ActivityPolicies.BackoffCoefficient,
            MaximumInterval = ActivityPolicies.MaximumInterval,
            MaximumAttempts = 0,
            NonRetryableErrorTypes = [ReplenishmentErrors.UnknownSku],
        },
    };
}
