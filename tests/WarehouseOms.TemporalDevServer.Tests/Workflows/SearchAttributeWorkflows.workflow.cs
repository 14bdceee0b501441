using Temporalio.Common;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Upserts one keyword search attribute (registered or not), then waits to be told to finish.</summary>
[Workflow]
public sealed class KeywordUpsertWorkflow
{
    private bool done;

    [WorkflowRun]
    public async Task<string> RunAsync(string attribute, string value)
    {
        Workflow.UpsertTypedSearchAttributes(SearchAttributeKey.CreateKeyword(attribute).ValueSet(value));
        await Workflow.WaitConditionAsync(() => done);
        return value;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        done = true;
        return Task.CompletedTask;
    }
}

/// <summary>Sets two memo fields, then unsets one of them.</summary>
[Workflow]
public sealed class MemoUnsetWorkflow
{
    [WorkflowRun]
    public async Task RunAsync()
    {
        Workflow.UpsertMemo(MemoUpdate.ValueSet("kept", "yes"), MemoUpdate.ValueSet("dropped", "soon"));
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        Workflow.UpsertMemo(MemoUpdate.ValueUnset("dropped"));
    }
}

/// <summary>Reports its root workflow ID ("none" for a top-level workflow) or runs itself as a child and reports the child's.</summary>
[Workflow]
public sealed class RootReportingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(bool asParent)
    {
        if (!asParent)
        {
            return Workflow.Info.Root?.WorkflowId ?? "none";
        }

        return await Workflow.ExecuteChildWorkflowAsync((RootReportingWorkflow wf) => wf.RunAsync(false), new() { Id = Workflow.Info.WorkflowId + "-child" });
    }
}

/// <summary>Runs an asynchronously completed activity until told to cancel it, then waits for the activity's answer.</summary>
[Workflow]
public sealed class AsyncCancellableActivityWorkflow
{
    private readonly CancellationTokenSource cancel = new();

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            return await Workflow.ExecuteActivityAsync(
                () => TestActivities.CompleteAsynchronously(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromSeconds(60),
                    CancellationToken = cancel.Token,
                    CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                });
        }
        catch (Temporalio.Exceptions.ActivityFailureException e) when (e.InnerException is Temporalio.Exceptions.CanceledFailureException)
        {
            return "activity canceled";
        }
    }

    [WorkflowSignal]
    public Task CancelActivityAsync()
    {
        cancel.Cancel();
        return Task.CompletedTask;
    }
}
