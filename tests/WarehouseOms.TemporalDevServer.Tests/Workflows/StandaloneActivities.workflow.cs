using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>What the worker of a standalone activity saw in <c>ActivityExecutionContext.Current.Info</c>.</summary>
public sealed record StandaloneActivityInfo(
    string ActivityId,
    string ActivityType,
    int Attempt,
    string Namespace,
    string TaskQueue,
    bool IsLocal,
    bool IsWorkflowActivity,
    string? WorkflowId,
    string? WorkflowRunId,
    string? WorkflowType,
    string? WorkflowNamespace,
    TimeSpan? ScheduleToCloseTimeout,
    TimeSpan? StartToCloseTimeout,
    TimeSpan? HeartbeatTimeout,
    int TaskTokenLength);

/// <summary>
/// Activities started by a client on their own (standalone activity executions, no workflow). Each records what it
/// saw in the journal under its activity ID, which every test makes unique.
/// </summary>
public static class StandaloneActivities
{
    private static ActivityExecutionContext Context => ActivityExecutionContext.Current;

    private static void Record(string entry) => ActivityJournal.Record(Context.Info.ActivityId, entry);

    [Activity]
    public static Task<string> EchoAsync(string input)
    {
        Record($"attempt:{Context.Info.Attempt}");
        return Task.FromResult($"echo:{input}");
    }

    [Activity]
    public static Task<StandaloneActivityInfo> InspectInfoAsync()
    {
        var info = Context.Info;
        return Task.FromResult(new StandaloneActivityInfo(
            info.ActivityId, info.ActivityType, info.Attempt, info.Namespace, info.TaskQueue, info.IsLocal, info.IsWorkflowActivity,
            info.WorkflowId, info.WorkflowRunId, info.WorkflowType, info.WorkflowNamespace,
            info.ScheduleToCloseTimeout, info.StartToCloseTimeout, info.HeartbeatTimeout, info.TaskToken.Length));
    }

    /// <summary>Fails with a retryable error until <paramref name="succeedOnAttempt"/>.</summary>
    [Activity]
    public static Task<string> FailUntilAttemptAsync(int succeedOnAttempt)
    {
        var attempt = Context.Info.Attempt;
        Record($"attempt:{attempt}");
        if (attempt < succeedOnAttempt)
        {
            throw new ApplicationFailureException($"failed on attempt {attempt}", errorType: "Transient");
        }

        return Task.FromResult($"succeeded on attempt {attempt}");
    }

    /// <summary>Always fails with a retryable error.</summary>
    [Activity]
    public static Task<string> AlwaysFailAsync() => FailUntilAttemptAsync(int.MaxValue);

    /// <summary>Fails with a failure marked non-retryable, whatever the retry policy says.</summary>
    [Activity]
    public static Task<string> FailNonRetryableAsync()
    {
        Record($"attempt:{Context.Info.Attempt}");
        throw new ApplicationFailureException("business rule rejected", errorType: "Rejected", nonRetryable: true);
    }

    /// <summary>Runs without heartbeating until the worker cancels it (shutdown or a local timeout).</summary>
    [Activity]
    public static async Task HangAsync()
    {
        Record($"attempt:{Context.Info.Attempt}");
        await Task.Delay(Timeout.Infinite, Context.CancellationToken);
    }

    /// <summary>Heartbeats every 100 ms until the server relays a cancellation (or says the activity is gone).</summary>
    [Activity]
    public static async Task HeartbeatUntilCancelledAsync()
    {
        var context = Context;
        Record("started");
        try
        {
            while (true)
            {
                context.Heartbeat("beat");
                await Task.Delay(100, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            Record($"cancelled:{context.CancelReason}");
            throw;
        }
    }

    /// <summary>Heartbeats once with <c>last-beat</c>, then stops heartbeating and hangs.</summary>
    [Activity]
    public static async Task HeartbeatOnceThenStallAsync()
    {
        var context = Context;
        context.Heartbeat("last-beat");
        Record("heartbeated");
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
    }

    /// <summary>Hands its task token to the test and leaves the completion to the client.</summary>
    [Activity]
    public static Task<string> CompleteLaterAsync()
    {
        Record("token:" + Convert.ToBase64String(Context.Info.TaskToken));
        throw new CompleteAsyncException();
    }
}
