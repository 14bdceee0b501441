using Temporalio.Api.Activity.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Standalone activities (ADR 0051): the operator commands, behind history.enableStandaloneActivityOperatorCommands, as
/// Temporal's activity takes them. A pause holds a waiting attempt at once and a running one when its worker gives it
/// up (the worker hears of it on its heartbeat); a reset restarts the attempts at 1 at once, or when the running attempt
/// ends; an options update applies to the attempt in flight (its timers follow) and to the next. Each command's request
/// ID makes its repeat harmless.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private void PauseStandaloneActivity(PauseActivityExecutionRequest request)
    {
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.LastPause?.RequestId == request.RequestId)
            {
                return; // a repeat, even after an unpause: it must not pause again
            }

            var state = activity.State;
            if (state is not (StandaloneActivityState.Scheduled or StandaloneActivityState.Started))
            {
                throw Errors.FailedPrecondition($"activity is in non-pausable state {state}");
            }

            activity.Paused = true;
            activity.LastPause = new ActivityPause(Clock.Now, request.Identity, request.Reason, request.RequestId);
            if (state == StandaloneActivityState.Scheduled)
            {
                HoldActivityAttempt(activity);
            }

            ActivityChanged(activity);
        }
    }

    private void UnpauseStandaloneActivity(UnpauseActivityExecutionRequest request)
    {
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.LastUnpauseRequestId == request.RequestId)
            {
                return;
            }

            var state = activity.State;
            if (!activity.IsOpen)
            {
                throw Errors.FailedPrecondition($"activity is in terminal state {state}");
            }

            if (state is not (StandaloneActivityState.Paused or StandaloneActivityState.PauseRequested))
            {
                throw Errors.FailedPrecondition($"activity is in non-unpausable state {state}");
            }

            activity.Paused = false;
            activity.LastUnpauseRequestId = request.RequestId;
            var dispatch = state == StandaloneActivityState.Paused; // a running attempt just goes on
            if (dispatch)
            {
                // What is left of the start delay or the retry backoff still applies; the jitter spreads the rest.
                activity.Stamp++;
                var at = activity.NotBeforeStartDelay(Clock.Now + RandomPartOf(request.Jitter));
                activity.AttemptScheduledTime = activity.RetryDueTime is { } due && due > at ? due : at;
            }

            CommitCommand(activity, dispatch);
        }
    }

    private void ResetStandaloneActivity(ResetActivityExecutionRequest request)
    {
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.LastResetRequestId == request.RequestId)
            {
                return;
            }

            var original = request.RestoreOriginalOptions ? ActivityOptionsUpdate.RequireRestorable(activity.OriginalOptions) : null;
            var state = activity.State;
            var dispatch = false;
            switch (state)
            {
                case StandaloneActivityState.CancelRequested:
                    throw Errors.FailedPrecondition("cannot reset an activity with a pending cancellation");
                case StandaloneActivityState.ResetRequested:
                    throw Errors.FailedPrecondition("cannot reset an activity with a pending reset");
                case StandaloneActivityState.Started or StandaloneActivityState.PauseRequested:
                    // A worker holds the attempt: all of the reset waits for it to give the attempt up (the worker hears
                    // of it on its heartbeat); a pause ends now unless it is to be kept.
                    activity.Paused &= request.KeepPaused;
                    activity.PendingReset = new DeferredActivityReset(request.RestoreOriginalOptions, request.ResetHeartbeat);
                    break;
                case StandaloneActivityState.Scheduled or StandaloneActivityState.Paused:
                    if (original is not null)
                    {
                        RestoreOriginalOptions(activity, original);
                    }

                    activity.Paused = state == StandaloneActivityState.Paused && request.KeepPaused;
                    RestartAttempts(activity, request.ResetHeartbeat);
                    dispatch = !activity.Paused;
                    if (dispatch)
                    {
                        activity.AttemptScheduledTime = activity.NotBeforeStartDelay(Clock.Now + RandomPartOf(request.Jitter));
                    }

                    break;
                default:
                    throw Errors.FailedPrecondition("activity execution is not running");
            }

            activity.LastResetRequestId = request.RequestId;
            CommitCommand(activity, dispatch);
        }
    }

    private ActivityOptions UpdateStandaloneActivityOptions(UpdateActivityExecutionOptionsRequest request)
    {
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.LastUpdateOptionsRequestId == request.RequestId)
            {
                return activity.Options(); // a repeat answers the options as they are now, as Temporal's does
            }

            var state = activity.State;
            if (state is not (StandaloneActivityState.Scheduled or StandaloneActivityState.Started or StandaloneActivityState.Paused or StandaloneActivityState.PauseRequested))
            {
                throw Errors.FailedPrecondition($"Cannot update options for activity in state {state}");
            }

            var original = request.RestoreOriginal ? ActivityOptionsUpdate.RequireRestorable(activity.OriginalOptions) : null;
            var fields = FieldMaskPaths.Parse(request.UpdateMask);
            if (fields.Contains("startDelay"))
            {
                Valid(request.ActivityOptions.StartDelay, "StartDelay");
                var firstNotDispatched = activity.ExecutionTime > Clock.Now || (activity.StartedTime is null && state == StandaloneActivityState.Paused);
                if (!firstNotDispatched)
                {
                    throw Errors.FailedPrecondition("cannot update start_delay: the first activity attempt has already been dispatched");
                }
            }

            activity.Apply(original ?? ActivityOptionsUpdate.Merge(activity.Options(), request.ActivityOptions, fields));
            // A waiting retry's backoff follows a new policy, unless the worker chose it.
            if (state is (StandaloneActivityState.Scheduled or StandaloneActivityState.Paused) && activity.CurrentRetryInterval is not null &&
                !activity.RetryIntervalFromWorker && (original is not null || FieldMaskPaths.HasPathOrSubPath(fields, "retryPolicy")))
            {
                activity.CurrentRetryInterval = BackoffInterval(activity.RetryPolicy, activity.Attempt - 1);
            }

            activity.Timers.CancelScheduleToClose();
            ArmActivityScheduleToClose(activity);
            var dispatch = state == StandaloneActivityState.Scheduled;
            if (activity.AttemptRunning)
            {
                // The worker's task token stays valid (the stamp is kept); the attempt's timers follow the new timeouts.
                activity.Timers.CancelAttempt();
                ArmActivityAttemptTimers(activity);
            }
            else
            {
                HoldActivityAttempt(activity);
                if (dispatch)
                {
                    activity.AttemptScheduledTime = activity.RetryDueTime ?? activity.NotBeforeStartDelay(Clock.Now);
                }
            }

            activity.LastUpdateOptionsRequestId = request.RequestId;
            CommitCommand(activity, dispatch); // a dispatch goes to the (new) task queue
            return activity.Options();
        }
    }

    /// <summary>The waiting attempt is not dispatched: its timers stop and a copy already queued goes stale.</summary>
    private static void HoldActivityAttempt(StandaloneActivity activity)
    {
        activity.Timers.CancelAttempt();
        activity.Stamp++;
    }

    /// <summary>The next attempt is attempt 1, with no backoff; the heartbeat details go too when asked.</summary>
    private static void RestartAttempts(StandaloneActivity activity, bool resetHeartbeat)
    {
        HoldActivityAttempt(activity);
        activity.Attempt = 1;
        activity.CurrentRetryInterval = null;
        if (resetHeartbeat)
        {
            activity.ClearHeartbeat();
        }
    }

    /// <summary>The options the run started with (the start delay only while no attempt has started), and its deadline with them.</summary>
    private void RestoreOriginalOptions(StandaloneActivity activity, ActivityOptions original)
    {
        activity.Apply(original);
        activity.Timers.CancelScheduleToClose();
        ArmActivityScheduleToClose(activity);
    }

    /// <summary>
    /// A reset asked while a worker held the attempt, now that the attempt failed or timed out (whatever its retry
    /// policy says): attempt 1 is dispatched at once (after any start delay still running), or held if the pause was kept.
    /// </summary>
    private void LandDeferredReset(StandaloneActivity activity, DeferredActivityReset reset, Temporalio.Api.Failure.V1.Failure failure, DateTime now)
    {
        activity.PendingReset = null;
        if (reset.RestoreOriginalOptions && activity.OriginalOptions is { } original)
        {
            RestoreOriginalOptions(activity, original);
        }

        RestartAttempts(activity, reset.ResetHeartbeat);
        activity.LastFailure = failure;
        activity.AttemptRunning = false;
        activity.LastAttemptCompleteTime = now;
        activity.AttemptScheduledTime = activity.NotBeforeStartDelay(now);
        CommitCommand(activity, dispatch: !activity.Paused);
    }

    /// <summary>A command's change is stored and seen; an attempt it makes due is armed.</summary>
    private void CommitCommand(StandaloneActivity activity, bool dispatch)
    {
        ActivityChanged(activity);
        if (dispatch)
        {
            ArmActivityDispatch(activity);
        }

        Clock.Poke();
    }
}
