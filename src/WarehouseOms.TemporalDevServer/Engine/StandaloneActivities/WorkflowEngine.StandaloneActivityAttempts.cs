using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Standalone activities (ADR 0051): attempts — dispatch, timers, retries, and the worker's calls.</summary>
internal sealed partial class WorkflowEngine
{
    // ---- dispatch and timers ----

    private void ArmActivityRun(StandaloneActivity activity)
    {
        ArmActivityScheduleToClose(activity);
        ArmActivityDispatch(activity);
    }

    /// <summary>The current attempt goes to its task queue at its time: at once, or after the start delay or retry backoff.</summary>
    private void ArmActivityDispatch(StandaloneActivity activity)
    {
        var stamp = activity.Stamp;
        if (activity.AttemptScheduledTime > Clock.Now)
        {
            activity.Timers.Attempt.Add(ScheduleTask(activity.AttemptScheduledTime, () =>
            {
                if (activity.IsOpen && !activity.Deleted && activity.Stamp == stamp && !activity.AttemptRunning && !activity.Paused)
                {
                    OfferActivityAttempt(activity);
                }
            }));
            return;
        }

        OfferActivityAttempt(activity);
    }

    private void OfferActivityAttempt(StandaloneActivity activity)
    {
        var stamp = activity.Stamp;
        // Schedule-to-start counts per attempt from its dispatch; schedule-to-close has its own timer when it comes first.
        if (activity.ScheduleToStart > TimeSpan.Zero && activity.AttemptScheduledTime + activity.ScheduleToStart is var due &&
            (activity.Deadline is not { } deadline || due < deadline))
        {
            activity.Timers.Attempt.Add(ScheduleTask(due, () =>
            {
                if (activity.IsOpen && !activity.Deleted && activity.Stamp == stamp && !activity.AttemptRunning)
                {
                    CloseActivity(activity, ActivityExecutionStatus.TimedOut, ActivityTimeoutFailure(activity, TimeoutType.ScheduleToStart, "activity ScheduleToStart timeout"), RetryState.Timeout);
                }
            }));
        }

        Dispatch(activity.Namespace, activity.TaskQueue, activity: true, new StandaloneActivityTaskItem(activity, stamp));
        Clock.Poke();
    }

    private void ArmActivityScheduleToClose(StandaloneActivity activity)
    {
        if (activity.Deadline is { } deadline)
        {
            activity.Timers.ScheduleToClose = ScheduleTask(deadline, () =>
            {
                if (activity.IsOpen && !activity.Deleted)
                {
                    CloseActivity(activity, ActivityExecutionStatus.TimedOut, ActivityTimeoutFailure(activity, TimeoutType.ScheduleToClose, "activity ScheduleToClose timeout"),
                        activity.CancelRequest is not null ? RetryState.CancelRequested : RetryState.Timeout);
                }
            });
        }
    }

    private void ArmActivityAttemptTimers(StandaloneActivity activity)
    {
        var stamp = activity.Stamp;
        if (activity.StartedTime is { } started && activity.StartToClose > TimeSpan.Zero)
        {
            activity.Timers.Attempt.Add(ScheduleTask(started + activity.StartToClose, () => ActivityAttemptTimedOut(activity, stamp, TimeoutType.StartToClose)));
        }

        ArmActivityHeartbeat(activity);
    }

    private void ArmActivityHeartbeat(StandaloneActivity activity)
    {
        activity.Timers.CancelHeartbeat();
        if (activity.Heartbeat > TimeSpan.Zero && activity.StartedTime is { } started)
        {
            var stamp = activity.Stamp;
            var from = activity.LastHeartbeatTime is { } beat && beat > started ? beat : started;
            activity.Timers.Heartbeat = ScheduleTask(from + activity.Heartbeat, () => ActivityAttemptTimedOut(activity, stamp, TimeoutType.Heartbeat));
        }
    }

    private void ActivityAttemptTimedOut(StandaloneActivity activity, int stamp, TimeoutType type)
    {
        if (activity.IsOpen && !activity.Deleted && activity.Stamp == stamp && activity.AttemptRunning)
        {
            FailActivityAttempt(activity, new Failure
            {
                Message = $"activity {TimeoutName(type)} timeout",
                TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type },
            }, type);
        }
    }

    private static Failure ActivityTimeoutFailure(StandaloneActivity activity, TimeoutType type, string message) => new()
    {
        Message = message,
        Cause = activity.LastFailure,
        TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type, LastHeartbeatDetails = activity.HeartbeatDetails },
    };

    /// <summary>A poller takes the attempt: the task as Temporal hands a standalone activity to a worker (no workflow, its run ID).</summary>
    private Temporalio.Api.WorkflowService.V1.PollActivityTaskQueueResponse? BuildStandaloneActivityTask(StandaloneActivityTaskItem item, string identity)
    {
        var a = item.Activity;
        if (!a.IsOpen || a.Deleted || a.Stamp != item.Stamp || a.AttemptRunning || a.Paused)
        {
            return null;
        }

        a.Timers.CancelAttempt();
        a.AttemptRunning = true;
        a.StartedTime = Clock.Now;
        a.WorkerIdentity = identity;
        ActivityChanged(a);
        ArmActivityAttemptTimers(a);
        return new Temporalio.Api.WorkflowService.V1.PollActivityTaskQueueResponse
        {
            TaskToken = Token(new TaskToken(TaskToken.StandaloneActivity, a.Namespace, a.ActivityId, a.RunId, a.Stamp, a.Attempt)),
            WorkflowNamespace = a.Namespace,
            WorkflowExecution = new WorkflowExecution(),
            ActivityId = a.ActivityId,
            ActivityRunId = a.RunId,
            ActivityType = new ActivityType { Name = a.ActivityType },
            Header = a.Header,
            Input = a.Input,
            HeartbeatDetails = a.HeartbeatDetails,
            ScheduledTime = ToTimestamp(a.ScheduleTime),
            CurrentAttemptScheduledTime = ToTimestamp(a.AttemptScheduledTime),
            StartedTime = ToTimestamp(a.StartedTime),
            Attempt = a.Attempt,
            ScheduleToCloseTimeout = ToDuration(a.ScheduleToClose),
            StartToCloseTimeout = ToDuration(a.StartToClose),
            HeartbeatTimeout = ToDuration(a.Heartbeat),
            RetryPolicy = a.RetryPolicy,
            Priority = a.Priority,
        };
    }

    // ---- attempts' outcomes ----

    /// <summary>
    /// Temporal's retry rules for a failed or timed-out attempt: another attempt after the backoff (held if a pause was
    /// asked meanwhile), or the end; a reset asked meanwhile takes precedence over both.
    /// </summary>
    private void FailActivityAttempt(StandaloneActivity activity, Failure failure, TimeoutType? timeout)
    {
        var now = Clock.Now; // one reading: the next attempt's time is exactly this attempt's end plus the interval
        if (activity.PendingReset is { } reset)
        {
            LandDeferredReset(activity, reset, failure, now);
            return;
        }

        var cancelRequested = activity.CancelRequest is not null;
        var delay = NextRetryDelay(activity.RetryPolicy, activity.Attempt, failure, timeout, cancelRequested);
        var retryState = delay is null ? RetryStateFor(activity.RetryPolicy, activity.Attempt, failure, timeout, cancelRequested) : RetryState.InProgress;
        if (delay is { } d && activity.Deadline is { } deadline && now + d >= deadline)
        {
            delay = null;
            retryState = RetryState.Timeout;
        }

        if (delay is { } wait)
        {
            activity.Timers.CancelAttempt();
            activity.LastFailure = failure;
            activity.AttemptRunning = false;
            activity.LastAttemptCompleteTime = now;
            activity.CurrentRetryInterval = wait;
            activity.RetryIntervalFromWorker = WorkerRetryDelay(failure) is not null;
            activity.Attempt++;
            activity.Stamp++;
            activity.AttemptScheduledTime = now + wait;
            ActivityChanged(activity);
            if (!activity.Paused)
            {
                ArmActivityDispatch(activity);
            }

            Clock.Poke();
            return;
        }

        if (timeout is { } type)
        {
            // As Temporal: the cause is the previous attempt's failure; stopped for lack of time, the message says so.
            var outOfTime = retryState == RetryState.Timeout;
            CloseActivity(activity, ActivityExecutionStatus.TimedOut,
                ActivityTimeoutFailure(activity, outOfTime ? TimeoutType.ScheduleToClose : type, outOfTime ? GiveUpRetrying : failure.Message), retryState);
            return;
        }

        CloseActivity(activity, ActivityExecutionStatus.Failed, failure, retryState);
    }

    /// <summary>Into a closed state: timers stop, long polls wake, completion callbacks are called.</summary>
    private void CloseActivity(StandaloneActivity activity, ActivityExecutionStatus status, Failure? failure, RetryState retryState = RetryState.Unspecified, Payloads? result = null)
    {
        activity.Timers.CancelAll();
        if (activity.AttemptRunning)
        {
            activity.LastAttemptCompleteTime = Clock.Now;
        }

        activity.AttemptRunning = false;
        activity.CurrentRetryInterval = null;
        activity.Status = status;
        activity.CloseTime = Clock.Now;
        activity.Result = result;
        activity.Failure = failure;
        activity.RetryState = retryState;
        openActivities.Remove(activity);
        QueueForRetention(activity);
        if (status == ActivityExecutionStatus.Failed)
        {
            activity.LastFailure = failure;
        }

        ActivityChanged(activity);
        DeliverActivityCallbacks(activity);
        Clock.Poke();
    }

    // ---- worker calls (task token, or by ID with no workflow ID) ----

    private StandaloneActivity RunningActivity(TaskToken token)
    {
        if (!activitiesByRun.TryGetValue((token.Namespace, token.RunId), out var activity) || !activity.IsOpen || !activity.AttemptRunning ||
            activity.Attempt != token.Attempt || activity.Stamp != token.EventId)
        {
            throw Errors.NotFound("activity task not found");
        }

        return activity;
    }

    private StandaloneActivity ActivityById(string ns, string activityId, string? runId, bool mayBeScheduled = false)
    {
        if (string.IsNullOrEmpty(activityId))
        {
            throw Errors.InvalidArgument("ActivityId is not set on request.");
        }

        var activity = FindActivity(ns, activityId, runId);
        if (!activity.IsOpen || (!activity.AttemptRunning && !mayBeScheduled))
        {
            throw Errors.NotFound("activity task not found");
        }

        return activity;
    }

    private HeartbeatAnswer HeartbeatStandalone(StandaloneActivity activity, Payloads? details)
    {
        if (details is not null)
        {
            activity.HeartbeatDetails = details;
        }

        activity.LastHeartbeatTime = Clock.Now;
        activity.TotalHeartbeatCount++;
        ActivityChanged(activity);
        ArmActivityHeartbeat(activity);
        // One answer at a time, as Temporal's: a pending reset is told rather than the pause it may keep.
        return new HeartbeatAnswer(activity.CancelRequest is not null, Paused: activity.Paused && activity.PendingReset is null, Reset: activity.PendingReset is not null);
    }

    private void CompleteStandalone(StandaloneActivity activity, Payloads? result) =>
        CloseActivity(activity, ActivityExecutionStatus.Completed, failure: null, result: result ?? new Payloads());

    private void FailStandalone(StandaloneActivity activity, Failure? failure, Payloads? lastHeartbeat)
    {
        if (lastHeartbeat is not null)
        {
            activity.HeartbeatDetails = lastHeartbeat;
        }

        FailActivityAttempt(activity, failure ?? new Failure { Message = "activity task failed without failure details" }, timeout: null);
    }

    private void CancelStandalone(StandaloneActivity activity, Payloads? details, string? identity)
    {
        if (activity.CancelRequest is null)
        {
            throw Errors.InvalidArgument("unable to mark activity as canceled without activity being request canceled first");
        }

        CloseActivity(activity, ActivityExecutionStatus.Canceled, CanceledFailure(details, identity));
    }

    private static Failure CanceledFailure(Payloads? details, string? identity) => new()
    {
        Message = "Activity canceled",
        CanceledFailureInfo = new CanceledFailureInfo { Details = details, Identity = identity ?? string.Empty },
    };
}
