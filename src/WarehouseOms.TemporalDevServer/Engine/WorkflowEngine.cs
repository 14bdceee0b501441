using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using WarehouseOms.TemporalDevServer.Store;

using WarehouseOms.TemporalDevServer.Engine.Workers;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// All execution state behind one lock (a single owner of the state, serialising every change): it
/// removes a whole class of ordering and deadlock bugs between executions, children and task queues,
/// and is fast enough for tests. Long polls wait outside the lock.
/// </summary>
internal sealed partial class WorkflowEngine : IDisposable
{
    /// <summary>The identity Temporal records on what its history service does by itself.</summary>
    private const string HistoryServiceIdentity = "history-service";

    private readonly EngineGate gate = new();
    private readonly Dictionary<(string Namespace, string WorkflowId), List<Execution>> runsById = [];
    private readonly Dictionary<string, Execution> runsByRunId = [];
    private readonly HashSet<Execution> open = [];
    private readonly Dictionary<(string Namespace, string Name, bool Activity), TaskQueueState> queues = [];
    private readonly ILogger? logger;
    private readonly NamespaceRegistry namespaces;
    private readonly IEngineStore store;
    private readonly TimeSpan namespaceMinRetention;
    private readonly TimeSpan namespaceDeleteDelay;
    private readonly HashSet<string> protectedNamespaces;
    private readonly SemaphoreSlim namespaceChange = new(1, 1);
    private readonly ScheduledTaskFloor taskFloor;
    private bool rehydrating; // re-arming stored runs at start-up: their tasks keep their stored times
    private readonly Dictionary<string, TimerHandle> purgeTimers = [];

    // Counts namespace deletions: a read-back that began before one is not admitted after it.
    private long namespaceRemovals;
    private readonly TemporalDevServerLimits limits;
    private readonly bool stickyQueues;
    private readonly bool eagerActivities;
    private readonly int readBackFilterMinimum;
    private readonly bool cancelPollsOnShutdown;
    private readonly bool signalWithStartFromWorkflow;
    private readonly bool standaloneActivityOperatorCommands;
    private readonly bool standaloneNexusOperations;
    private readonly bool workflowPause;
    private readonly bool updateCallbacks;
    private readonly TimeSpan continueAsNewMinimalInterval;
    private readonly IReadOnlyDictionary<string, IndexedValueType> startupSearchAttributes;
    private int clientLocks;
    private long nextOrdinal;

    public WorkflowEngine(TemporalDevServerOptions options, ILogger? logger = null)
        : this(options, new InMemoryEngineStore(), logger)
    {
    }

    /// <summary>The cluster this engine is (GetClusterInfo, ListClusters).</summary>
    public Cluster Cluster { get; }

    public WorkflowEngine(TemporalDevServerOptions options, IEngineStore store, ILogger? logger = null)
    {
        this.store = store;
        Cluster = Cluster.For(store);
        limits = options.Limits;
        Batcher = options.Batcher;
        WorkerHeartbeatsEnabled = options.WorkerHeartbeats;
        workers = new WorkerRegistry(options.WorkerRegistryTtl, options.WorkerRegistryMaxEntries);
        stickyQueues = options.StickyTaskQueues;
        eagerActivities = options.ActivityEagerExecution;
        readBackFilterMinimum = options.ReadBackFilterMinimumCapacity;
        cancelPollsOnShutdown = options.CancelWorkerPollsOnShutdown;
        signalWithStartFromWorkflow = options.SignalWithStartFromWorkflow;
        standaloneActivityOperatorCommands = options.StandaloneActivityOperatorCommands;
        standaloneNexusOperations = options.StandaloneNexusOperations;
        workflowPause = options.WorkflowPause;
        updateCallbacks = options.UpdateCallbacks;
        continueAsNewMinimalInterval = options.ContinueAsNewMinimalInterval;
        startupSearchAttributes = options.SearchAttributes;
        DefaultNamespace = options.Namespace;
        // Like the Temporal CLI dev server: "default" always exists, plus the one asked for.
        namespaces = new NamespaceRegistry(options.Retention);
        namespaces.Ensure("default");
        namespaces.Ensure(options.Namespace);
        namespaceMinRetention = options.NamespaceMinRetention;
        namespaceDeleteDelay = options.NamespaceDeleteDelay;
        protectedNamespaces = [.. options.ProtectedNamespaces];
        this.logger = logger;
        clientLocks = options.TimeSkipping && options.StartLocked ? 1 : 0;
        workerDeployments = new(HasOpenPinnedRun, HasBacklogFor);
        // Starts its thread: everything it may reach is set before.
        Clock = new Clock(gate, options.TimeSkipping, IsIdle, ex => logger?.LogError(ex, "A timer of the engine failed; the clock goes on"));
        taskFloor = new ScheduledTaskFloor(options.TimeSkipping ? TimeSpan.Zero : options.TimerMaxTimeShift, Clock.Now);
    }

    public string DefaultNamespace { get; }

    public Clock Clock { get; }

    public WorkflowTaskStatistics Stats { get; } = new();

    private Timestamp Now => Timestamp.FromDateTime(Clock.Now);


    public string StoreDescription => store.Description;

    public void Dispose()
    {
        CancelPolls();
        Clock.Dispose();
        commitWake.Dispose();
        faulted.Dispose();
    }

    // Time may skip only when nothing is in the hands (or queues) of workers and no client holds a lock.
    private bool IsIdle()
    {
        if (clientLocks > 0)
        {
            return false;
        }

        foreach (var execution in open)
        {
            if (execution.Wft != WorkflowTaskState.None)
            {
                return false;
            }

            foreach (var activity in execution.Activities.Values)
            {
                if (activity.Phase != ActivityPhase.Backoff)
                {
                    return false;
                }
            }
        }

        // A standalone activity queued or held by a worker; one waiting for its start delay or backoff is a timer, a paused one waits for an operator.
        foreach (var activity in openActivities)
        {
            if (activity.AttemptRunning || (!activity.Paused && activity.AttemptScheduledTime <= Clock.Now))
            {
                return false;
            }
        }

        return true;
    }

    // ---- time-skipping locks (test service) ----

    public void LockTimeSkipping()
    {
        using (gate.Enter())
        {
            clientLocks++;
        }
    }

    public void UnlockTimeSkipping()
    {
        using (gate.Enter())
        {
            if (clientLocks > 0)
            {
                clientLocks--;
            }

            Clock.Poke();
        }
    }

    /// <summary>Completes when virtual time has advanced by <paramref name="duration"/>.</summary>
    public Task SleepAsync(TimeSpan duration) => Sleep(duration, unlockWhileSleeping: false);

    /// <summary>
    /// Unlocks time skipping until virtual time has advanced by <paramref name="duration"/>. The lock is
    /// taken back inside the timer callback, so time cannot run past the wake-up to a later timer.
    /// </summary>
    public Task UnlockWithSleepAsync(TimeSpan duration) => Sleep(duration, unlockWhileSleeping: true);

    private Task Sleep(TimeSpan duration, bool unlockWhileSleeping)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (gate.Enter())
        {
            Clock.Schedule(duration, () =>
            {
                if (unlockWhileSleeping)
                {
                    clientLocks++;
                }

                done.TrySetResult();
            });
            if (unlockWhileSleeping && clientLocks > 0)
            {
                clientLocks--;
            }

            Clock.Poke();
        }

        return done.Task;
    }

    // ---- events ----

    // Temporal gives every event a task ID from its shard's sequence, allocated in ranges per shard load, so IDs only
    // grow, with a jump after a restart. Seeded from the start time in milliseconds × 1024: growing from one start to
    // the next unless a process wrote over 1024 events per millisecond of its life, and below 2^53 for JSON readers.
    private long lastEventTaskId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 10;

    /// <summary>
    /// What an event of <paramref name="eventSize"/> bytes adds to the history size: Temporal counts the stored blob of
    /// each batch, a History message whose events each take a field tag and a length prefix besides their own bytes.
    /// </summary>
    internal static int SizeInHistoryBlob(int eventSize) => 1 + Google.Protobuf.CodedOutputStream.ComputeLengthSize(eventSize) + eventSize;

    private HistoryEvent NewEvent(EventType type, Action<HistoryEvent> set)
    {
        var e = new HistoryEvent { EventType = type, EventTime = Now };
        set(e);
        return e;
    }

    private void Append(Execution execution, HistoryEvent e)
    {
        e.EventId = execution.History.Count + 1;
        e.EventTime ??= Now;
        if (e.TaskId == 0)
        {
            // A reset run's copied prefix keeps its IDs: Temporal forks the base run's history branch, events and all.
            e.TaskId = ++lastEventTaskId;
        }
        execution.AddToHistory(e);
        execution.HistorySizeBytes += SizeInHistoryBlob(e.CalculateSize());
        MarkDirty(execution);
        execution.NotifyHistoryChanged();
    }

    /// <summary>An event from outside the workflow's own commands: buffered while a task is started.</summary>
    /// <param name="linkStarted">The event closes an activity whose started event was added just before it:
    /// its StartedEventId is filled on append (the started event may sit in the buffer until then).</param>
    private void AddExternal(Execution execution, HistoryEvent e, bool linkStarted = false, bool scheduleTask = true, bool endStartDelay = false)
    {
        if (!execution.IsOpen)
        {
            return;
        }

        MarkDirty(execution);
        if (execution.Wft == WorkflowTaskState.Started)
        {
            execution.AddToBuffer(new BufferedEvent(e, linkStarted));
        }
        else
        {
            AppendLinked(execution, e, linkStarted);
        }

        if (scheduleTask)
        {
            ScheduleWorkflowTask(execution, endStartDelay);
        }

        EnforceHistoryLimits(execution);
    }

    private bool FlushBuffer(Execution execution)
    {
        var any = execution.Buffer.Count > 0;

        // As Temporal writes a buffered batch: activity, child and Nexus results after everything else (a timer that
        // fired while the task ran comes before an activity result that arrived at the same time), each kept in order.
        foreach (var buffered in execution.Buffer.Where(b => !IsResultEvent(b.Event.EventType)).Concat(execution.Buffer.Where(b => IsResultEvent(b.Event.EventType))))
        {
            AppendLinked(execution, buffered.Event, buffered.LinkStarted);
        }

        execution.ClearBuffer();
        return any;
    }

    private static bool IsResultEvent(EventType type) => type is
        EventType.ActivityTaskCompleted or EventType.ActivityTaskFailed or EventType.ActivityTaskTimedOut or EventType.ActivityTaskCanceled or
        EventType.ChildWorkflowExecutionCompleted or EventType.ChildWorkflowExecutionFailed or EventType.ChildWorkflowExecutionTimedOut or
        EventType.ChildWorkflowExecutionCanceled or EventType.ChildWorkflowExecutionTerminated or
        EventType.NexusOperationCompleted or EventType.NexusOperationFailed or EventType.NexusOperationCanceled or EventType.NexusOperationTimedOut;

    private void AppendLinked(Execution execution, HistoryEvent e, bool linkStarted)
    {
        if (linkStarted)
        {
            SetStartedEventId(execution, e);
        }

        Append(execution, e);
    }

    // An activity's closing event points at its ActivityTaskStarted (written just before it, or earlier in the same
    // buffered batch); a child's close at the ChildWorkflowExecutionStarted event of the same initiated event.
    private static void SetStartedEventId(Execution execution, HistoryEvent e)
    {
        long ChildStarted(long initiatedId) =>
            execution.History.LastOrDefault(h => h.EventType == EventType.ChildWorkflowExecutionStarted &&
                h.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId == initiatedId)?.EventId ?? 0;
        long ActivityStarted(long scheduledId) =>
            execution.History.LastOrDefault(h => h.EventType == EventType.ActivityTaskStarted &&
                h.ActivityTaskStartedEventAttributes.ScheduledEventId == scheduledId)?.EventId ?? 0;

        switch (e.EventType)
        {
            case EventType.ActivityTaskCompleted:
                e.ActivityTaskCompletedEventAttributes.StartedEventId = ActivityStarted(e.ActivityTaskCompletedEventAttributes.ScheduledEventId); break;
            case EventType.ActivityTaskFailed:
                e.ActivityTaskFailedEventAttributes.StartedEventId = ActivityStarted(e.ActivityTaskFailedEventAttributes.ScheduledEventId); break;
            case EventType.ActivityTaskTimedOut:
                e.ActivityTaskTimedOutEventAttributes.StartedEventId = ActivityStarted(e.ActivityTaskTimedOutEventAttributes.ScheduledEventId); break;
            case EventType.ActivityTaskCanceled:
                e.ActivityTaskCanceledEventAttributes.StartedEventId = ActivityStarted(e.ActivityTaskCanceledEventAttributes.ScheduledEventId); break;
            case EventType.ChildWorkflowExecutionCompleted:
                e.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId = ChildStarted(e.ChildWorkflowExecutionCompletedEventAttributes.InitiatedEventId); break;
            case EventType.ChildWorkflowExecutionFailed:
                e.ChildWorkflowExecutionFailedEventAttributes.StartedEventId = ChildStarted(e.ChildWorkflowExecutionFailedEventAttributes.InitiatedEventId); break;
            case EventType.ChildWorkflowExecutionCanceled:
                e.ChildWorkflowExecutionCanceledEventAttributes.StartedEventId = ChildStarted(e.ChildWorkflowExecutionCanceledEventAttributes.InitiatedEventId); break;
            case EventType.ChildWorkflowExecutionTimedOut:
                e.ChildWorkflowExecutionTimedOutEventAttributes.StartedEventId = ChildStarted(e.ChildWorkflowExecutionTimedOutEventAttributes.InitiatedEventId); break;
            case EventType.ChildWorkflowExecutionTerminated:
                e.ChildWorkflowExecutionTerminatedEventAttributes.StartedEventId = ChildStarted(e.ChildWorkflowExecutionTerminatedEventAttributes.InitiatedEventId); break;
        }
    }

    // ---- lookup ----

    // Temporal's persistence layer's messages (Go's %q quotes the IDs).
    private static string RunNotFound(string workflowId, string runId) => $"workflow execution not found for workflow ID \"{workflowId}\" and run ID \"{runId}\"";

    private static string WorkflowNotFound(string workflowId) => $"workflow not found for ID: {workflowId}";

    /// <summary>Temporal's validateExecution: a workflow ID, and a run ID that is empty or a UUID.</summary>
    private static void RequireExecution(string? workflowId, string? runId)
    {
        if (string.IsNullOrEmpty(workflowId))
        {
            throw Errors.InvalidArgument("WorkflowId is not set on request.");
        }

        if (!string.IsNullOrEmpty(runId) && !Guid.TryParse(runId, out _))
        {
            throw Errors.InvalidArgument("Invalid RunId.");
        }
    }

    private Execution Find(string ns, string workflowId, string? runId)
    {
        RequireExecution(workflowId, runId);
        if (!string.IsNullOrEmpty(runId))
        {
            if (runsByRunId.TryGetValue(runId, out var byRun) && byRun.WorkflowId == workflowId && byRun.Namespace == Ns(ns))
            {
                return byRun;
            }

            throw Errors.NotFound(RunNotFound(workflowId, runId));
        }

        return Current(ns, workflowId) ?? throw Errors.NotFound(WorkflowNotFound(workflowId));
    }

    private Execution? Current(string ns, string workflowId) =>
        runsById.TryGetValue((Ns(ns), workflowId), out var runs) && runs.Count > 0 ? runs[^1] : null;

    /// <summary>Arms a task of Temporal's timer queue (timer, timeout, backoff): it fires when that queue would fire it.</summary>
    private TimerHandle ScheduleTask(DateTime due, Action callback) => Clock.ScheduleAt(taskFloor.Place(Clock.Now, due, gate.Transaction, stored: rehydrating), () =>
    {
        taskFloor.Read(Clock.Now);
        callback();
    });

    /// <summary>As <see cref="Current"/>, but null for a namespace that no longer exists (a parent or child in a deleted one).</summary>
    private Execution? CurrentIfKnown(string ns, string workflowId) =>
        string.IsNullOrEmpty(ns) || namespaces.Contains(ns) ? Current(ns, workflowId) : null;

    private string Ns(string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return DefaultNamespace;
        }

        return namespaces.Contains(ns) ? ns : throw Errors.NamespaceNotFound(ns);
    }

    /// <summary>The ID of a namespace the engine knows (events and describe name a namespace by both, as Temporal's do).</summary>
    private string NamespaceIdOf(string ns) => namespaces.IdOf(ns);

    public bool NamespaceExists(string ns)
    {
        using (gate.Enter())
        {
            return string.IsNullOrEmpty(ns) || namespaces.Contains(ns);
        }
    }

    private void Register(Execution execution)
    {
        execution.Ordinal = ++nextOrdinal;
        if (!store.IsDurable)
        {
            execution.RequestIds.StopTracking();
        }

        AddToIndexes(execution);
        MarkDirty(execution);
    }

    private void AddToIndexes(Execution execution)
    {
        var key = (execution.Namespace, execution.WorkflowId);
        if (!runsById.TryGetValue(key, out var runs))
        {
            runs = [];
            runsById[key] = runs;
        }

        runs.Add(execution);
        runsByRunId[execution.RunId] = execution;
        if (execution.IsOpen)
        {
            open.Add(execution);
        }

        IndexForVisibility(execution);
        RememberStored(execution);
    }

    public IReadOnlyList<Execution> AllRuns()
    {
        using (gate.Enter())
        {
            return runsByRunId.Values.ToList();
        }
    }

    /// <summary>Temporal's <c>limit.maxIDLength</c> default: IDs and names longer than this (in bytes) are refused.</summary>
    internal const int MaxIdLength = 1000;

    /// <summary>Go's len() of a string, which Temporal's length limits count: its UTF-8 bytes.</summary>
    internal static int IdLength(string? value) => System.Text.Encoding.UTF8.GetByteCount(value ?? string.Empty);

    /// <summary>Temporal's errRequestIDTooLong, for every request ID it bounds by <c>limit.maxIDLength</c>.</summary>
    private static void RequireRequestIdLength(string? requestId)
    {
        if (IdLength(requestId) > MaxIdLength)
        {
            throw Errors.InvalidArgument("RequestId length exceeds limit.");
        }
    }

    private static Google.Protobuf.WellKnownTypes.Duration? NonZero(Google.Protobuf.WellKnownTypes.Duration? d) =>
        d is null || (d.Seconds == 0 && d.Nanos == 0) ? null : d;

    private static ByteString Token(TaskToken token) => token.ToByteString();

    private void Log(string message, params object?[] args)
    {
        if (logger?.IsEnabled(LogLevel.Debug) == true)
        {
#pragma warning disable CA2254 // Internal diagnostics only.
            logger.LogDebug(message, args);
#pragma warning restore CA2254
        }
    }
}
