using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
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
    // Per namespace, closed runs in close order: the retention sweep stops at the first still within its retention.
    private readonly Dictionary<string, Queue<StandaloneActivity>> closedActivitiesInOrder = [];

    // ---- start ----

    public StartActivityExecutionResponse StartActivityExecution(StartActivityExecutionRequest request)
    {
        var (timeouts, retry, startDelay) = ValidateStart(request, limits.BlobSizeError);
        var requestId = string.IsNullOrEmpty(request.RequestId) ? Guid.NewGuid().ToString() : request.RequestId;
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            RequireValidSearchAttributes(ns, request.SearchAttributes);
            var current = CurrentActivity(ns, request.ActivityId);
            var decision = StandaloneStartConflict.Decide(
                current is null ? null : (current.RequestIds.Contains, current.IsOpen, current.Status == ActivityExecutionStatus.Completed), requestId,
                useExisting: request.IdConflictPolicy == ActivityIdConflictPolicy.UseExisting,
                rejectDuplicate: request.IdReusePolicy == ActivityIdReusePolicy.RejectDuplicate,
                allowDuplicateFailedOnly: request.IdReusePolicy == ActivityIdReusePolicy.AllowDuplicateFailedOnly);
            switch (decision)
            {
                case StandaloneStartDecision.Repeated:
                    return StartAnswer(current!, started: false); // a retried request, answered with the run it made
                case StandaloneStartDecision.AlreadyStarted:
                    throw ActivityAlreadyStarted(current!);
                case StandaloneStartDecision.UseExisting:
                    AttachOnConflict(current!, request, requestId);
                    return StartAnswer(current!, started: false);
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
            activity.OriginalOptions = activity.Options();
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
        Link = ActivityLink(activity),
    };

    /// <summary>Temporal's link to a standalone activity run (the start's answer, a Nexus operation it backs).</summary>
    private static Link ActivityLink(StandaloneActivity activity) =>
        new() { Activity = new Link.Types.Activity { Namespace = activity.Namespace, ActivityId = activity.ActivityId, RunId = activity.RunId } };

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
                var activities = stored.Select(StandaloneActivity.FromBytes).OrderBy(a => a.ScheduleTime).ToList();
                foreach (var activity in activities)
                {
                    namespaces.Ensure(activity.Namespace);
                    AddActivityRun(activity);
                    if (activity.IsOpen)
                    {
                        RearmActivityRun(activity);
                    }
                }

                foreach (var closed in activities.Where(a => !a.IsOpen).OrderBy(a => a.CloseTime))
                {
                    QueueForRetention(closed);
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
    /// start-to-close or heartbeat timeout and is retried by its policy, as Temporal's timers would do. A paused
    /// activity stays held.
    /// </summary>
    private void RearmActivityRun(StandaloneActivity activity)
    {
        ArmActivityScheduleToClose(activity);
        if (activity.AttemptRunning)
        {
            ArmActivityAttemptTimers(activity);
        }
        else if (!activity.Paused)
        {
            ArmActivityDispatch(activity);
        }
    }

    private void QueueForRetention(StandaloneActivity closed)
    {
        if (!closedActivitiesInOrder.TryGetValue(closed.Namespace, out var queue))
        {
            queue = new Queue<StandaloneActivity>();
            closedActivitiesInOrder[closed.Namespace] = queue;
        }

        queue.Enqueue(closed);
    }
}
