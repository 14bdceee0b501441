using Google.Protobuf;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Lightweight work waiting for a poller: the response is built at hand-off, from current state.</summary>
internal abstract record WorkItem;

/// <summary>A task of a workflow run: its workflow tasks, queries, activities and Nexus operations.</summary>
internal abstract record RunWorkItem(Execution Execution) : WorkItem;

internal sealed record WorkflowTaskItem(Execution Execution, long ScheduledEventId, int Attempt, bool Sticky = false) : RunWorkItem(Execution);

internal sealed record ActivityTaskItem(Execution Execution, long ScheduledEventId, int Attempt) : RunWorkItem(Execution);

/// <summary>A query sent straight to a worker; on the sticky queue (<paramref name="Sticky"/>) it carries no history, as in Temporal.</summary>
internal sealed record LegacyQueryItem(Execution Execution, PendingQuery Query, bool Sticky = false) : RunWorkItem(Execution);

/// <summary>A waiting long poll. It is handed an item (or null at shutdown) and builds its answer itself,
/// so a poll whose call was cancelled meanwhile puts the item back instead of losing it.</summary>
internal sealed class Poller(string identity, string? version = null, string? workerInstanceKey = null)
{
    public string Identity { get; } = identity;

    /// <summary>The polling worker's instance key (what ShutdownWorker names to end its polls); null if it sent none.</summary>
    public string? WorkerInstanceKey { get; } = string.IsNullOrEmpty(workerInstanceKey) ? null : workerInstanceKey;

    /// <summary>The worker deployment version ("name.buildId") of a versioned worker's poll; null for an unversioned one.</summary>
    public string? Version { get; } = version;

    public TaskCompletionSource<WorkItem?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed class TaskQueueState
{
    public TaskBacklog Items { get; } = new();

    public LinkedList<Poller> Pollers { get; } = new();

    /// <summary>The queue's worker-deployment route as of <see cref="RouteRevision"/>: dispatch reads it without a lookup.</summary>
    public Deployments.QueueRoute? Route { get; set; }

    public int RouteRevision { get; set; } = -1;

    /// <summary>Activity queues: the rate the last poll asked for (max_tasks_per_second); null if it asked for none.</summary>
    public double? WorkerRate { get; set; }

    /// <summary>Activity queues with a rate set (by the API or a worker): tasks go to pollers no faster than it.</summary>
    public TaskQueueLimits.DispatchRateLimiter? Limiter { get; set; }

    /// <summary>The wake-up that serves the queue when its rate next lets a task go.</summary>
    public TimerHandle? RateWakeup { get; set; }

    /// <summary>DescribeTaskQueue's backlog and rates.</summary>
    public QueueStats.QueueStatistics Stats { get; } = new();
}

internal sealed partial class WorkflowEngine
{
    // Long polls answer before the SDK's own deadline (70 s) with an all-default message = "no task".
    private static readonly TimeSpan MaxPollWait = TimeSpan.FromSeconds(60);

    private bool pollsStopped;
    private int activePolls;
    private TaskCompletionSource? pollsDrained;

    private TaskQueueState Queue(string ns, string name, bool activity)
    {
        var key = (Ns(ns), name, activity);
        if (!queues.TryGetValue(key, out var queue))
        {
            queue = new TaskQueueState();
            queues[key] = queue;
        }

        return queue;
    }

    /// <summary>
    /// Hands an item to a waiting poller, or queues it. Called under the lock. <paramref name="added"/>: a task new to
    /// the queue (counted in its add rate), not one offered again after a routing change or a poll that went away.
    /// </summary>
    private void Dispatch(string ns, string taskQueue, bool activity, WorkItem item, bool added = true)
    {
        taskFloor.ImmediateTask(Clock.Now, gate.Transaction); // Temporal's transfer task for it
        var queue = Queue(ns, taskQueue, activity);
        if (added)
        {
            queue.Stats.Added(PriorityKeyOf(item), Clock.Now);
        }

        if (queue.Limiter is not null)
        {
            // Rate-limited: in order through the queue, as fast as the rate lets tasks go.
            Backlog(queue, item);
            ServeRateLimited(ns, taskQueue, queue);
            return;
        }

        var routed = RoutedVersion(ns, taskQueue, activity, queue, item);
        for (var node = queue.Pollers.First; node is not null;)
        {
            var next = node.Next;
            if (Accepts(node.Value.Version, routed))
            {
                queue.Pollers.Remove(node);
                if (node.Value.Completion.TrySetResult(item))
                {
                    return;
                }
            }

            node = next;
        }

        Backlog(queue, item);
    }

    // Under the lock: the item waits in the queue's backlog, at its priority.
    private void Backlog(TaskQueueState queue, WorkItem item)
    {
        var key = PriorityKeyOf(item);
        queue.Items.Add(item, key, Clock.Now);
        queue.Stats.Backlogged(key);
    }

    /// <summary>
    /// The priority key a task waits by, as Temporal's history hands it to matching: a workflow task and a query by
    /// the run's priority, an activity by its own merged over the run's.
    /// </summary>
    private static int PriorityKeyOf(WorkItem item) => Priorities.DispatchKey(item switch
    {
        ActivityTaskItem a when a.Execution.Activities.TryGetValue(a.ScheduledEventId, out var activity) =>
            Priorities.Merge(a.Execution.Priority, activity.Attributes.Priority),
        StandaloneActivityTaskItem s => s.Activity.Priority,
        RunWorkItem run => run.Execution.Priority,
        _ => null,
    });

    /// <summary>
    /// The version a task must go to, as Temporal's matching places it: a PINNED run's tasks to its version
    /// (its activities too, when that version polls their queue); any other run's to the version its task
    /// queue routes its workflow ID to (current, or ramping for the ramp's share).
    /// <see cref="Deployments.WorkerDeploymentVersionId.Unversioned"/>: unversioned pollers only. Null: any
    /// poller, with no lookup while no deployment routes a queue and the run is not pinned.
    /// </summary>
    private string? RoutedVersion(string ns, string taskQueue, bool activity, TaskQueueState queue, WorkItem item)
    {
        if (item is WorkflowTaskItem { Sticky: true })
        {
            return null; // the worker that has the run cached (ScheduleWorkflowTask leaves a run that must move off it)
        }

        if (item is not RunWorkItem { Execution: var execution })
        {
            // A standalone activity: routed by its activity ID, as Temporal's matching routes a task by its business ID.
            return item is StandaloneActivityTaskItem s ? RouteOf(queue, ns, taskQueue, activity)?.TargetFor(s.Activity.ActivityId, useRamping: false) : null;
        }

        if (execution.PinnedVersion is { } pinned &&
            (!activity || workerDeployments.VersionPolls(Ns(ns), pinned, taskQueue, TaskQueueType.Activity)))
        {
            return pinned;
        }

        return RouteOf(queue, ns, taskQueue, activity)?.TargetFor(execution.WorkflowId, useRamping: !activity && UsesRampingVersion(execution));
    }

    /// <summary>The queue's route, looked up again only after the deployments changed; none while no versioned worker has polled.</summary>
    private Deployments.QueueRoute? RouteOf(TaskQueueState queue, string ns, string taskQueue, bool activity)
    {
        if (!workerDeployments.HasRoutes)
        {
            return null;
        }

        if (queue.RouteRevision != workerDeployments.Revision)
        {
            queue.Route = workerDeployments.RouteOf(Ns(ns), taskQueue, activity ? TaskQueueType.Activity : TaskQueueType.Workflow);
            queue.RouteRevision = workerDeployments.Revision;
        }

        return queue.Route;
    }

    private static bool Accepts(string? pollerVersion, string? routed) =>
        routed is null || (routed == Deployments.WorkerDeploymentVersionId.Unversioned ? pollerVersion is null : pollerVersion == routed);

    /// <summary>
    /// As Temporal reschedules a run's tasks when its version or behavior changes: its queued activity tasks (and,
    /// with <paramref name="workflowQueue"/>, its workflow task queue) are offered again to the pollers now entitled to them.
    /// </summary>
    private void RedispatchRunTasks(Execution execution, bool workflowQueue)
    {
        var taskQueues = execution.Activities.Values
            .Where(a => a.Phase == ActivityPhase.Scheduled)
            .Select(a => (a.Attributes.TaskQueue.Name, Activity: true));
        RedispatchQueued(execution.Namespace, (workflowQueue ? taskQueues.Append((execution.TaskQueue, false)) : taskQueues).Distinct().ToList());
    }

    /// <summary>After a routing change: queued tasks of the deployment's queues are offered again, to the pollers now entitled to them.</summary>
    private void RedispatchQueued(string ns, IEnumerable<(string Name, bool Activity)> taskQueues)
    {
        foreach (var (name, activity) in taskQueues)
        {
            if (queues.TryGetValue((ns, name, activity), out var queue) && queue.Items.Count > 0)
            {
                foreach (var item in queue.Items.TakeAll())
                {
                    Dispatch(ns, name, activity, item, added: false);
                }
            }
        }
    }

    private IMessage? Build(WorkItem item, string identity, Temporalio.Api.Common.V1.WorkerVersionStamp? stamp, string? version) => item switch
    {
        WorkflowTaskItem wft => BuildWorkflowTask(wft, identity, stamp, version),
        LegacyQueryItem query => BuildLegacyQuery(query),
        ActivityTaskItem activity => BuildActivityTask(activity, identity, version),
        StandaloneActivityTaskItem standalone => BuildStandaloneActivityTask(standalone, identity),
        _ => null,
    };

    private async Task<T> PollAsync<T>(string ns, string taskQueue, bool activity, string identity, DateTime? deadline, CancellationToken ct,
        Temporalio.Api.Common.V1.WorkerVersionStamp? stamp = null, string? version = null, string? workerInstanceKey = null, double? workerRate = null)
        where T : class, IMessage, new()
    {
        var until = PollUntil(deadline);
        using (gate.Enter())
        {
            if (pollsStopped)
            {
                return new T();
            }

            activePolls++;
            if (activity)
            {
                RecordWorkerRate(ns, taskQueue, workerRate);
            }
        }

        try
        {
            while (true)
            {
                Poller poller;
                using (gate.Enter())
                {
                    var queue = Queue(ns, taskQueue, activity);
                    if (queue.Limiter is null && TakeQueued<T>(ns, taskQueue, activity, queue, identity, stamp, version) is { } ready)
                    {
                        return ready;
                    }

                    poller = new Poller(identity, version, workerInstanceKey);
                    queue.Pollers.AddLast(poller);
                    if (queue.Limiter is not null)
                    {
                        ServeRateLimited(ns, taskQueue, queue);
                    }
                }

                await Waits.CompletionOrTimeoutAsync(poller.Completion.Task, until - DateTime.UtcNow, ct).ConfigureAwait(false);
                using (gate.Enter())
                {
                    if (!poller.Completion.Task.IsCompletedSuccessfully)
                    {
                        poller.Completion.TrySetCanceled(CancellationToken.None);
                        Queue(ns, taskQueue, activity).Pollers.Remove(poller);
                        return new T();
                    }

                    if (poller.Completion.Task.Result is not { } handed)
                    {
                        return new T(); // shutting down
                    }

                    if (ct.IsCancellationRequested || pollsStopped)
                    {
                        // The caller is gone: the task goes to the next poller, not into a timeout.
                        Dispatch(ns, taskQueue, activity, handed, added: false);
                        return new T();
                    }

                    if (Build(handed, identity, stamp, version) is T ready)
                    {
                        Queue(ns, taskQueue, activity).Stats.Dispatched(PriorityKeyOf(handed), Clock.Now);
                        return ready;
                    }
                }

                // A stale item (the task moved on meanwhile): keep waiting for the rest of the poll.
                if (until <= DateTime.UtcNow)
                {
                    return new T();
                }
            }
        }
        finally
        {
            using (gate.Enter())
            {
                if (--activePolls == 0)
                {
                    pollsDrained?.TrySetResult();
                }
            }
        }
    }

    /// <summary>When a long poll answers "no task": after <see cref="MaxPollWait"/>, or a second before the caller's deadline.</summary>
    private static DateTime PollUntil(DateTime? deadline)
    {
        var wait = MaxPollWait;
        if (deadline is { } d && d - DateTime.UtcNow - TimeSpan.FromSeconds(1) is var untilDeadline && untilDeadline < wait)
        {
            wait = untilDeadline < TimeSpan.Zero ? TimeSpan.Zero : untilDeadline;
        }

        return DateTime.UtcNow + wait;
    }

    // Under the lock: the first queued item a poller of this version may take, out of the backlog; the rest keep their places.
    private WorkItem? TakeFor(string ns, string taskQueue, bool activity, TaskQueueState queue, string? version) =>
        queue.Items.TakeFirst(item => Accepts(version, RoutedVersion(ns, taskQueue, activity, queue, item)));

    /// <summary>The first queued item this poller may take (routing by deployment version), in backlog order; the others keep their places.</summary>
    private T? TakeQueued<T>(string ns, string taskQueue, bool activity, TaskQueueState queue, string identity,
        Temporalio.Api.Common.V1.WorkerVersionStamp? stamp, string? version)
        where T : class, IMessage, new()
    {
        T? ready = null;
        while (ready is null && TakeFor(ns, taskQueue, activity, queue, version) is { } item)
        {
            ready = Build(item, identity, stamp, version) as T; // null: a stale item (the task moved on), dropped
            if (ready is not null)
            {
                queue.Stats.Dispatched(PriorityKeyOf(item), Clock.Now);
            }
        }

        return ready;
    }

    /// <summary>Shutdown: waiting polls answer "no task" at once and new ones are not taken; completes when none runs.</summary>
    public Task DrainPollsAsync()
    {
        using (gate.Enter())
        {
            CancelPolls();
            if (activePolls == 0)
            {
                return Task.CompletedTask;
            }

            pollsDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return pollsDrained.Task;
        }
    }

    /// <summary>Takes the items <paramref name="which"/> selects out of a workflow task queue, in one pass (none: a poller has them, or the queue is gone).</summary>
    private List<WorkItem> TakeOut(string ns, string taskQueue, Func<WorkItem, bool> which)
    {
        return queues.TryGetValue((Ns(ns), taskQueue, false), out var queue) ? queue.Items.TakeAll(which) : [];
    }

    /// <summary>Ends the waiting polls of a queue that <paramref name="which"/> selects ("no task"); they are not taken back.</summary>
    private void EndPolls(string ns, string taskQueue, bool activity, Func<Poller, bool> which)
    {
        if (queues.TryGetValue((Ns(ns), taskQueue, activity), out var queue))
        {
            EndPollers(queue, which);
        }
    }

    /// <summary>Under the lock: the queue's waiting polls that <paramref name="which"/> selects answer "no task".</summary>
    private static void EndPollers(TaskQueueState queue, Func<Poller, bool> which)
    {
        for (var node = queue.Pollers.First; node is not null;)
        {
            var next = node.Next;
            if (which(node.Value))
            {
                queue.Pollers.Remove(node);
                node.Value.Completion.TrySetResult(null);
            }

            node = next;
        }
    }

    private void CancelPolls()
    {
        using (gate.Enter())
        {
            pollsStopped = true;
            foreach (var queue in queues.Values)
            {
                while (queue.Pollers.First is { } first)
                {
                    queue.Pollers.RemoveFirst();
                    first.Value.Completion.TrySetResult(null);
                }
            }

            CancelNexusPolls();
        }
    }
}
