using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The operator's activity RPCs, as Temporal's history service answers them. Pausing stops dispatch and
/// retries (a running attempt may still finish; a failed one waits, paused, for its retry); unpausing
/// dispatches the next attempt now (plus a random jitter). A reset sets the attempt back to 1: at once
/// for an activity waiting for a worker, at its next retry for a running one (which may still finish).
/// Updating options changes timeouts, retry policy, task queue and priority by field mask.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const string ActivityNotFound = "Can't find pending activity with such ID. Invalid activityID or activity already completed";

    public void PauseActivity(PauseActivityRequest request)
    {
        using (gate.Enter())
        {
            var execution = RunningForActivityOperation(request.Namespace, request.Execution);
            var targets = Targets(execution, request.HasId ? request.Id : null, request.HasType ? request.Type : null, matchAll: false);
            foreach (var activity in targets)
            {
                if (activity.Paused)
                {
                    if (activity.Pause?.RequestId == request.RequestId)
                    {
                        continue;
                    }

                    throw Errors.FailedPrecondition("activity is already paused");
                }

                MarkDirty(execution);
                activity.Paused = true;
                activity.Pause = new ActivityPause(Clock.Now, request.Identity ?? string.Empty, request.Reason ?? string.Empty, request.RequestId ?? string.Empty);
                if (activity.Phase != ActivityPhase.Started)
                {
                    HoldActivity(activity);
                }
            }

            UpdatePauseInfoAttribute(execution); // as Temporal, on any change of an activity's pause
            Clock.Poke();
        }
    }

    public void UnpauseActivity(UnpauseActivityRequest request)
    {
        using (gate.Enter())
        {
            var execution = RunningForActivityOperation(request.Namespace, request.Execution);
            var targets = Targets(execution, request.HasId ? request.Id : null, request.HasType ? request.Type : null, request.HasUnpauseAll && request.UnpauseAll);
            foreach (var activity in targets.Where(a => a.Paused))
            {
                MarkDirty(execution);
                activity.Paused = false;
                activity.Pause = null;
                if (request.ResetAttempts && activity.Phase != ActivityPhase.Started)
                {
                    activity.Attempt = 1;
                }
                else if (request.ResetAttempts)
                {
                    activity.ResetPending = true;
                }

                if (request.ResetHeartbeat)
                {
                    activity.HeartbeatDetails = null;
                    activity.LastHeartbeatTime = null;
                }

                if (activity.Phase != ActivityPhase.Started)
                {
                    DispatchAfterJitter(execution, activity, request.Jitter);
                }
            }

            UpdatePauseInfoAttribute(execution); // as Temporal, on any change of an activity's pause
            Clock.Poke();
        }
    }

    public void ResetActivity(ResetActivityRequest request)
    {
        using (gate.Enter())
        {
            var execution = RunningForActivityOperation(request.Namespace, request.Execution);
            var targets = Targets(execution, request.HasId ? request.Id : null, request.HasType ? request.Type : null, request.HasMatchAll && request.MatchAll);
            foreach (var activity in targets)
            {
                MarkDirty(execution);
                if (request.RestoreOriginalOptions)
                {
                    activity.Attributes = OriginalAttributes(execution, activity);
                }

                var wasPaused = activity.Paused;
                if (wasPaused && !request.KeepPaused)
                {
                    activity.Paused = false;
                    activity.Pause = null;
                }

                if (activity.Phase == ActivityPhase.Started)
                {
                    // The running attempt keeps its task token; the attempt count starts over at its retry.
                    activity.ResetPending = true;
                    activity.ResetHeartbeats |= request.ResetHeartbeat;
                    continue;
                }

                activity.Attempt = 1;
                if (request.ResetHeartbeat)
                {
                    activity.HeartbeatDetails = null;
                    activity.LastHeartbeatTime = null;
                }

                if (!activity.Paused)
                {
                    DispatchAfterJitter(execution, activity, request.Jitter);
                }
            }

            UpdatePauseInfoAttribute(execution); // as Temporal, on any change of an activity's pause
            Clock.Poke();
        }
    }

    public ActivityOptions UpdateActivityOptions(UpdateActivityOptionsRequest request)
    {
        using (gate.Enter())
        {
            var execution = RunningForActivityOperation(request.Namespace, request.Execution);
            if (!request.RestoreOriginal && request.ActivityOptions is null)
            {
                throw Errors.InvalidArgument("ActivityOptions are not provided");
            }

            var targets = Targets(execution, request.HasId ? request.Id : null, request.HasType ? request.Type : null, request.HasMatchAll && request.MatchAll);
            if (!request.RestoreOriginal && request.UpdateMask is null)
            {
                throw Errors.InvalidArgument("UpdateMask is not provided");
            }

            var fields = FieldMaskPaths.Parse(request.UpdateMask);
            ActivityOptions? result = null;
            foreach (var activity in targets)
            {
                var updated = request.RestoreOriginal
                    ? OriginalAttributes(execution, activity)
                    : Merge(execution, activity.Attributes, request.ActivityOptions!, fields);
                MarkDirty(execution);
                var queueChanged = updated.TaskQueue.Name != activity.Attributes.TaskQueue.Name;
                activity.Attributes = updated;
                RearmAfterOptionsChange(execution, activity, queueChanged);
                result = OptionsOf(updated);
            }

            Clock.Poke();
            return result!;
        }
    }

    // ---- helpers ----

    private Execution RunningForActivityOperation(string ns, WorkflowExecution? workflow)
    {
        var execution = Find(ns, workflow?.WorkflowId ?? string.Empty, workflow?.RunId);
        if (!execution.IsOpen)
        {
            throw Errors.AlreadyCompleted();
        }

        return execution;
    }

    private static List<ActivityState> Targets(Execution execution, string? id, string? type, bool matchAll)
    {
        var targets = execution.Activities.Values
            .Where(a => matchAll || (id is not null && a.Attributes.ActivityId == id) || (type is not null && a.Attributes.ActivityType?.Name == type))
            .OrderBy(a => a.ScheduledEventId)
            .ToList();
        return targets.Count > 0 ? targets : throw Errors.NotFound(ActivityNotFound);
    }

    /// <summary>An activity not running on a worker stops being offered: no schedule-to-start timer, no retry timer.</summary>
    private void HoldActivity(ActivityState activity)
    {
        activity.Timers.CancelAttempt();
        activity.BackoffTimer?.Cancel();
        activity.BackoffTimer = null;
        // Parked as a backoff with no due time: stale queued copies of the attempt are refused, and time may skip.
        activity.Phase = ActivityPhase.Backoff;
        activity.BackoffDue = null;
    }

    /// <summary>The next attempt is offered now, or after a random part of <paramref name="jitter"/>.</summary>
    private void DispatchAfterJitter(Execution execution, ActivityState activity, Duration? jitter)
    {
        HoldActivity(activity);
        activity.HeldByWorkflowPause = false; // a new task, as Temporal's new stamp: offered even while the run is paused
        activity.BackoffDue = Clock.Now + RandomPartOf(jitter);
        ArmBackoff(execution, activity);
    }

    /// <summary>A random delay up to <paramref name="jitter"/> (none without one), as Temporal spreads unpaused and reset activities.</summary>
    private static TimeSpan RandomPartOf(Duration? jitter) =>
        NonZero(jitter) is { } spread ? TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * spread.ToTimeSpan().Ticks)) : TimeSpan.Zero;

    /// <summary>As Temporal's update: timers of the current attempt follow the new timeouts; a waiting attempt goes to the (new) queue.</summary>
    private void RearmAfterOptionsChange(Execution execution, ActivityState activity, bool queueChanged)
    {
        activity.Timers.CancelScheduleToClose();
        ArmScheduleToClose(execution, activity);
        switch (activity.Phase)
        {
            case ActivityPhase.Started:
                activity.Timers.CancelAttempt();
                ArmStartedActivityTimers(execution, activity);
                break;
            case ActivityPhase.Scheduled when !activity.Paused:
                activity.Timers.CancelAttempt();
                if (queueChanged)
                {
                    DispatchAfterJitter(execution, activity, null);
                }
                else
                {
                    OfferActivityAttempt(execution, activity);
                }

                break;
        }
    }

    private static Temporalio.Api.History.V1.ActivityTaskScheduledEventAttributes OriginalAttributes(Execution execution, ActivityState activity) =>
        execution.History[(int)activity.ScheduledEventId - 1].ActivityTaskScheduledEventAttributes.Clone();

    /// <summary>
    /// The masked fields merged as for a standalone activity (one merge for both kinds), then normalised as a
    /// scheduled activity is (timeouts bounded by schedule-to-close and the run timeout).
    /// </summary>
    private Temporalio.Api.History.V1.ActivityTaskScheduledEventAttributes Merge(
        Execution execution, Temporalio.Api.History.V1.ActivityTaskScheduledEventAttributes current, ActivityOptions from, HashSet<string> fields)
    {
        if (fields.Contains("taskQueue.name") && string.IsNullOrEmpty(from.TaskQueue?.Name))
        {
            throw Errors.InvalidArgument("TaskQueue is not provided");
        }

        var merged = StandaloneActivities.ActivityOptionsUpdate.Merge(OptionsOf(current), from, fields);
        // As Temporal, the merged options are checked as a scheduled activity's: the queue first.
        if (TaskQueueNames.UserDefinedProblem(merged.TaskQueue, execution.TaskQueue) is { } badQueue)
        {
            throw Errors.InvalidArgument(badQueue);
        }

        if (NonZero(merged.ScheduleToCloseTimeout) is null && NonZero(merged.StartToCloseTimeout) is null)
        {
            throw Errors.InvalidArgument($"A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand. ActivityId={current.ActivityId} ActivityType={current.ActivityType?.Name}");
        }

        var command = new Temporalio.Api.Command.V1.ScheduleActivityTaskCommandAttributes
        {
            ActivityId = current.ActivityId,
            ActivityType = current.ActivityType,
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = merged.TaskQueue.Name, Kind = Temporalio.Api.Enums.V1.TaskQueueKind.Normal },
            Header = current.Header,
            Input = current.Input,
            ScheduleToCloseTimeout = merged.ScheduleToCloseTimeout,
            ScheduleToStartTimeout = merged.ScheduleToStartTimeout,
            StartToCloseTimeout = merged.StartToCloseTimeout,
            HeartbeatTimeout = merged.HeartbeatTimeout,
            RetryPolicy = merged.RetryPolicy ?? new RetryPolicy(),
            Priority = merged.Priority,
        };
        return NormaliseActivity(execution, command, current.WorkflowTaskCompletedEventId);
    }

    private static ActivityOptions OptionsOf(Temporalio.Api.History.V1.ActivityTaskScheduledEventAttributes a) => new()
    {
        TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = a.TaskQueue.Name, NormalName = a.TaskQueue.Name },
        ScheduleToCloseTimeout = a.ScheduleToCloseTimeout,
        ScheduleToStartTimeout = a.ScheduleToStartTimeout,
        StartToCloseTimeout = a.StartToCloseTimeout,
        HeartbeatTimeout = a.HeartbeatTimeout,
        RetryPolicy = a.RetryPolicy?.Clone(),
        Priority = a.Priority,
    };

    /// <summary>A reset of a running activity takes effect at its next attempt (or on its final event).</summary>
    private static void ApplyPendingReset(ActivityState activity)
    {
        if (!activity.ResetPending)
        {
            return;
        }

        activity.Attempt = 1;
        activity.ResetPending = false;
        if (activity.ResetHeartbeats)
        {
            activity.HeartbeatDetails = null;
            activity.LastHeartbeatTime = null;
            activity.ResetHeartbeats = false;
        }
    }

    /// <summary>Describe's view of a pending activity's pause, attempt and options (as Temporal's GetPendingActivityInfo).</summary>
    private static void DescribePauseAndOptions(ActivityState activity, Temporalio.Api.Workflow.V1.PendingActivityInfo info)
    {
        info.Paused = activity.Paused;
        info.ActivityOptions = OptionsOf(activity.Attributes);
        if (activity.ResetPending)
        {
            info.Attempt = 1;
        }

        if (!activity.Paused)
        {
            return;
        }

        info.State = activity.Phase == ActivityPhase.Started
            ? (activity.CancelRequested ? Temporalio.Api.Enums.V1.PendingActivityState.CancelRequested : Temporalio.Api.Enums.V1.PendingActivityState.PauseRequested)
            : Temporalio.Api.Enums.V1.PendingActivityState.Paused;
        if (activity.Pause is { } pause)
        {
            info.PauseInfo = new Temporalio.Api.Workflow.V1.PendingActivityInfo.Types.PauseInfo
            {
                PauseTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(pause.Time),
                Manual = new Temporalio.Api.Workflow.V1.PendingActivityInfo.Types.PauseInfo.Types.Manual { Identity = pause.Identity, Reason = pause.Reason },
            };
        }
    }
}

/// <summary>Who paused an activity, when and why; the request ID makes a repeated pause a no-op.</summary>
internal sealed record ActivityPause(DateTime Time, string Identity, string Reason, string RequestId);
