using Google.Protobuf;
using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using WarehouseOms.TemporalDevServer.Store;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>A standalone activity's attempt waiting in an activity task queue; stale once the activity's stamp moved on.</summary>
internal sealed record StandaloneActivityTaskItem(StandaloneActivity Activity, int Stamp) : WorkItem;

/// <summary>
/// Standalone activity executions (ADR 0051): activities a client starts by ID, with no workflow, as Temporal runs them
/// on its CHASM engine (chasm/lib/activity): the same task queues and worker calls as a workflow's activities, their
/// own ID space, retry and timeout rules, cancel, terminate, delete, a long poll for the outcome, and visibility.
/// </summary>
internal sealed partial class WorkflowEngine
{
    // callback.maxPerExecution and chasm.maxLinksPerComponent, as the real server's defaults.
    private const int MaxActivityCallbacks = 2000;
    private const int MaxActivityLinks = 2000;
    private const int MaxActivityPageSize = 1000;

    // The long poll's budget without a caller deadline (activity.longPollTimeout) and what it leaves of one (activity.longPollBuffer).
    private static readonly TimeSpan ActivityLongPoll = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ActivityLongPollBuffer = TimeSpan.FromSeconds(1);

    private readonly Dictionary<(string Namespace, string ActivityId), List<StandaloneActivity>> activityRuns = [];
    private readonly Dictionary<(string Namespace, string RunId), StandaloneActivity> activitiesByRun = [];
    private readonly HashSet<StandaloneActivity> dirtyActivities = [];
    private readonly HashSet<StandaloneActivity> openActivities = [];

    // ---- start ----

    public StartActivityExecutionResponse StartActivityExecution(StartActivityExecutionRequest request)
    {
        var (timeouts, retry, startDelay) = ValidateStart(request, limits.BlobSizeError);
        var requestId = string.IsNullOrEmpty(request.RequestId) ? Guid.NewGuid().ToString() : request.RequestId;
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            RequireValidSearchAttributes(ns, request.SearchAttributes);
            if (CurrentActivity(ns, request.ActivityId) is { } current)
            {
                if (current.RequestIds.Contains(requestId))
                {
                    return StartAnswer(current, started: false); // a retried request, answered with the run it made
                }

                if (current.IsOpen)
                {
                    if (request.IdConflictPolicy != ActivityIdConflictPolicy.UseExisting)
                    {
                        throw ActivityAlreadyStarted(current);
                    }

                    AttachOnConflict(current, request, requestId);
                    return StartAnswer(current, started: false);
                }

                if (request.IdReusePolicy == ActivityIdReusePolicy.RejectDuplicate ||
                    (request.IdReusePolicy == ActivityIdReusePolicy.AllowDuplicateFailedOnly && current.Status == ActivityExecutionStatus.Completed))
                {
                    throw ActivityAlreadyStarted(current);
                }
            }

            var now = Clock.Now;
            var activity = new StandaloneActivity
            {
                Namespace = ns,
                ActivityId = request.ActivityId,
                RunId = Guid.NewGuid().ToString(),
                ActivityType = request.ActivityType.Name,
                TaskQueue = request.TaskQueue.Name,
                ScheduleTime = now,
                StartDelay = startDelay,
                ScheduleToClose = timeouts.ScheduleToClose,
                ScheduleToStart = timeouts.ScheduleToStart,
                StartToClose = timeouts.StartToClose,
                Heartbeat = timeouts.Heartbeat,
                RetryPolicy = retry,
                Input = request.Input,
                Header = request.Header,
                UserMetadata = request.UserMetadata,
                Priority = request.Priority,
                SearchAttributes = request.SearchAttributes,
                Identity = request.Identity ?? string.Empty,
                RequestIds = [requestId],
                Links = [.. request.Links], // kept whole: Temporal dedupes callback links for workflow starts only
                Callbacks = [.. request.CompletionCallbacks],
                CallbackTimes = [.. request.CompletionCallbacks.Select(_ => now)],
                AttemptScheduledTime = now + startDelay,
            };
            AddActivityRun(activity);
            ActivityChanged(activity);
            ArmActivityRun(activity);
            return StartAnswer(activity, started: true);
        }
    }

    private static StartActivityExecutionResponse StartAnswer(StandaloneActivity activity, bool started) => new()
    {
        RunId = activity.RunId,
        Started = started,
        Link = new Link { Activity = new Link.Types.Activity { Namespace = activity.Namespace, ActivityId = activity.ActivityId, RunId = activity.RunId } },
    };

    private static global::Grpc.Core.RpcException ActivityAlreadyStarted(StandaloneActivity current) =>
        Errors.ActivityAlreadyStarted(current.RunId, current.RequestIds[0]);

    /// <summary>USE_EXISTING with on-conflict options: the request's ID, callbacks and links join the running activity.</summary>
    private void AttachOnConflict(StandaloneActivity current, StartActivityExecutionRequest request, string requestId)
    {
        if (request.OnConflictOptions is not { } options)
        {
            return;
        }

        if (options.AttachCompletionCallbacks && request.CompletionCallbacks.Count > 0)
        {
            if (current.Callbacks.Count + request.CompletionCallbacks.Count > MaxActivityCallbacks)
            {
                throw Errors.FailedPrecondition(
                    $"cannot attach more than {MaxActivityCallbacks} callbacks to an activity ({current.Callbacks.Count} callbacks already attached)");
            }

            current.Callbacks.AddRange(request.CompletionCallbacks);
            current.CallbackTimes.AddRange(request.CompletionCallbacks.Select(_ => Clock.Now));
        }

        if (options.AttachLinks && request.Links.Count > 0)
        {
            if (current.Links.Count + request.Links.Count > MaxActivityLinks)
            {
                throw Errors.FailedPrecondition($"cannot attach more than {MaxActivityLinks} links to an activity ({current.Links.Count} links already attached)");
            }

            current.Links.AddRange(request.Links);
        }

        if (options.AttachRequestId)
        {
            current.RequestIds.Add(requestId);
        }

        ActivityChanged(current);
    }

    // ---- indexes and persistence ----

    private StandaloneActivity? CurrentActivity(string ns, string activityId) =>
        activityRuns.TryGetValue((ns, activityId), out var runs) && runs.Count > 0 ? runs[^1] : null;

    /// <summary>The run a call names (the current one for an empty run ID): NOT_FOUND as Temporal words it otherwise.</summary>
    private StandaloneActivity FindActivity(string requestedNamespace, string activityId, string? runId)
    {
        var ns = Ns(requestedNamespace);
        var found = string.IsNullOrEmpty(runId)
            ? CurrentActivity(ns, activityId)
            : activitiesByRun.GetValueOrDefault((ns, runId)) is { } run && run.ActivityId == activityId ? run : null;
        return found ?? throw Errors.NotFound($"activity not found for ID: {activityId}");
    }

    private void AddActivityRun(StandaloneActivity activity)
    {
        var key = (activity.Namespace, activity.ActivityId);
        if (!activityRuns.TryGetValue(key, out var runs))
        {
            runs = [];
            activityRuns[key] = runs;
        }

        runs.Add(activity);
        activitiesByRun[(activity.Namespace, activity.RunId)] = activity;
        if (activity.IsOpen)
        {
            openActivities.Add(activity);
        }
    }

    /// <summary>Every change goes through here: counted, seen by long polls, and written by the committer.</summary>
    private void ActivityChanged(StandaloneActivity activity)
    {
        activity.NotifyChanged();
        if (store.IsDurable)
        {
            dirtyActivities.Add(activity);
            changeSeq++;
        }
    }

    // Under the lock, for the committer.
    private List<StandaloneActivityChange> TakeDirtyActivities()
    {
        var changes = dirtyActivities
            .Select(a => new StandaloneActivityChange(a.Namespace, a.ActivityId, a.RunId, a.CloseTime, a.Deleted ? null : a.ToBytes()))
            .ToList();
        dirtyActivities.Clear();
        return changes;
    }

    private async Task RestoreStandaloneActivitiesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadStandaloneActivitiesAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            rehydrating = true;
            try
            {
                foreach (var activity in stored.Select(StandaloneActivity.FromBytes).OrderBy(a => a.ScheduleTime))
                {
                    namespaces.Ensure(activity.Namespace);
                    AddActivityRun(activity);
                    if (activity.IsOpen)
                    {
                        RearmActivityRun(activity);
                    }
                }
            }
            finally
            {
                rehydrating = false;
            }
        }
    }

    /// <summary>
    /// After a restart: an attempt a worker held when the process died is not guessed at; it ends by its own
    /// start-to-close or heartbeat timeout and is retried by its policy, as Temporal's timers would do.
    /// </summary>
    private void RearmActivityRun(StandaloneActivity activity)
    {
        ArmActivityScheduleToClose(activity);
        if (activity.AttemptRunning)
        {
            ArmActivityAttemptTimers(activity);
        }
        else
        {
            ArmActivityDispatch(activity);
        }
    }

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
            activity.AttemptTimers.Add(ScheduleTask(activity.AttemptScheduledTime, () =>
            {
                if (activity.IsOpen && !activity.Deleted && activity.Stamp == stamp && !activity.AttemptRunning)
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
            activity.AttemptTimers.Add(ScheduleTask(due, () =>
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
            activity.ScheduleToCloseTimer = ScheduleTask(deadline, () =>
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
            activity.AttemptTimers.Add(ScheduleTask(started + activity.StartToClose, () => ActivityAttemptTimedOut(activity, stamp, TimeoutType.StartToClose)));
        }

        ArmActivityHeartbeat(activity);
    }

    private void ArmActivityHeartbeat(StandaloneActivity activity)
    {
        activity.HeartbeatTimer?.Cancel();
        activity.HeartbeatTimer = null;
        if (activity.Heartbeat > TimeSpan.Zero && activity.StartedTime is { } started)
        {
            var stamp = activity.Stamp;
            var from = activity.LastHeartbeatTime is { } beat && beat > started ? beat : started;
            activity.HeartbeatTimer = ScheduleTask(from + activity.Heartbeat, () => ActivityAttemptTimedOut(activity, stamp, TimeoutType.Heartbeat));
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
        if (!a.IsOpen || a.Deleted || a.Stamp != item.Stamp || a.AttemptRunning)
        {
            return null;
        }

        a.CancelAttemptTimers();
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

    /// <summary>Temporal's retry rules for a failed or timed-out attempt: another attempt after the backoff, or the end.</summary>
    private void FailActivityAttempt(StandaloneActivity activity, Failure failure, TimeoutType? timeout)
    {
        var now = Clock.Now; // one reading: the next attempt's time is exactly this attempt's end plus the interval
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
            activity.CancelAttemptTimers();
            activity.LastFailure = failure;
            activity.AttemptRunning = false;
            activity.LastAttemptCompleteTime = now;
            activity.CurrentRetryInterval = wait;
            activity.Attempt++;
            activity.Stamp++;
            activity.AttemptScheduledTime = now + wait;
            ActivityChanged(activity);
            ArmActivityDispatch(activity);
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
        activity.CancelAllTimers();
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
        return new HeartbeatAnswer(activity.CancelRequest is not null, Paused: false, Reset: false);
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

    // ---- client calls ----

    public void RequestCancelActivityExecution(RequestCancelActivityExecutionRequest request)
    {
        RequireRef(request.ActivityId, request.RunId);
        RequireChangeRequest(request.RequestId, request.Identity, request.Reason, limits.BlobSizeError);
        var requestId = string.IsNullOrEmpty(request.RequestId) ? Guid.NewGuid().ToString() : request.RequestId;
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.CancelRequest?.RequestId == requestId)
            {
                return;
            }

            if (!activity.IsOpen)
            {
                throw Errors.FailedPrecondition($"activity is in terminal state {activity.Status}");
            }

            if (activity.CancelRequest is { } earlier)
            {
                throw Errors.FailedPrecondition($"cancellation already requested with request ID {earlier.RequestId}");
            }

            activity.CancelRequest = new ActivityCancelRequest(requestId, request.Reason ?? string.Empty, request.Identity ?? string.Empty, Clock.Now);
            if (activity.AttemptRunning)
            {
                ActivityChanged(activity); // the worker hears of it from its next heartbeat
                return;
            }

            var reason = new Payloads();
            reason.Payloads_.Add(SearchAttributeRegistry.JsonPayload(request.Reason ?? string.Empty, type: null));
            CloseActivity(activity, ActivityExecutionStatus.Canceled, CanceledFailure(reason, request.Identity));
        }
    }

    public void TerminateActivityExecution(TerminateActivityExecutionRequest request)
    {
        RequireRef(request.ActivityId, request.RunId);
        RequireChangeRequest(request.RequestId, request.Identity, request.Reason, limits.BlobSizeError);
        var requestId = string.IsNullOrEmpty(request.RequestId) ? Guid.NewGuid().ToString() : request.RequestId;
        using (gate.Enter())
        {
            TerminateActivity(FindActivity(request.Namespace, request.ActivityId, request.RunId), requestId, request.Reason ?? string.Empty, request.Identity);
        }
    }

    private void TerminateActivity(StandaloneActivity activity, string requestId, string reason, string? identity)
    {
        if (activity.Status == ActivityExecutionStatus.Terminated)
        {
            if (activity.TerminateRequestId == requestId)
            {
                return;
            }

            throw Errors.FailedPrecondition($"already terminated with request ID {activity.TerminateRequestId}");
        }

        if (!activity.IsOpen)
        {
            throw Errors.FailedPrecondition($"invalid transition from {activity.Status}");
        }

        activity.TerminateRequestId = requestId;
        CloseActivity(activity, ActivityExecutionStatus.Terminated,
            new Failure { Message = reason, TerminatedFailureInfo = new TerminatedFailureInfo { Identity = identity ?? string.Empty } });
    }

    public void DeleteActivityExecution(DeleteActivityExecutionRequest request)
    {
        RequireRef(request.ActivityId, request.RunId);
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.IsOpen)
            {
                TerminateActivity(activity, Guid.NewGuid().ToString(), "Delete activity execution", HistoryServiceIdentity);
            }

            PurgeActivity(activity);
        }
    }

    private void PurgeActivity(StandaloneActivity activity)
    {
        activity.CancelAllTimers();
        activity.Deleted = true;
        openActivities.Remove(activity);
        activitiesByRun.Remove((activity.Namespace, activity.RunId));
        var key = (activity.Namespace, activity.ActivityId);
        if (activityRuns.TryGetValue(key, out var runs) && runs.Remove(activity) && runs.Count == 0)
        {
            activityRuns.Remove(key);
        }

        ActivityChanged(activity);
    }

    /// <summary>Retention: closed activities past their namespace's retention are forgotten (memory and store).</summary>
    private void SweepStandaloneActivities(DateTime now)
    {
        foreach (var activity in activitiesByRun.Values.Where(a => a.CloseTime is { } closed && closed < now - RetentionOf(a.Namespace)).ToList())
        {
            PurgeActivity(activity);
        }
    }

    /// <summary>DeleteNamespace: the namespace's activities end (the store drops their rows with the namespace's).</summary>
    private void RemoveStandaloneActivitiesOf(string ns)
    {
        foreach (var activity in activitiesByRun.Values.Where(a => a.Namespace == ns).ToList())
        {
            activity.CancelAllTimers();
            activity.Deleted = true;
            openActivities.Remove(activity);
            activitiesByRun.Remove((ns, activity.RunId));
            activityRuns.Remove((ns, activity.ActivityId));
            activity.NotifyChanged();
        }
    }

    // ---- the outcome and the description ----

    /// <summary>
    /// Waits for the run to close (the current run for an empty run ID) and returns its outcome; an empty answer when
    /// the wait ends first (60 s, or a second before the caller's deadline), which tells the client to poll again.
    /// </summary>
    public Task<PollActivityExecutionResponse> PollActivityExecutionAsync(PollActivityExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequireRef(request.ActivityId, request.RunId);
        return WaitForActivityAsync(request.Namespace, request.ActivityId, request.RunId, deadline, ct,
            activity => activity.IsOpen ? null : new PollActivityExecutionResponse { RunId = activity.RunId, Outcome = OutcomeOf(activity) });
    }

    /// <summary>
    /// The answer <paramref name="ready"/> gives for the run (null: not yet), looked at again after each change of it,
    /// until the long poll's budget ends (60 s, or a second before the caller's deadline); then an empty answer.
    /// </summary>
    private async Task<T> WaitForActivityAsync<T>(string ns, string activityId, string? runId, DateTime? deadline, CancellationToken ct,
        Func<StandaloneActivity, T?> ready)
        where T : class, IMessage, new()
    {
        var until = DateTime.UtcNow + ActivityWaitBudget(deadline);
        while (true)
        {
            Task changed;
            using (gate.Enter())
            {
                var activity = FindActivity(ns, activityId, runId);
                if (ready(activity) is { } answer)
                {
                    return answer;
                }

                changed = activity.Changed;
            }

            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return new T();
            }

            await Waits.CompletionOrTimeoutAsync(changed, left, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private static TimeSpan ActivityWaitBudget(DateTime? deadline)
    {
        if (deadline is { } d && d - DateTime.UtcNow - ActivityLongPollBuffer is var left && left < ActivityLongPoll)
        {
            return left < TimeSpan.Zero ? TimeSpan.Zero : left;
        }

        return ActivityLongPoll;
    }

    private static ActivityExecutionOutcome OutcomeOf(StandaloneActivity activity) =>
        activity.Status == ActivityExecutionStatus.Completed
            ? new ActivityExecutionOutcome { Result = activity.Result ?? new Payloads() }
            : new ActivityExecutionOutcome
            {
                Failure = activity.Failure ?? activity.LastFailure ?? new Failure { Message = "activity failed" },
                RetryState = activity.Status is ActivityExecutionStatus.Canceled or ActivityExecutionStatus.Terminated ? RetryState.Unspecified : activity.RetryState,
            };

    /// <summary>
    /// The run as Temporal describes it. With a long-poll token (from an earlier answer), waits for a change after it
    /// first; an empty answer when none came in the wait.
    /// </summary>
    public Task<DescribeActivityExecutionResponse> DescribeActivityExecutionAsync(DescribeActivityExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequireRef(request.ActivityId, request.RunId);
        var awaited = request.LongPollToken.IsEmpty ? (long?)null : LongPollTransition(request);
        return WaitForActivityAsync(request.Namespace, request.ActivityId, request.RunId, deadline, ct,
            activity => awaited is not { } seen || activity.StateTransitionCount != seen || activity.Deleted ? Describe(activity, request) : null);
    }

    private static long LongPollTransition(DescribeActivityExecutionRequest request)
    {
        if (string.IsNullOrEmpty(request.RunId))
        {
            throw Errors.InvalidArgument("run id is required when long poll token is provided");
        }

        var parts = request.LongPollToken.ToStringUtf8().Split('\u001f');
        if (parts.Length != 2 || !long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            throw Errors.InvalidArgument("invalid long poll token");
        }

        if (parts[0] != request.RunId)
        {
            throw Errors.InvalidArgument("long poll token does not match execution");
        }

        return count;
    }

    private DescribeActivityExecutionResponse Describe(StandaloneActivity a, DescribeActivityExecutionRequest request)
    {
        var response = new DescribeActivityExecutionResponse
        {
            RunId = a.RunId,
            Info = InfoOf(a, request.IncludeHeartbeatDetails, request.IncludeLastFailure),
            LongPollToken = ByteString.CopyFromUtf8($"{a.RunId}\u001f{a.StateTransitionCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}"),
        };
        if (request.IncludeInput)
        {
            response.Input = a.Input;
        }

        if (request.IncludeOutcome && !a.IsOpen)
        {
            response.Outcome = OutcomeOf(a);
        }

        for (var i = 0; i < a.Callbacks.Count; i++)
        {
            response.Callbacks.Add(ActivityCallbackInfo(a, i));
        }

        return response;
    }

    private ActivityExecutionInfo InfoOf(StandaloneActivity a, bool includeHeartbeatDetails, bool includeLastFailure)
    {
        var waiting = a.IsOpen && !a.AttemptRunning && a.AttemptScheduledTime > Clock.Now;
        var info = new ActivityExecutionInfo
        {
            ActivityId = a.ActivityId,
            RunId = a.RunId,
            ActivityType = new ActivityType { Name = a.ActivityType },
            Status = a.Status,
            RunState = a.RunState,
            TaskQueue = a.TaskQueue,
            ScheduleToCloseTimeout = ToDuration(a.ScheduleToClose),
            ScheduleToStartTimeout = ToDuration(a.ScheduleToStart),
            StartToCloseTimeout = ToDuration(a.StartToClose),
            HeartbeatTimeout = ToDuration(a.Heartbeat),
            RetryPolicy = a.RetryPolicy,
            Priority = a.Priority,
            StartDelay = a.StartDelay > TimeSpan.Zero ? ToDuration(a.StartDelay) : null,
            Header = a.Header,
            UserMetadata = a.UserMetadata,
            SearchAttributes = a.SearchAttributes,
            Attempt = a.Attempt,
            LastStartedTime = ToTimestamp(a.StartedTime),
            LastWorkerIdentity = a.WorkerIdentity ?? string.Empty,
            LastAttemptCompleteTime = ToTimestamp(a.LastAttemptCompleteTime),
            LastHeartbeatTime = ToTimestamp(a.LastHeartbeatTime),
            TotalHeartbeatCount = a.TotalHeartbeatCount,
            ScheduleTime = ToTimestamp(a.ScheduleTime),
            ExecutionTime = ToTimestamp(a.ExecutionTime),
            ExpirationTime = ToTimestamp(a.Deadline),
            CloseTime = ToTimestamp(a.CloseTime),
            ExecutionDuration = a.CloseTime is { } closed ? ToDuration(closed - a.ScheduleTime) : null,
            CurrentRetryInterval = waiting && a.CurrentRetryInterval is { } interval ? ToDuration(interval) : null,
            NextAttemptScheduleTime = waiting ? ToTimestamp(a.AttemptScheduledTime) : null,
            CanceledReason = a.CancelRequest?.Reason ?? string.Empty,
            StateTransitionCount = a.StateTransitionCount,
            StateSizeBytes = a.ToBytes().Length,
        };
        info.Links.AddRange(a.Links);
        if (includeHeartbeatDetails)
        {
            info.HeartbeatDetails = a.HeartbeatDetails;
        }

        if (includeLastFailure)
        {
            info.LastFailure = a.LastFailure;
        }

        return info;
    }

    // ---- visibility ----

    public ListActivityExecutionsResponse ListActivityExecutions(ListActivityExecutionsRequest request)
    {
        var pageSize = request.PageSize <= 0 || request.PageSize > MaxActivityPageSize ? MaxActivityPageSize : request.PageSize;
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var query = ActivityQuery(ns, request.Query);
            // Temporal's list order: newest first; the token is the last row's place, so later starts never shift a page.
            var rows = query.Sort(MatchingActivities(ns, query).Select(ActivityVisibilityRecord)).ToList();
            var start = 0;
            if (!request.NextPageToken.IsEmpty)
            {
                var after = request.NextPageToken.ToStringUtf8();
                start = rows.FindIndex(r => r.RunId == after) + 1;
                if (start == 0)
                {
                    throw Errors.InvalidArgument("invalid next page token");
                }
            }

            var response = new ListActivityExecutionsResponse();
            foreach (var row in rows.Skip(start).Take(pageSize))
            {
                response.Executions.Add(ListInfoOf(activitiesByRun[(ns, row.RunId)]));
            }

            if (start + pageSize < rows.Count)
            {
                response.NextPageToken = ByteString.CopyFromUtf8(rows[start + pageSize - 1].RunId);
            }

            return response;
        }
    }

    public CountActivityExecutionsResponse CountActivityExecutions(CountActivityExecutionsRequest request)
    {
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var query = ActivityQuery(ns, request.Query);
            var matching = MatchingActivities(ns, query).ToList();
            var response = new CountActivityExecutionsResponse { Count = matching.Count };
            if (query.GroupBy is not null)
            {
                foreach (var group in matching.GroupBy(a => a.Status).OrderBy(g => g.Key))
                {
                    var aggregation = new CountActivityExecutionsResponse.Types.AggregationGroup { Count = group.Count() };
                    aggregation.GroupValues.Add(SearchAttributeRegistry.JsonPayload(group.Key.ToString(), "Keyword"));
                    response.Groups.Add(aggregation);
                }
            }

            return response;
        }
    }

    private VisibilityQuery ActivityQuery(string ns, string? text) =>
        VisibilityQuery.Parse(text, name => name switch
        {
            "ActivityId" or "ActivityType" => IndexedValueType.Keyword,
            "WorkflowId" or "WorkflowType" => null, // a workflow's fields, not an activity's
            _ => searchAttributes.TypeOf(ns, name),
        });

    private IEnumerable<StandaloneActivity> MatchingActivities(string ns, VisibilityQuery query) =>
        activitiesByRun.Values.Where(a => a.Namespace == ns && !a.Deleted && query.Matches(ActivityVisibilityRecord(a)));

    /// <summary>
    /// The activity as a visibility row the query language reads: its ID and type under their own names (and in the
    /// columns a workflow's use, as Temporal stores them), ExecutionStatus by its name, StartTime = schedule time.
    /// </summary>
    private static Execution ActivityVisibilityRecord(StandaloneActivity a)
    {
        var attributes = a.SearchAttributes?.Clone() ?? new SearchAttributes();
        attributes.IndexedFields["ActivityId"] = SearchAttributeRegistry.JsonPayload(a.ActivityId, "Keyword");
        attributes.IndexedFields["ActivityType"] = SearchAttributeRegistry.JsonPayload(a.ActivityType, "Keyword");
        return new Execution
        {
            Namespace = a.Namespace,
            WorkflowId = a.ActivityId,
            RunId = a.RunId,
            FirstRunId = a.RunId,
            WorkflowType = a.ActivityType,
            TaskQueue = a.TaskQueue,
            StartRequestId = string.Empty,
            StartTime = a.ScheduleTime,
            CloseTime = a.CloseTime,
            Status = VisibilityStatus(a.Status),
            SearchAttributes = attributes,
        };
    }

    // The query language reads ExecutionStatus by name; a workflow's statuses carry the same names.
    private static WorkflowExecutionStatus VisibilityStatus(ActivityExecutionStatus status) => status switch
    {
        ActivityExecutionStatus.Completed => WorkflowExecutionStatus.Completed,
        ActivityExecutionStatus.Failed => WorkflowExecutionStatus.Failed,
        ActivityExecutionStatus.Canceled => WorkflowExecutionStatus.Canceled,
        ActivityExecutionStatus.Terminated => WorkflowExecutionStatus.Terminated,
        ActivityExecutionStatus.TimedOut => WorkflowExecutionStatus.TimedOut,
        ActivityExecutionStatus.Paused => WorkflowExecutionStatus.Paused,
        _ => WorkflowExecutionStatus.Running,
    };

    private static ActivityExecutionListInfo ListInfoOf(StandaloneActivity a) => new()
    {
        ActivityId = a.ActivityId,
        RunId = a.RunId,
        ActivityType = new ActivityType { Name = a.ActivityType },
        ScheduleTime = ToTimestamp(a.ScheduleTime),
        CloseTime = ToTimestamp(a.CloseTime),
        ExecutionDuration = a.CloseTime is { } closed ? ToDuration(closed - a.ScheduleTime) : null,
        Status = a.Status,
        SearchAttributes = a.SearchAttributes,
        TaskQueue = a.TaskQueue,
        StateTransitionCount = a.StateTransitionCount,
        StateSizeBytes = a.ToBytes().Length,
        ExecutionTime = ToTimestamp(a.ExecutionTime),
    };

    // ---- completion callbacks (a Nexus operation that started this activity) ----

    private void DeliverActivityCallbacks(StandaloneActivity activity)
    {
        if (activity.Callbacks.Count == 0)
        {
            return;
        }

        var start = new Link { Activity = new Link.Types.Activity { Namespace = activity.Namespace, ActivityId = activity.ActivityId, RunId = activity.RunId } };
        var completion = activity.Status switch
        {
            ActivityExecutionStatus.Completed => new NexusCompletion(activity.ScheduleTime, start, activity.Result?.Payloads_.FirstOrDefault(), Failure: null, Canceled: false),
            ActivityExecutionStatus.Canceled => new NexusCompletion(activity.ScheduleTime, start, Result: null,
                new Failure { Message = "operation canceled", Cause = activity.Failure, CanceledFailureInfo = new CanceledFailureInfo() }, Canceled: true),
            _ => new NexusCompletion(activity.ScheduleTime, start, Result: null, activity.Failure ?? activity.LastFailure ?? new Failure { Message = "operation failed" }, Canceled: false),
        };
        activity.CallbackOutcomes.Clear();
        foreach (var callback in activity.Callbacks)
        {
            var failure = DeliverCompletionCallback($"activity {Printable(activity.ActivityId)}", completion, callback);
            activity.CallbackOutcomes.Add(new CallbackOutcome(failure is null, failure, Clock.Now));
        }
    }

    private CallbackInfo ActivityCallbackInfo(StandaloneActivity a, int index)
    {
        var outcome = a.CallbackOutcomes.ElementAtOrDefault(index);
        var info = new Temporalio.Api.Callback.V1.CallbackInfo
        {
            Callback = a.Callbacks[index],
            RegistrationTime = ToTimestamp(a.CallbackTimes.ElementAtOrDefault(index) is var at && at != default ? at : a.ScheduleTime),
            State = outcome is null ? CallbackState.Standby : outcome.Succeeded ? CallbackState.Succeeded : CallbackState.Failed,
            Attempt = outcome is null ? 0 : 1,
            LastAttemptCompleteTime = ToTimestamp(outcome?.Time),
        };
        if (outcome is { Succeeded: false, Failure: { } reason })
        {
            info.LastAttemptFailure = new Failure { Message = reason };
        }

        return new CallbackInfo { Trigger = new CallbackInfo.Types.Trigger { ActivityClosed = new CallbackInfo.Types.ActivityClosed() }, Info = info };
    }
}
