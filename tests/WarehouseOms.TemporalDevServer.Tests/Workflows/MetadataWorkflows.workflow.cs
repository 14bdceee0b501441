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
