using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    /// <param name="eager">
    /// Kept for the completing worker (request_eager_execution, ADR 0035): not offered to the task queue; the
    /// completion starts it and returns it with its response (<see cref="StartEagerActivities"/>).
    /// </param>
    private void ScheduleActivity(Execution execution, ScheduleActivityTaskCommandAttributes command, long completedId, List<ActivityState>? eager)
    {
        var attributes = NormaliseActivity(execution, command, completedId);
        var scheduled = NewEvent(EventType.ActivityTaskScheduled, e => e.ActivityTaskScheduledEventAttributes = attributes);
        Append(execution, scheduled);
        var now = Clock.Now;
        var activity = new ActivityState
        {
            ScheduledEventId = scheduled.EventId,
            Attributes = attributes,
            ScheduledTime = now,
            CurrentAttemptScheduledTime = now,
        };
        execution.Activities[scheduled.EventId] = activity;
        ArmScheduleToClose(execution, activity);
        if (execution.IsPaused)
        {
            // As Temporal: a task completed while the run is paused schedules its activities without offering them
            // (nor starting them eagerly); the unpause offers them.
            activity.HeldByWorkflowPause = true;
        }
        else if (eager is not null && command.RequestEagerExecution && eagerActivities)
        {
            MarkDirty(execution);
            activity.Phase = ActivityPhase.Scheduled;
            eager.Add(activity);
            return;
        }

        QueueActivityAttempt(execution, activity);
    }

    /// <summary>
    /// Starts the activities a completion asked to run itself, as Temporal does after applying every command:
    /// one the same task cancelled, or whose workflow closed, is not started (nor offered). Any the completion
    /// could not hand back go to the task queue as usual.
    /// </summary>
    private void StartEagerActivities(Execution execution, List<ActivityState> eager, string identity, RespondWorkflowTaskCompletedResponse response)
    {
        foreach (var activity in eager)
        {
            if (!execution.IsOpen || !execution.Activities.TryGetValue(activity.ScheduledEventId, out var current) || current != activity ||
                activity.Phase != ActivityPhase.Scheduled)
            {
                continue;
            }

            if (BuildActivityTask(new ActivityTaskItem(execution, activity.ScheduledEventId, activity.Attempt), identity, pollerVersion: null) is { } task)
            {
                response.ActivityTasks.Add(task);
            }
            else
            {
                OfferActivityAttempt(execution, activity);
            }
        }
    }

    private void ArmScheduleToClose(Execution execution, ActivityState activity)
    {
        if (NonZero(activity.Attributes.ScheduleToCloseTimeout) is { } s2c)
        {
            activity.Timers.ScheduleToClose = ScheduleTask(activity.ScheduledTime + s2c.ToTimeSpan(), () => TimeOutActivity(execution, activity, TimeoutType.ScheduleToClose, activity.Attempt));
        }
    }

    private ActivityTaskScheduledEventAttributes NormaliseActivity(Execution execution, ScheduleActivityTaskCommandAttributes c, long completedId)
    {
        var runTimeout = execution.RunTimeout?.ToTimeSpan();
        TimeSpan? Cap(TimeSpan? value) => value is { } v && runTimeout is { } r && v > r ? r : value;

        var s2c = NonZero(c.ScheduleToCloseTimeout)?.ToTimeSpan();
        var s2s = NonZero(c.ScheduleToStartTimeout)?.ToTimeSpan();
        var stc = NonZero(c.StartToCloseTimeout)?.ToTimeSpan();
        if (s2c is { } total)
        {
            s2s = s2s is { } a && a < total ? a : total;
            stc = stc is { } b && b < total ? b : total;
        }
        else
        {
            s2c = runTimeout;
            s2s ??= runTimeout;
        }

        s2c = Cap(s2c);
        s2s = Cap(s2s);
        stc = Cap(stc);
        // Temporal caps the heartbeat timeout at the start-to-close timeout (an attempt cannot outlive it anyway).
        var heartbeat = NonZero(c.HeartbeatTimeout)?.ToTimeSpan();
        if (heartbeat is { } h && stc is { } limit && h > limit)
        {
            heartbeat = limit;
        }

        // Temporal's EnsureRetryPolicyDefaults: only unset fields take the defaults.
        var retry = RetryPolicyRules.WithDefaults(c.RetryPolicy ?? new RetryPolicy())!;

        static Duration? D(TimeSpan? t) => t is { } v ? Duration.FromTimeSpan(v) : null;
        return new ActivityTaskScheduledEventAttributes
        {
            ActivityId = c.ActivityId,
            ActivityType = c.ActivityType,
            // Both callers refused an unset queue first (TaskQueueNames.UserDefinedProblem), as Temporal gives it no default.
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = c.TaskQueue.Name, Kind = TaskQueueKind.Normal },
            Header = c.Header,
            Input = c.Input,
            ScheduleToCloseTimeout = D(s2c),
            ScheduleToStartTimeout = D(s2s),
            StartToCloseTimeout = D(stc),
            HeartbeatTimeout = D(heartbeat),
            RetryPolicy = retry,
            WorkflowTaskCompletedEventId = completedId,
            Priority = c.Priority,
        };
    }

    private void QueueActivityAttempt(Execution execution, ActivityState activity)
    {
        MarkDirty(execution);
        activity.Phase = ActivityPhase.Scheduled;
        activity.BackoffDue = null;
        activity.CurrentAttemptScheduledTime = Clock.Now;
        OfferActivityAttempt(execution, activity);
    }

    /// <summary>Arms the schedule-to-start timeout of the current attempt and hands it to a poller.</summary>
    private void OfferActivityAttempt(Execution execution, ActivityState activity)
    {
        var s2s = NonZero(activity.Attributes.ScheduleToStartTimeout);
        var s2c = NonZero(activity.Attributes.ScheduleToCloseTimeout);
        // Schedule-to-start only matters when shorter than schedule-to-close (which has its own timer).
        if (s2s is not null && (s2c is null || s2s.ToTimeSpan() < s2c.ToTimeSpan()))
        {
            var attempt = activity.Attempt;
            activity.Timers.Attempt.Add(ScheduleTask(activity.CurrentAttemptScheduledTime + s2s.ToTimeSpan(), () =>
            {
                if (activity.Phase == ActivityPhase.Scheduled && activity.Attempt == attempt)
                {
                    TimeOutActivity(execution, activity, TimeoutType.ScheduleToStart, attempt);
                }
            }));
        }

        if (!activity.HeldByWorkflowPause)
        {
            Dispatch(execution.Namespace, activity.Attributes.TaskQueue.Name, activity: true, new ActivityTaskItem(execution, activity.ScheduledEventId, activity.Attempt));
        }
    }

    /// <param name="pollerVersion">The deployment version of the worker that polled; null for an unversioned one, or
    /// for the completing worker that takes the task eagerly.</param>
    private PollActivityTaskQueueResponse? BuildActivityTask(ActivityTaskItem item, string identity, string? pollerVersion)
    {
        var execution = item.Execution;
        if (!execution.IsOpen || !execution.Activities.TryGetValue(item.ScheduledEventId, out var activity) ||
            activity.Attempt != item.Attempt || activity.Phase != ActivityPhase.Scheduled || activity.Paused || activity.HeldByWorkflowPause ||
            HeldForVersionTransition(execution, activity, pollerVersion))
        {
            return null;
        }

        MarkDirty(execution);
        activity.Timers.CancelAttempt();
        activity.Phase = ActivityPhase.Started;
        activity.StartedTime = Clock.Now;
        activity.LastHeartbeatTime = null;
        activity.StartedIdentity = identity;
        var attempt = activity.Attempt;
        ArmStartedActivityTimers(execution, activity);
        var a = activity.Attributes;
        return new PollActivityTaskQueueResponse
        {
            TaskToken = Token(new TaskToken(TaskToken.Activity, execution.Namespace, execution.WorkflowId, execution.RunId, activity.ScheduledEventId, attempt)),
            WorkflowNamespace = execution.Namespace,
            WorkflowType = new WorkflowType { Name = execution.WorkflowType },
            WorkflowExecution = execution.Ref,
            ActivityType = a.ActivityType,
            ActivityId = a.ActivityId,
            Header = a.Header,
            Input = a.Input,
            HeartbeatDetails = activity.HeartbeatDetails,
            ScheduledTime = Timestamp.FromDateTime(activity.ScheduledTime),
            CurrentAttemptScheduledTime = Timestamp.FromDateTime(activity.CurrentAttemptScheduledTime),
            StartedTime = Timestamp.FromDateTime(activity.StartedTime),
            Attempt = attempt,
            ScheduleToCloseTimeout = a.ScheduleToCloseTimeout,
            StartToCloseTimeout = a.StartToCloseTimeout,
            HeartbeatTimeout = a.HeartbeatTimeout,
            RetryPolicy = a.RetryPolicy,
            Priority = Priorities.Merge(execution.Priority, a.Priority), // as the worker gets it from Temporal: merged over the run's
        };
    }

    /// <summary>Start-to-close and heartbeat timeouts of a started attempt, from its start (and last heartbeat).</summary>
    private void ArmStartedActivityTimers(Execution execution, ActivityState activity)
    {
        if (NonZero(activity.Attributes.StartToCloseTimeout) is { } stc)
        {
            var attempt = activity.Attempt;
            activity.Timers.Attempt.Add(ScheduleTask(activity.StartedTime + stc.ToTimeSpan(), () => TimeOutActivity(execution, activity, TimeoutType.StartToClose, attempt)));
        }

        ArmHeartbeatTimer(execution, activity);
    }

    private void ArmHeartbeatTimer(Execution execution, ActivityState activity)
    {
        activity.Timers.CancelHeartbeat();
        if (NonZero(activity.Attributes.HeartbeatTimeout) is { } heartbeat)
        {
            var attempt = activity.Attempt;
            var from = activity.LastHeartbeatTime ?? activity.StartedTime;
            activity.Timers.Heartbeat = ScheduleTask(from + heartbeat.ToTimeSpan(), () => TimeOutActivity(execution, activity, TimeoutType.Heartbeat, attempt));
        }
    }

    private (Execution Execution, ActivityState Activity) StartedActivity(TaskToken token)
    {
        if (!runsByRunId.TryGetValue(token.RunId, out var execution) || !execution.IsOpen ||
            !execution.Activities.TryGetValue(token.EventId, out var activity) ||
            activity.Attempt != token.Attempt || activity.Phase != ActivityPhase.Started)
        {
            throw Errors.NotFound("Activity task not found.");
        }

        return (execution, activity);
    }

    private (Execution Execution, ActivityState Activity) StartedActivityById(string ns, string workflowId, string? runId, string activityId)
    {
        var execution = Find(ns, workflowId, runId);
        var activity = execution.Activities.Values.FirstOrDefault(a => a.Attributes.ActivityId == activityId && a.Phase == ActivityPhase.Started)
            ?? throw Errors.NotFound("Activity task not found.");
        return (execution, activity);
    }

    public HeartbeatAnswer Heartbeat(ByteString taskToken, Payloads? details, string? identity) =>
        Heartbeat(ActivityTarget.Of(taskToken), details, identity, "RecordActivityTaskHeartbeat");

    public HeartbeatAnswer HeartbeatById(RecordActivityTaskHeartbeatByIdRequest request) =>
        Heartbeat(ActivityTarget.ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId), request.Details, request.Identity, "RecordActivityTaskHeartbeatById");

    private HeartbeatAnswer Heartbeat(ActivityTarget target, Payloads? details, string? identity, string operation)
    {
        if (ReportPastLimit(details, HeartbeatExceedsLimit, operation) is { } tooLarge)
        {
            // As Temporal: the activity fails at once, and the worker is told to stop.
            FailActivity(target, tooLarge, lastHeartbeat: null, identity);
            return new HeartbeatAnswer(CancelRequested: true, Paused: false, Reset: false);
        }

        using (gate.Enter())
        {
            if (target.IsStandalone)
            {
                return HeartbeatStandalone(StandaloneActivityOf(target), details);
            }

            var (execution, activity) = WorkflowActivityOf(target);
            MarkDirty(execution);
            if (details is not null)
            {
                activity.HeartbeatDetails = details;
            }

            activity.LastHeartbeatTime = Clock.Now;
            ArmHeartbeatTimer(execution, activity);
            return new HeartbeatAnswer(activity.CancelRequested, activity.Paused, activity.ResetPending);
        }
    }

    public void CompleteActivity(ByteString taskToken, Payloads? result, string identity)
    {
        var target = ActivityTarget.Of(taskToken);
        RequireIdentity(identity);
        CompleteActivity(target, result, identity, "RespondActivityTaskCompleted");
    }

    public void CompleteActivityById(RespondActivityTaskCompletedByIdRequest request)
    {
        // As Temporal: completing by ID may end a standalone activity no worker holds (scheduled, or waiting for a retry).
        var target = ActivityTarget.ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, mayBeScheduled: true);
        RequireIdentity(request.Identity);
        CompleteActivity(target, request.Result, request.Identity, "RespondActivityTaskCompletedById");
    }

    private void CompleteActivity(ActivityTarget target, Payloads? result, string? identity, string operation)
    {
        if (ReportPastLimit(result, CompleteResultExceedsLimit, operation) is { } tooLarge)
        {
            FailActivity(target, tooLarge, lastHeartbeat: null, identity);
            return;
        }

        using (gate.Enter())
        {
            if (target.IsStandalone)
            {
                CompleteStandalone(StandaloneActivityOf(target), result);
                return;
            }

            var (execution, activity) = WorkflowActivityOf(target);
            FinishActivity(execution, activity, NewEvent(EventType.ActivityTaskCompleted, e => e.ActivityTaskCompletedEventAttributes = new ActivityTaskCompletedEventAttributes
            {
                Result = result,
                ScheduledEventId = activity.ScheduledEventId,
                Identity = identity ?? string.Empty,
            }));
        }
    }

    /// <returns>The failures that replaced what was past the blob limit, for the worker (the response's failures).</returns>
    public IReadOnlyList<Failure> FailActivity(ByteString taskToken, Failure? failure, Payloads? lastHeartbeat, string identity)
    {
        var target = ActivityTarget.Of(taskToken);
        RequireActivityFailure(failure, requireApplicationInfo: true);
        RequireIdentity(identity);
        var bounded = BoundedActivityFailure(failure, lastHeartbeat, "RespondActivityTaskFailed");
        FailActivity(target, bounded.Failure, bounded.LastHeartbeat, identity);
        return bounded.Replaced;
    }

    /// <inheritdoc cref="FailActivity(ByteString, Failure?, Payloads?, string)"/>
    public IReadOnlyList<Failure> FailActivityById(RespondActivityTaskFailedByIdRequest request)
    {
        var target = ActivityTarget.ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId);
        RequireIdentity(request.Identity);
        RequireActivityFailure(request.Failure, requireApplicationInfo: false);
        var bounded = BoundedActivityFailure(request.Failure, request.LastHeartbeatDetails, "RespondActivityTaskFailedById");
        FailActivity(target, bounded.Failure, bounded.LastHeartbeat, request.Identity);
        return bounded.Replaced;
    }

    private void FailActivity(ActivityTarget target, Failure? failure, Payloads? lastHeartbeat, string? identity)
    {
        using (gate.Enter())
        {
            if (target.IsStandalone)
            {
                FailStandalone(StandaloneActivityOf(target), failure, lastHeartbeat);
                return;
            }

            var (execution, activity) = WorkflowActivityOf(target);
            if (lastHeartbeat is not null)
            {
                activity.HeartbeatDetails = lastHeartbeat;
            }

            FailAttempt(execution, activity, failure ?? new Failure { Message = "activity failed" }, identity, timeout: null);
        }
    }

    public void CancelActivity(ByteString taskToken, Payloads? details, string identity)
    {
        var target = ActivityTarget.Of(taskToken);
        RequireIdentity(identity);
        CancelActivity(target, details, identity, "RespondActivityTaskCanceled");
    }

    public void CancelActivityById(RespondActivityTaskCanceledByIdRequest request)
    {
        var target = ActivityTarget.ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId);
        RequireIdentity(request.Identity);
        CancelActivity(target, request.Details, request.Identity, "RespondActivityTaskCanceledById");
    }

    private void CancelActivity(ActivityTarget target, Payloads? details, string? identity, string operation)
    {
        if (ReportPastLimit(details, CancelDetailsExceedsLimit, operation) is { } tooLarge)
        {
            FailActivity(target, tooLarge, lastHeartbeat: null, identity);
            return;
        }

        using (gate.Enter())
        {
            if (target.IsStandalone)
            {
                CancelStandalone(StandaloneActivityOf(target), details, identity);
                return;
            }

            var (execution, activity) = WorkflowActivityOf(target);
            RecordActivityCanceled(execution, activity, details, identity);
        }
    }

    /// <summary>
    /// The activity a worker reports on: named by its task token, or by ID (a workflow's by its workflow ID; without
    /// one, a standalone activity, ADR 0051). <see cref="MayBeScheduled"/>: a standalone one by ID need not be running.
    /// </summary>
    private readonly record struct ActivityTarget(TaskToken? Token, string Namespace, string WorkflowId, string? RunId, string ActivityId, bool MayBeScheduled)
    {
        // A workflow's activity, or a standalone one.
        private static readonly char[] TokenKinds = [TaskToken.Activity, TaskToken.StandaloneActivity];

        public static ActivityTarget Of(ByteString taskToken)
        {
            var token = TaskToken.Parse(taskToken, TokenKinds);
            return new(token, token.Namespace, token.WorkflowId, token.RunId, string.Empty, MayBeScheduled: false);
        }

        public static ActivityTarget ById(string ns, string workflowId, string? runId, string activityId, bool mayBeScheduled = false) =>
            new(null, ns, workflowId, runId, activityId, mayBeScheduled);

        public bool IsStandalone => Token is { } token ? token.Kind == TaskToken.StandaloneActivity : string.IsNullOrEmpty(WorkflowId);
    }

    /// <summary>A standalone activity a target names. Under the lock.</summary>
    private StandaloneActivities.StandaloneActivity StandaloneActivityOf(ActivityTarget target) =>
        target.Token is { } token ? RunningActivity(token) : ActivityById(target.Namespace, target.ActivityId, target.RunId, target.MayBeScheduled);

    /// <summary>A workflow's started activity a target names. Under the lock.</summary>
    private (Execution Execution, ActivityState Activity) WorkflowActivityOf(ActivityTarget target) =>
        target.Token is { } token ? StartedActivity(token) : StartedActivityById(target.Namespace, target.WorkflowId, target.RunId, target.ActivityId);

    private void RecordActivityCanceled(Execution execution, ActivityState activity, Payloads? details, string? identity)
    {
        if (!activity.CancelRequested)
        {
            // Temporal's answer: an activity is only canceled after the workflow asked for it.
            throw Errors.InvalidArgument("unable to mark activity as canceled without activity being request canceled first");
        }

        {
            FinishActivity(execution, activity, NewEvent(EventType.ActivityTaskCanceled, e => e.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
            {
                Details = details,
                ScheduledEventId = activity.ScheduledEventId,
                LatestCancelRequestedEventId = activity.CancelRequestedEventId,
                Identity = identity ?? string.Empty,
            }));
        }
    }

    /// <summary>Writes ActivityTaskStarted (for the final attempt) and the closing event, then a workflow task.</summary>
    private void FinishActivity(Execution execution, ActivityState activity, HistoryEvent closing, bool wasStarted = true)
    {
        ApplyPendingReset(activity);
        activity.CancelAllTimers();
        execution.Activities.Remove(activity.ScheduledEventId);
        if (wasStarted)
        {
            var started = NewEvent(EventType.ActivityTaskStarted, e => e.ActivityTaskStartedEventAttributes = new ActivityTaskStartedEventAttributes
            {
                ScheduledEventId = activity.ScheduledEventId,
                Identity = activity.StartedIdentity,
                RequestId = Guid.NewGuid().ToString(),
                Attempt = activity.Attempt,
                LastFailure = activity.LastFailure,
            });
            started.EventTime = Timestamp.FromDateTime(activity.StartedTime);
            AddExternal(execution, started, scheduleTask: false);
        }

        // The started event's ID is known only once it is appended (it may sit in the buffer).
        AddExternal(execution, closing, linkStarted: wasStarted);
        Clock.Poke();
    }

    /// <summary>Temporal's activity retry rules: retry with backoff, or fail for good.</summary>
    private void FailAttempt(Execution execution, ActivityState activity, Failure failure, string? identity, TimeoutType? timeout)
    {
        ApplyPendingReset(activity);
        var policy = activity.Attributes.RetryPolicy;
        if (activity.Paused && RetryStateFor(policy, attempt: 0, failure, timeout, activity.CancelRequested) == RetryState.InProgress)
        {
            // As Temporal: a paused activity's retryable failure never ends it, whatever its attempts and
            // schedule-to-close: the next attempt is held for UnpauseActivity.
            activity.LastFailure = failure;
            activity.Attempt++;
            HoldActivity(activity);
            MarkDirty(execution);
            Clock.Poke();
            return;
        }

        var delay = NextRetryDelay(policy, activity.Attempt, failure, timeout, activity.CancelRequested);
        var retryState = delay is null ? RetryStateFor(policy, activity.Attempt, failure, timeout, activity.CancelRequested) : RetryState.InProgress;
        if (delay is { } d && NonZero(activity.Attributes.ScheduleToCloseTimeout) is { } s2c && Clock.Now + d > activity.ScheduledTime + s2c.ToTimeSpan())
        {
            if (timeout is null)
            {
                // As in Temporal: the activity's own failure stands; the retry state says why it stopped.
                FinishActivity(execution, activity, NewEvent(EventType.ActivityTaskFailed, e => e.ActivityTaskFailedEventAttributes = new ActivityTaskFailedEventAttributes
                {
                    Failure = failure,
                    ScheduledEventId = activity.ScheduledEventId,
                    Identity = identity ?? string.Empty,
                    RetryState = RetryState.Timeout,
                }), activity.Phase == ActivityPhase.Started);
                return;
            }

            // A timed-out attempt with no time left for another: the final outcome is a schedule-to-close timeout.
            TimeOutFinal(execution, activity, TimeoutType.ScheduleToClose, GiveUpRetrying, activity.LastFailure);
            return;
        }

        if (delay is { } wait)
        {
            // A new attempt, as a new stamp in Temporal: a pause of the run before it does not hold it.
            activity.HeldByWorkflowPause = false;
            activity.Timers.CancelAttempt();
            activity.LastFailure = failure;
            activity.Phase = ActivityPhase.Backoff;
            activity.Attempt++;
            var ended = Clock.Now;
            activity.LastAttemptCompleteTime = ended;
            activity.BackoffDue = ended + wait;
            MarkDirty(execution);
            ArmBackoff(execution, activity);
            Clock.Poke();
            return;
        }

        var wasStarted = activity.Phase == ActivityPhase.Started;
        if (timeout is { } t)
        {
            // As Temporal: the cause is the previous attempt's failure; stopped for lack of time, the message says so.
            var outOfTime = retryState == RetryState.Timeout;
            TimeOutFinal(execution, activity, outOfTime ? TimeoutType.ScheduleToClose : t, outOfTime ? GiveUpRetrying : $"activity {TimeoutName(t)} timeout", activity.LastFailure, retryState);
            return;
        }

        FinishActivity(execution, activity, NewEvent(EventType.ActivityTaskFailed, e => e.ActivityTaskFailedEventAttributes = new ActivityTaskFailedEventAttributes
        {
            Failure = failure,
            ScheduledEventId = activity.ScheduledEventId,
            Identity = identity ?? string.Empty,
            RetryState = retryState,
        }), wasStarted);
    }

    private void ArmBackoff(Execution execution, ActivityState activity)
    {
        if (activity.Paused || activity.HeldByWorkflowPause)
        {
            return; // a paused activity's retry waits for UnpauseActivity, a paused run's for UnpauseWorkflowExecution
        }

        void Dispatch()
        {
            if (execution.IsOpen && execution.Activities.ContainsKey(activity.ScheduledEventId) && !activity.HeldByWorkflowPause)
            {
                QueueActivityAttempt(execution, activity);
            }
        }

        // A retry's backoff is a timer task in Temporal; a dispatch without one (an unpause) is not.
        activity.BackoffTimer = activity.BackoffDue is { } due ? ScheduleTask(due, Dispatch) : Clock.ScheduleAt(Clock.Now, Dispatch);
    }

    private void TimeOutActivity(Execution execution, ActivityState activity, TimeoutType type, int attempt)
    {
        if (!execution.IsOpen || !execution.Activities.ContainsKey(activity.ScheduledEventId) || activity.Attempt != attempt)
        {
            return;
        }

        if (type is TimeoutType.ScheduleToStart or TimeoutType.ScheduleToClose)
        {
            TimeOutFinal(execution, activity, type, type == TimeoutType.ScheduleToClose ? GiveUpRetrying : $"activity {TimeoutName(type)} timeout", activity.LastFailure);
            return;
        }

        if (activity.Phase != ActivityPhase.Started)
        {
            return;
        }

        // No heartbeat details here: the next attempt's last failure goes without them, as in Temporal; the final
        // timeout event gets them (TimeOutFinal).
        var failure = new Failure
        {
            Message = $"activity {TimeoutName(type)} timeout",
            TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type },
        };
        FailAttempt(execution, activity, failure, activity.StartedIdentity, type);
    }

    private void TimeOutFinal(Execution execution, ActivityState activity, TimeoutType type, string message, Failure? cause, RetryState retryState = RetryState.Timeout)
    {
        var wasStarted = activity.Phase == ActivityPhase.Started;
        var failure = new Failure
        {
            Message = message,
            Cause = cause,
            TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type, LastHeartbeatDetails = activity.HeartbeatDetails },
        };
        FinishActivity(execution, activity, NewEvent(EventType.ActivityTaskTimedOut, e => e.ActivityTaskTimedOutEventAttributes = new ActivityTaskTimedOutEventAttributes
        {
            Failure = failure,
            ScheduledEventId = activity.ScheduledEventId,
            RetryState = retryState,
        }), wasStarted);
    }

    // Temporal's (v1.31) failure for an activity that timed out with no time left for another attempt.
    private const string GiveUpRetrying = "Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying";

    private static string TimeoutName(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => "StartToClose",
        TimeoutType.ScheduleToStart => "ScheduleToStart",
        TimeoutType.ScheduleToClose => "ScheduleToClose",
        TimeoutType.Heartbeat => "Heartbeat",
        _ => type.ToString(),
    };

    /// <summary>The delay before the next attempt, or null when the failure is final.</summary>
    private static TimeSpan? NextRetryDelay(RetryPolicy policy, int attempt, Failure? failure, TimeoutType? timeout, bool cancelRequested = false)
    {
        if (RetryStateFor(policy, attempt, failure, timeout, cancelRequested) != RetryState.InProgress)
        {
            return null;
        }

        return WorkerRetryDelay(failure) ?? BackoffInterval(policy, attempt);
    }

    /// <summary>The delay the worker asked for with its failure (the application failure's next_retry_delay), if any.</summary>
    private static TimeSpan? WorkerRetryDelay(Failure? failure) =>
        NonZero(failure?.ApplicationFailureInfo?.NextRetryDelay)?.ToTimeSpan();

    /// <summary>The policy's backoff after the failure of <paramref name="attempt"/>: initial × coefficient^(attempt−1), capped by the maximum.</summary>
    private static TimeSpan BackoffInterval(RetryPolicy policy, int attempt)
    {
        var initial = NonZero(policy.InitialInterval)?.ToTimeSpan() ?? TimeSpan.FromSeconds(1);
        var coefficient = policy.BackoffCoefficient < 1 ? 2.0 : policy.BackoffCoefficient;
        var maximum = NonZero(policy.MaximumInterval)?.ToTimeSpan() ?? initial * 100;
        var delay = initial * Math.Pow(coefficient, attempt - 1);
        return delay > maximum ? maximum : delay;
    }

    private static RetryState RetryStateFor(RetryPolicy policy, int attempt, Failure? failure, TimeoutType? timeout, bool cancelRequested = false)
    {
        if (failure?.ApplicationFailureInfo is { } app)
        {
            if (app.NonRetryable || policy.NonRetryableErrorTypes.Contains(app.Type))
            {
                return RetryState.NonRetryableFailure;
            }
        }

        if (failure?.CanceledFailureInfo is not null || failure?.TerminatedFailureInfo is not null || failure?.ServerFailureInfo?.NonRetryable == true)
        {
            return RetryState.NonRetryableFailure;
        }

        if (cancelRequested)
        {
            return RetryState.CancelRequested;
        }

        if (timeout is TimeoutType.ScheduleToStart or TimeoutType.ScheduleToClose)
        {
            return RetryState.Timeout;
        }

        if (timeout is { } t && policy.NonRetryableErrorTypes.Contains($"TemporalTimeout:{TimeoutName(t)}"))
        {
            return RetryState.NonRetryableFailure;
        }

        if (policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts)
        {
            return RetryState.MaximumAttemptsReached;
        }

        return RetryState.InProgress;
    }

    private const string ActivityNotStarted = "ACTIVITY_ID_NOT_STARTED";

    /// <summary>RequestCancelActivityTask: at once when not started; otherwise flagged for the heartbeat.</summary>
    private bool RequestCancelActivity(Execution execution, long scheduledEventId, long completedId, string identity)
    {
        var requested = NewEvent(EventType.ActivityTaskCancelRequested, e => e.ActivityTaskCancelRequestedEventAttributes = new ActivityTaskCancelRequestedEventAttributes
        {
            ScheduledEventId = scheduledEventId,
            WorkflowTaskCompletedEventId = completedId,
        });
        Append(execution, requested);
        if (!execution.Activities.TryGetValue(scheduledEventId, out var activity))
        {
            return false; // already closed (its completion may be buffered): only the request is recorded
        }

        if (activity.Phase == ActivityPhase.Started)
        {
            activity.CancelRequested = true;
            activity.CancelRequestedEventId = requested.EventId;
            return false;
        }

        activity.CancelAllTimers();
        execution.Activities.Remove(scheduledEventId);
        // As Temporal's command handler writes it: the details say why, the identity is the worker's.
        Append(execution, NewEvent(EventType.ActivityTaskCanceled, e => e.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
        {
            ScheduledEventId = scheduledEventId,
            LatestCancelRequestedEventId = requested.EventId,
            Details = StringPayloads(ActivityNotStarted),
            Identity = identity ?? string.Empty,
        }));
        return true;
    }
}
