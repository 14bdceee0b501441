using Temporalio.Common;
using Temporalio.Worker;

namespace WarehouseOms.Workflows.Tests;

/// <summary>
/// Intakes recorded before a conflicting order ID was answered with order-rejected (Histories/intake-v1-*)
/// must replay on today's code: the rejection sits behind <c>Workflow.Patched(Patches.RejectConflictingOrder)</c>.
/// </summary>
public sealed class IntakeVersioningTests
{
    [Theory]
    [InlineData("intake-v1-created.json")]
    [InlineData("intake-v1-order-id-conflict.json")]
    public async Task Replay_HistoryFromBeforeConflictRejection_Succeeds(string file)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Histories", file));
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<OrderIntakeWorkflow>());

        var result = await replayer.ReplayWorkflowAsync(WorkflowHistory.FromJson($"replay-{file}", json), throwOnReplayFailure: false);

        Assert.Null(result.ReplayFailure);
    }
}
