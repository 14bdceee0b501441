using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Activities of the conformance workflows; each records what it saw in the journal.</summary>
public static class TestActivities
{
    private static ActivityInfo Info => ActivityExecutionContext.Current.Info;

    [Activity]
    public static string Greet(string name)
    {
        ActivityJournal.Record(Info.WorkflowId!, $"greet:{name}:attempt{Info.Attempt}");
        return $"Hello, {name}!";
    }

    [Activity]
    public static int Double(int value)
    {
        ActivityJournal.Record(Info.WorkflowId!, $"double:{value}");
        return value * 2;
    }

    /// <summary>Fails with a retryable error until <paramref name="succeedOnAttempt"/>.</summary>
    [Activity]
    public static string FailUntilAttempt(int succeedOnAttempt)
    {
        var info = Info;
        ActivityJournal.Record(info.WorkflowId!, $"attempt:{info.Attempt}:{info.CurrentAttemptScheduledTime:O}");
        if (info.Attempt < succeedOnAttempt)
        {
            throw new ApplicationFailureException($"transient failure on attempt {info.Attempt}", errorType: "Transient");
        }

        return $"succeeded on attempt {info.Attempt}";
    }

    /// <summary>Always fails with the given error type (retryable unless the policy says otherwise).</summary>
    [Activity]
    public static string AlwaysFail(string errorType)
    {
        ActivityJournal.Record(Info.WorkflowId!, $"attempt:{Info.Attempt}");
        throw new ApplicationFailureException($"{errorType} on attempt {Info.Attempt}", errorType: errorType);
    }

    /// <summary>Fails with a failure marked non-retryable, whatever the retry policy says.</summary>
    [Activity]
    public static string FailNonRetryable()
    {
        ActivityJournal.Record(Info.WorkflowId!, $"attempt:{Info.Attempt}");
        throw new ApplicationFailureException("business rule rejected", errorType: "Rejected", nonRetryable: true);
    }

    /// <summary>Runs until cancelled (worker shutdown, timeout or cancellation).</summary>
    [Activity]
    public static async Task HangAsync()
    {
        ActivityJournal.Record(Info.WorkflowId!, $"attempt:{Info.Attempt}");
        await Task.Delay(Timeout.Infinite, ActivityExecutionContext.Current.CancellationToken);
    }

    /// <summary>
    /// Records the heartbeat details it started with, heartbeats <c>attempt-N</c>, then fails
    /// (<paramref name="thenHang"/> false) or stops heartbeating and hangs (true).
    /// </summary>
    [Activity]
    public static async Task<string> HeartbeatThenStopAsync(bool thenHang)
    {
        var context = ActivityExecutionContext.Current;
        var info = context.Info;
        var previous = info.HeartbeatDetails.Count > 0 ? await info.HeartbeatDetailAtAsync<string>(0) : "none";
        ActivityJournal.Record(info.WorkflowId!, $"attempt:{info.Attempt}:details:{previous}");
        if (info.Attempt >= 3)
        {
            return $"finished with details {previous}";
        }

        context.Heartbeat($"attempt-{info.Attempt}");
        if (thenHang)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }

        throw new ApplicationFailureException($"failing attempt {info.Attempt} after heartbeat", errorType: "Transient");
    }

    /// <summary>Heartbeats every 100 ms until the server relays a cancellation.</summary>
    [Activity]
    public static async Task<string> HeartbeatUntilCancelledAsync()
    {
        var context = ActivityExecutionContext.Current;
        ActivityJournal.Record(context.Info.WorkflowId!, "started");
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
            ActivityJournal.Record(context.Info.WorkflowId!, $"cancelled:{context.CancelReason}");
            throw;
        }
    }

    /// <summary>Hands its task token to the test and completes later through the client.</summary>
    [Activity]
    public static string CompleteAsynchronously()
    {
        var info = Info;
        ActivityJournal.Record(info.WorkflowId!, "token:" + Convert.ToBase64String(info.TaskToken));
        throw new CompleteAsyncException();
    }
}
