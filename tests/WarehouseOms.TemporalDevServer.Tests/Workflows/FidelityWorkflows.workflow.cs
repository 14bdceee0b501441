using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Asks another workflow to cancel; returns once the request was accepted.</summary>
[Workflow]
public sealed class CancelExternalWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string targetWorkflowId)
    {
        await Workflow.GetExternalWorkflowHandle(targetWorkflowId).CancelAsync();
        return "requested";
    }
}

/// <summary>Schedules an activity with a retry policy the real server refuses.</summary>
[Workflow]
public sealed class BadRetryPolicyWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync(
            () => FidelityActivities.Echo("never"),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(5), RetryPolicy = new() { BackoffCoefficient = 0.5f } });
}

/// <summary>Upserts its memo key <c>stage</c> to "upserted", then waits to be told to finish.</summary>
[Workflow]
public sealed class MemoUpsertWorkflow
{
    private bool finished;

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task RunAsync()
    {
        Workflow.UpsertMemo(MemoUpdate.ValueSet("stage", "upserted"));
        await Workflow.WaitConditionAsync(() => finished);
    }
}

/// <summary>Cancels an activity that then fails instead of acknowledging: reports how the failure ended.</summary>
[Workflow]
public sealed class FailAfterCancelWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        var activity = Workflow.ExecuteActivityAsync(
            () => FidelityActivities.FailOnCancelAsync(),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
                HeartbeatTimeout = TimeSpan.FromSeconds(1),
                CancellationToken = cancel.Token,
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 5 },
            });
        await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
        // Cancel() runs the callbacks inline; CancelAsync would hand them to the thread pool, outside the workflow.
        cancel.Cancel();
        try
        {
            await activity;
            return "completed";
        }
        catch (ActivityFailureException failure)
        {
            return failure.RetryState.ToString();
        }
    }
}

public static class FidelityActivities
{
    [Activity]
    public static string Echo(string value) => value;

    [Activity]
    public static void AlwaysFail() => throw new ApplicationFailureException("still broken");

    /// <summary>Heartbeats until cancelled, then fails with a retryable error instead of acknowledging.</summary>
    [Activity]
    public static async Task FailOnCancelAsync()
    {
        var context = ActivityExecutionContext.Current;
        try
        {
            while (true)
            {
                context.Heartbeat();
                await Task.Delay(100, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            throw new ApplicationFailureException("failed after its cancellation was requested");
        }
    }
}

/// <summary>Fails every attempt, naming the attempt; retryable unless told otherwise.</summary>
[Workflow]
public sealed class AlwaysFailingWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(bool nonRetryable) =>
        throw new ApplicationFailureException($"attempt {Workflow.Info.Attempt}", nonRetryable: nonRetryable);
}

/// <summary>Outlives any short run timeout.</summary>
[Workflow]
public sealed class SlowWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => Workflow.DelayAsync(TimeSpan.FromMinutes(5));
}

/// <summary>Runs a child that always fails, with a retry policy: reports how the parent heard of it.</summary>
[Workflow]
public sealed class ParentOfRetriedChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.ExecuteChildWorkflowAsync(
                (AlwaysFailingWorkflow child) => child.RunAsync(false),
                new()
                {
                    Id = $"{Workflow.Info.WorkflowId}-child",
                    RetryPolicy = new() { MaximumAttempts = 3, InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 },
                });
            return "completed";
        }
        catch (ChildWorkflowFailureException failure)
        {
            return $"{failure.RetryState}: {failure.InnerException?.Message}";
        }
    }
}

/// <summary>An activity that always fails, retried until schedule-to-close leaves no room: reports the final failure.</summary>
[Workflow]
public sealed class OutOfRetryTimeWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.ExecuteActivityAsync(
                () => FidelityActivities.AlwaysFail(),
                new()
                {
                    ScheduleToCloseTimeout = TimeSpan.FromSeconds(3),
                    RetryPolicy = new() { InitialInterval = TimeSpan.FromSeconds(2), BackoffCoefficient = 1 },
                });
            return "completed";
        }
        catch (ActivityFailureException failure)
        {
            return $"{failure.RetryState}: {failure.InnerException?.GetType().Name}: {failure.InnerException?.Message}";
        }
    }
}
