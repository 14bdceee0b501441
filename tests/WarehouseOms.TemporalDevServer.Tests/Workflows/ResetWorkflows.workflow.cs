using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>A child that waits until released, then returns what it was given.</summary>
[Workflow]
public sealed class ReleasableChildWorkflow
{
    private bool released;

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync(string input)
    {
        await Workflow.WaitConditionAsync(() => released);
        return $"released {input}";
    }
}

/// <summary>
/// Starts a <see cref="ReleasableChildWorkflow"/> with a given ID (the default parent close policy,
/// TERMINATE), waits for <see cref="GoAsync"/>, then returns the child's result; a child ID already
/// running is reported instead.
/// </summary>
[Workflow]
public sealed class ResetParentWorkflow
{
    private bool go;

    [WorkflowSignal]
    public Task GoAsync()
    {
        go = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync(string childId)
    {
        ChildWorkflowHandle<ReleasableChildWorkflow, string> child;
        try
        {
            child = await Workflow.StartChildWorkflowAsync((ReleasableChildWorkflow wf) => wf.RunAsync("by parent"), new() { Id = childId });
        }
        catch (WorkflowAlreadyStartedException e)
        {
            return $"already started: {e.WorkflowId}";
        }

        await Workflow.WaitConditionAsync(() => go);
        return await child.GetResultAsync();
    }
}

/// <summary>Records what signals and updates add, in the order handled, until told to finish.</summary>
[Workflow]
public sealed class ReapplyWorkflow
{
    private readonly List<string> entries = [];
    private bool released;
    private bool finished;

    [WorkflowQuery]
    public int Count => entries.Count;

    [WorkflowSignal]
    public Task AddBySignalAsync(string item)
    {
        entries.Add($"signal:{item}");
        return Task.CompletedTask;
    }

    [WorkflowUpdate]
    public Task<int> AddByUpdateAsync(string item)
    {
        entries.Add($"update:{item}");
        return Task.FromResult(entries.Count);
    }

    /// <summary>Accepted at once, adds its item only after <see cref="ReleaseAsync"/>.</summary>
    [WorkflowUpdate]
    public async Task<int> AddWhenReleasedAsync(string item)
    {
        await Workflow.WaitConditionAsync(() => released);
        entries.Add($"update:{item}");
        return entries.Count;
    }

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => finished && Workflow.AllHandlersFinished);
        return string.Join(",", entries);
    }
}
