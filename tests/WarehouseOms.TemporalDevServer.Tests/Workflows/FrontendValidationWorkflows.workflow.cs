using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Puts an activity, a child or its next run (<c>kind</c>) on the given task queue.</summary>
[Workflow]
public sealed class QueueChoosingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string kind, string queue)
    {
        switch (kind)
        {
            case "activity":
                return await Workflow.ExecuteActivityAsync(
                    () => FidelityActivities.Echo("never"), new() { TaskQueue = queue, StartToCloseTimeout = TimeSpan.FromSeconds(5) });
            case "child":
                return await Workflow.ExecuteChildWorkflowAsync(
                    (QueueChoosingWorkflow wf) => wf.RunAsync("none", queue), new() { Id = Workflow.Info.WorkflowId + "-child", TaskQueue = queue });
            case "continue-as-new":
                throw Workflow.CreateContinueAsNewException((QueueChoosingWorkflow wf) => wf.RunAsync("none", queue), new() { TaskQueue = queue });
            default:
                return kind;
        }
    }
}
