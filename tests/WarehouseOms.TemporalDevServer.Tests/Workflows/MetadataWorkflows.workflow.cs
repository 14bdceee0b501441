using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>A timer, an activity and a child, each with the summary (and details) a UI shows for it.</summary>
[Workflow]
public sealed class SummarisedStepsWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.DelayWithOptionsAsync(new(TimeSpan.FromMilliseconds(1)) { Summary = "short pause" });
        var greeting = await Workflow.ExecuteActivityAsync(
            () => TestActivities.Greet("metadata"),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), Summary = "greet the caller" });
        var child = await Workflow.ExecuteChildWorkflowAsync(
            (ChildWorkflow wf) => wf.RunAsync("child"),
            new() { Id = $"{Workflow.Info.WorkflowId}-child", StaticSummary = "the child", StaticDetails = "details of the child" });
        return $"{greeting} / {child}";
    }
}

/// <summary>
/// Takes a path by the build of the worker that runs its second task, and reports the current build on query:
/// a worker of another build replays that branch only if the build read back from history is the first one's.
/// </summary>
[Workflow]
public sealed class BuildBranchingWorkflow
{
    private bool finish;

    [WorkflowRun]
    public async Task RunAsync(string firstBuild)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        if (Workflow.CurrentBuildId == firstBuild)
        {
            await Workflow.ExecuteActivityAsync(() => TestActivities.Greet("first build"), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        }

        await Workflow.WaitConditionAsync(() => finish);
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finish = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public string CurrentBuild() => Workflow.CurrentBuildId;
}
