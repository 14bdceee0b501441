using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>A child that reports its own ID and its parent's.</summary>
[Workflow]
public sealed class ChildWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string input) =>
        Task.FromResult($"{input} from {Workflow.Info.WorkflowId} (parent {Workflow.Info.Parent?.WorkflowId ?? "none"})");
}

/// <summary>A child that blocks until cancelled or terminated.</summary>
[Workflow]
public sealed class BlockedChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => false);
        return "unreachable";
    }
}

public record ChildRequest(string ChildId, bool Blocked);

/// <summary>Runs one child with a given ID and returns its result.</summary>
[Workflow]
public sealed class ParentWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(ChildRequest request) =>
        request.Blocked
            ? Workflow.ExecuteChildWorkflowAsync((BlockedChildWorkflow child) => child.RunAsync(), new() { Id = request.ChildId })
            : Workflow.ExecuteChildWorkflowAsync((ChildWorkflow child) => child.RunAsync("child result"), new() { Id = request.ChildId });
}

/// <summary>Tries to start a child whose ID is already running and reports how the start failed.</summary>
[Workflow]
public sealed class ChildConflictWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string existingId)
    {
        try
        {
            await Workflow.StartChildWorkflowAsync((BlockedChildWorkflow child) => child.RunAsync(), new() { Id = existingId });
            return "started";
        }
        catch (WorkflowAlreadyStartedException e)
        {
            return $"already started: {e.WorkflowId}";
        }
    }
}

/// <summary>Runs a child that fails and reports how the failure reached the parent.</summary>
[Workflow]
public sealed class ParentOfFailingChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string childId)
    {
        try
        {
            await Workflow.ExecuteChildWorkflowAsync((FailingWorkflow child) => child.RunAsync("child broke"), new() { Id = childId });
            return "child succeeded";
        }
        catch (ChildWorkflowFailureException e) when (e.InnerException is ApplicationFailureException cause)
        {
            return $"{e.WorkflowId}: {cause.ErrorType}: {cause.Message}";
        }
    }
}
