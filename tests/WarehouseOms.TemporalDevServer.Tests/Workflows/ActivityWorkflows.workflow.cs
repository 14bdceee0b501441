using Temporalio.Api.Enums.V1;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>start → one activity → complete.</summary>
[Workflow]
public sealed class GreetingWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string name) =>
        Workflow.ExecuteActivityAsync(
            () => TestActivities.Greet(name),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
}

/// <summary>One activity that doubles its input; the load tests start hundreds of these.</summary>
[Workflow]
public sealed class DoubleWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int value) =>
        Workflow.ExecuteActivityAsync(
            () => TestActivities.Double(value),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

public record RetryInput(int SucceedOnAttempt, int MaximumAttempts, double InitialIntervalSeconds);

/// <summary>An activity that fails until a given attempt, under an explicit retry policy.</summary>
[Workflow]
public sealed class RetryWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(RetryInput input) =>
        Workflow.ExecuteActivityAsync(
            () => TestActivities.FailUntilAttempt(input.SucceedOnAttempt),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new()
                {
                    InitialInterval = TimeSpan.FromSeconds(input.InitialIntervalSeconds),
                    BackoffCoefficient = 2,
                    MaximumAttempts = input.MaximumAttempts,
                },
            });
}

public enum ActivityScenario
{
    MaximumAttempts,
    NonRetryableErrorType,
    NonRetryableFailure,
    StartToCloseTimeout,
    ScheduleToCloseTimeout,
    ScheduleToStartTimeout,
    HeartbeatDetailsCarried,
    HeartbeatTimeout,
}

/// <summary>How an activity ended, as the workflow saw it.</summary>
public record ActivityOutcome(
    string? Result,
    string? CauseType,
    RetryState? RetryState,
    string? ErrorType,
    TimeoutType? TimeoutType,
    string? LastHeartbeatDetail);

/// <summary>Runs one activity scenario and reports its outcome instead of failing.</summary>
[Workflow]
public sealed class ActivityOutcomeWorkflow
{
    /// <summary>Nobody polls this queue: the schedule-to-start scenario needs a task that is never taken.</summary>
    public const string UnpolledTaskQueue = "nobody-polls-this-queue";

    private static readonly RetryPolicy FastRetries = new()
    {
        InitialInterval = TimeSpan.FromMilliseconds(100),
        BackoffCoefficient = 2,
        MaximumInterval = TimeSpan.FromSeconds(1),
    };

    [WorkflowRun]
    public async Task<ActivityOutcome> RunAsync(ActivityScenario scenario)
    {
        try
        {
            var result = scenario switch
            {
                ActivityScenario.MaximumAttempts => await Workflow.ExecuteActivityAsync(
                    () => TestActivities.AlwaysFail("Transient"),
                    Options(retry: FastRetries with { MaximumAttempts = 3 })),
                ActivityScenario.NonRetryableErrorType => await Workflow.ExecuteActivityAsync(
                    () => TestActivities.AlwaysFail("Fatal"),
                    Options(retry: FastRetries with { MaximumAttempts = 5, NonRetryableErrorTypes = ["Fatal"] })),
                ActivityScenario.NonRetryableFailure => await Workflow.ExecuteActivityAsync(
                    () => TestActivities.FailNonRetryable(),
                    Options(retry: FastRetries with { MaximumAttempts = 5 })),
                ActivityScenario.StartToCloseTimeout => await HangAsync(
                    Options(retry: FastRetries with { MaximumAttempts = 2 }, startToClose: TimeSpan.FromSeconds(1))),
                ActivityScenario.ScheduleToCloseTimeout => await HangAsync(
                    Options(
                        retry: FastRetries with { InitialInterval = TimeSpan.FromMilliseconds(200) },
                        startToClose: TimeSpan.FromSeconds(1),
                        scheduleToClose: TimeSpan.FromSeconds(3))),
                ActivityScenario.ScheduleToStartTimeout => await HangAsync(
                    Options(retry: FastRetries, scheduleToStart: TimeSpan.FromSeconds(1), taskQueue: UnpolledTaskQueue)),
                ActivityScenario.HeartbeatDetailsCarried => await Workflow.ExecuteActivityAsync(
                    () => TestActivities.HeartbeatThenStopAsync(false),
                    Options(retry: FastRetries with { MaximumAttempts = 5 })),
                ActivityScenario.HeartbeatTimeout => await Workflow.ExecuteActivityAsync(
                    () => TestActivities.HeartbeatThenStopAsync(true),
                    Options(
                        retry: FastRetries with { MaximumAttempts = 2 },
                        startToClose: TimeSpan.FromSeconds(30),
                        heartbeat: TimeSpan.FromSeconds(1))),
                _ => throw new ApplicationFailureException($"unknown scenario {scenario}", nonRetryable: true),
            };
            return new(result, null, null, null, null, null);
        }
        catch (ActivityFailureException failure)
        {
            string? lastHeartbeat = null;
            if (failure.InnerException is TimeoutFailureException { LastHeartbeatDetails.Count: > 0 } timeout)
            {
                lastHeartbeat = timeout.LastHeartbeatDetails.ElementAt<string>(0);
            }

            return new(
                Result: null,
                CauseType: failure.InnerException?.GetType().Name,
                RetryState: failure.RetryState,
                ErrorType: (failure.InnerException as ApplicationFailureException)?.ErrorType,
                TimeoutType: (failure.InnerException as TimeoutFailureException)?.TimeoutType,
                LastHeartbeatDetail: lastHeartbeat);
        }
    }

    private static async Task<string> HangAsync(ActivityOptions options)
    {
        await Workflow.ExecuteActivityAsync(() => TestActivities.HangAsync(), options);
        return "the hanging activity returned";
    }

    private static ActivityOptions Options(
        RetryPolicy retry,
        TimeSpan? startToClose = null,
        TimeSpan? scheduleToClose = null,
        TimeSpan? scheduleToStart = null,
        TimeSpan? heartbeat = null,
        string? taskQueue = null) =>
        new()
        {
            StartToCloseTimeout = startToClose ?? (scheduleToClose is null ? TimeSpan.FromSeconds(10) : null),
            ScheduleToCloseTimeout = scheduleToClose,
            ScheduleToStartTimeout = scheduleToStart,
            HeartbeatTimeout = heartbeat,
            RetryPolicy = retry,
            TaskQueue = taskQueue,
        };
}

/// <summary>Cancels a running, heartbeating activity when told to and waits for it to acknowledge.</summary>
[Workflow]
public sealed class ActivityCancellationWorkflow
{
    private bool cancelRequested;

    [WorkflowSignal]
    public Task CancelActivityAsync()
    {
        cancelRequested = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var activityCancellation = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        var activity = Workflow.ExecuteActivityAsync(
            () => TestActivities.HeartbeatUntilCancelledAsync(),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(60),
                // The worker hears of the cancellation with its next heartbeat, which the SDK throttles to 0.8 of
                // this timeout: 5 s leaves a second between that heartbeat and the timeout on a loaded machine.
                HeartbeatTimeout = TimeSpan.FromSeconds(5),
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                CancellationToken = activityCancellation.Token,
            });
        await Workflow.WaitConditionAsync(() => cancelRequested);
        activityCancellation.Cancel();
        try
        {
            return $"activity returned {await activity}";
        }
        catch (ActivityFailureException failure) when (failure.InnerException is CanceledFailureException)
        {
            return "activity canceled";
        }
    }
}

/// <summary>An activity completed from outside the worker through its task token.</summary>
[Workflow]
public sealed class AsyncCompletionWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync(
            () => TestActivities.CompleteAsynchronously(),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

/// <summary>A local activity: the result is recorded as a marker, not as activity events.</summary>
[Workflow]
public sealed class LocalActivityWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int value) =>
        Workflow.ExecuteLocalActivityAsync(
            () => TestActivities.Double(value),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
}

/// <summary>Waits on a heartbeating activity; cancelling the workflow must cancel the activity.</summary>
[Workflow]
public sealed class WorkflowWithLongActivity
{
    /// <param name="maximumAttempts">The retry policy's limit; 0 keeps the server's default policy.</param>
    [WorkflowRun]
    public Task<string> RunAsync(int maximumAttempts) =>
        Workflow.ExecuteActivityAsync(
            () => TestActivities.HeartbeatUntilCancelledAsync(),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(60),
                // A cancellation or pause reaches the worker with its next heartbeat (throttled to 0.8 of this).
                HeartbeatTimeout = TimeSpan.FromSeconds(5),
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                RetryPolicy = maximumAttempts > 0 ? new() { MaximumAttempts = maximumAttempts } : null,
            });
}

/// <summary>Schedules <c>count</c> Greet activities at once (one workflow task) and waits for them all.</summary>
[Workflow]
public sealed class FanOutWorkflow
{
    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync(int count) =>
        await Workflow.WhenAllAsync(Enumerable.Range(0, count).Select(i =>
            Workflow.ExecuteActivityAsync(() => TestActivities.Greet($"n{i}"), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) })));
}

/// <summary>
/// Schedules three activities at once on another task queue: "low" with priority key 4, "inherited" with none (the
/// run's applies), "high" with key 1; each reports its name and the priority key its task came with.
/// </summary>
[Workflow]
public sealed class PrioritizedActivitiesWorkflow
{
    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync(string activityQueue)
    {
        ActivityOptions Options(int? key) => new()
        {
            TaskQueue = activityQueue,
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            Priority = key is { } k ? new Priority(priorityKey: k) : null,
        };

        return await Workflow.WhenAllAsync(
            Workflow.ExecuteActivityAsync(() => PriorityActivities.Report("low"), Options(4)),
            Workflow.ExecuteActivityAsync(() => PriorityActivities.Report("inherited"), Options(null)),
            Workflow.ExecuteActivityAsync(() => PriorityActivities.Report("high"), Options(1)));
    }
}

/// <summary>Records the order activities ran in, with the priority key each task carried.</summary>
public static class PriorityActivities
{
    public static readonly System.Collections.Concurrent.ConcurrentQueue<string> Ran = new();

    [Temporalio.Activities.Activity]
    public static string Report(string name)
    {
        var entry = $"{name}:{Temporalio.Activities.ActivityExecutionContext.Current.Info.Priority.PriorityKey}";
        Ran.Enqueue(entry);
        return entry;
    }
}
