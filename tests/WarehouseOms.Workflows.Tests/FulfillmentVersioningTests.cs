using Temporalio.Common;
using Temporalio.Worker;

namespace WarehouseOms.Workflows.Tests;

/// <summary>
/// Orders started by the fulfillment workflow before payment approval and the delivery wait existed
/// (histories recorded from that version, kept in Histories/) must replay on today's code: the new
/// steps sit behind <c>Workflow.Patched</c>, so a history without their markers takes the old path.
/// </summary>
public sealed class FulfillmentVersioningTests
{
    [Theory]
    [InlineData("fulfillment-v1-shipped.json")]
    [InlineData("fulfillment-v1-cancelled.json")]
    [InlineData("fulfillment-v1-awaiting-pick.json")]
    public async Task Replay_HistoryFromBeforePaymentApproval_Succeeds(string file)
    {
        var history = await LoadAsync(file);

        var result = await Replayer().ReplayWorkflowAsync(history, throwOnReplayFailure: false);

        Assert.Null(result.ReplayFailure);
    }

    [Fact]
    public async Task Replay_OldHistoryWithPaymentPatchAlwaysOn_IsNonDeterministic()
    {
        // The control: the same history replayed by a workflow that always takes the payment path fails,
        // so the passing replays above are owed to the patch, not to a replayer that checks nothing.
        var history = await LoadAsync("fulfillment-v1-shipped.json");
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<AlwaysEnrichingFulfillment>());

        var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);

        Assert.NotNull(result.ReplayFailure);
    }

    private static WorkflowReplayer Replayer() =>
        new(new WorkflowReplayerOptions().AddWorkflow<OrderFulfillmentWorkflow>());

    private static async Task<WorkflowHistory> LoadAsync(string file)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Histories", file));
        return WorkflowHistory.FromJson($"replay-{file}", json);
    }
}

/// <summary>Registered under the real workflow type: its first command is an enrichment activity, unpatched.</summary>
[Temporalio.Workflows.Workflow(OrderFulfillmentWorkflow.WorkflowType)]
public sealed class AlwaysEnrichingFulfillment
{
    [Temporalio.Workflows.WorkflowRun]
    public async Task<FulfillmentResult> RunAsync(FulfillmentInput input)
    {
        await Temporalio.Workflows.Workflow.ExecuteActivityAsync(
            (Activities.ICustomerActivities c) => c.FetchCustomerProfileAsync(new Activities.CustomerRef(input.CustomerId)),
            ActivityPolicies.Standard());
        return new FulfillmentResult(input.OrderId, "SHIPPED", null, null, null);
    }
}
