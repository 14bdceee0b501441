using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal enum WorkflowTaskState
{
    None,
    Scheduled,
    Started,
}

/// <summary>One run of a workflow: its history and everything in flight. Guarded by the engine lock.</summary>
internal sealed class Execution
{
    public required string Namespace { get; init; }

    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string FirstRunId { get; init; }

    public required string WorkflowType { get; set; }

    public required string TaskQueue { get; set; }

    public required string StartRequestId { get; init; }

    public required DateTime StartTime { get; init; }

    /// <summary>The started event's first workflow task backoff (start delay, cron wait, retry interval).</summary>
    public TimeSpan FirstWorkflowTaskBackoff { get; init; }

    /// <summary>When the run is due to begin, as Temporal sets it: start time plus the first task's backoff.</summary>
    public DateTime ExecutionTime => StartTime + FirstWorkflowTaskBackoff;

    /// <summary>Order of creation across all runs: a workflow ID's runs are listed in this order.</summary>
    public long Ordinal { get; set; }

    public DateTime? CloseTime { get; set; }

    public Google.Protobuf.WellKnownTypes.Duration TaskTimeout { get; set; } = new() { Seconds = 10 };

    public Google.Protobuf.WellKnownTypes.Duration? RunTimeout { get; set; }

    public Google.Protobuf.WellKnownTypes.Duration? ExecutionTimeout { get; set; }

    public DateTime? ExecutionDeadline { get; set; }

    public Memo? Memo { get; set; }

    /// <summary>The run's priority: the start's, changed by UpdateWorkflowExecutionOptions.</summary>
    public Priority? Priority { get; set; }

    public SearchAttributes SearchAttributes { get; set; } = new();

    public RetryPolicy? RetryPolicy { get; set; }

    public ParentLink? Parent { get; init; }

    public WorkflowExecution? Root { get; init; }

    /// <summary>Set when the chain closes: how each completion callback's call went (Describe shows them).</summary>
    public List<Store.CallbackOutcome> CallbackOutcomes { get; } = [];

    /// <summary>The completion callbacks registered for the run's updates (history.enableUpdateCallbacks), in registration order.</summary>
    public List<Store.UpdateCallback> UpdateCallbacks { get; } = [];

    private readonly List<HistoryEvent> history = [];

    /// <summary>The run's events in order; added only through <see cref="AddToHistory"/>, which keeps <see cref="AttachedRequestIds"/>.</summary>
    public IReadOnlyList<HistoryEvent> History => history;

    /// <summary>The request IDs the run's events (written or buffered) attach, with the event each names.</summary>
    public AttachedRequestIds AttachedRequestIds { get; } = new();

    /// <summary>An event, its ID already given, at the end of the history.</summary>
    public void AddToHistory(HistoryEvent e)
    {
        history.Add(e);
        AttachedRequestIds.Written(e);
    }

    public WorkflowExecutionStatus Status { get; set; } = WorkflowExecutionStatus.Running;

    /// <summary>Running, or paused (PauseWorkflowExecution): a paused run is open, as in Temporal.</summary>
    public bool IsOpen => Status is WorkflowExecutionStatus.Running or WorkflowExecutionStatus.Paused;

    /// <summary>An open run held by PauseWorkflowExecution (ADR 0056).</summary>
    public bool IsPaused => Status == WorkflowExecutionStatus.Paused;

    /// <summary>Who paused the run, when and why, while <see cref="IsPaused"/>; set with the status by <see cref="MarkPaused"/>.</summary>
    public WorkflowPause? Pause { get; private set; }

    /// <summary>The pause and the status change together, so that no reader sees one without the other.</summary>
    public void MarkPaused(WorkflowPause pause)
    {
        Pause = pause;
        Status = WorkflowExecutionStatus.Paused;
    }

    public void MarkUnpaused()
    {
        Pause = null;
        Status = WorkflowExecutionStatus.Running;
    }

    /// <summary>A stored run's pause, as it was stored: its status came with the record.</summary>
    public void RestorePause(WorkflowPause? pause) => Pause = pause;

    public WorkflowTaskState Wft { get; set; }

    public long WftScheduledId { get; set; }

    public long WftStartedId { get; set; }

    public int WftAttempt { get; set; } = 1;

    public DateTime WftScheduledTime { get; set; }

    public DateTime WftStartedTime { get; set; }

    public bool WftNeeded { get; set; }

    public TimerHandle? WftTimeout { get; set; }

    public long LastCompletedWftStartedId { get; set; }

    /// <summary>
    /// A retry of a failing task (attempt &gt; 1) is transient: its scheduled and started events are not in
    /// the history; they are sent to the worker after it and written only if the task completes.
    /// </summary>
    public bool WftTransient => WftAttempt > 1;

    /// <summary>
    /// A task scheduled only to carry updates is speculative, as in Temporal: its events are not written
    /// unless it does more than reject them (then it is written like any task). Not stored: after a
    /// restart there is no task, and the update, lost as an admitted update is, is retried by its caller.
    /// </summary>
    public bool WftSpeculative { get; set; }

    /// <summary>The task's scheduled and started events are held back (transient or speculative).</summary>
    public bool WftUnwritten => WftTransient || WftSpeculative;

    /// <summary>The unwritten task's scheduled and started events while it is started (not stored: a restart times it out).</summary>
    public List<HistoryEvent>? TransientEvents { get; set; }

    /// <summary>The worker's sticky queue (it has this run cached); null when the next task goes to the normal queue.</summary>
    public string? StickyQueue { get; set; }

    /// <summary>As Temporal keeps it: the behavior and version of the last workflow task a versioned worker completed.</summary>
    public Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo? VersioningInfo { get; private set; }

    /// <summary>
    /// A pinned run was told its task queue now targets another version (WorkflowTaskStarted's
    /// target_worker_deployment_version_changed): that version and the routing revision it was seen at.
    /// </summary>
    public Temporalio.Api.History.V1.DeclinedTargetVersionUpgrade? LastNotifiedTarget { get; set; }

    /// <summary>A target the previous run of a pinned chain was told of and continued as new without taking: not told again.</summary>
    public Temporalio.Api.History.V1.DeclinedTargetVersionUpgrade? DeclinedTargetUpgrade { get; set; }

    /// <summary>The deployment name the last completing worker reported (Temporal's execution info field).</summary>
    public string WorkerDeploymentName { get; set; } = string.Empty;

    /// <summary>The version ("name.buildId") an effectively PINNED run's tasks must go to; null when not pinned. Kept beside the info so dispatch reads one field.</summary>
    public string? PinnedVersion { get; private set; }

    /// <summary>The version ("name.buildId") the run last completed a task on, or null.</summary>
    public string? VersionString => VersioningInfo?.DeploymentVersion is { } v ? Deployments.WorkerDeploymentVersionId.V31(v.DeploymentName, v.BuildId) : null;

    public void SetVersioningInfo(Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo? info)
    {
        VersioningInfo = info;
        // Effective, as Temporal routes: a pinned override outranks the worker's behavior, AUTO_UPGRADE unpins.
        PinnedVersion = Deployments.VersioningOverrides.EffectiveBehavior(info) == VersioningBehavior.Pinned &&
            Deployments.VersioningOverrides.EffectiveVersion(info) is { } v
            ? Deployments.WorkerDeploymentVersionId.V31(v.DeploymentName, v.BuildId)
            : null;
    }

    public TimeSpan StickyScheduleToStart { get; set; }

    /// <summary>The scheduled task waits on the sticky queue (falls back to the normal one after the schedule-to-start timeout).</summary>
    public bool WftOnSticky { get; set; }

    public TimerHandle? WftScheduleToStartTimer { get; set; }

    /// <summary>Bytes of the history up to the last completed task's started event (what a sticky worker already has).</summary>
    public long SizeThroughLastCompletedStart { get; set; }

    /// <summary>Bytes of the history so far (what WorkflowTaskStarted reports and the size limits check).</summary>
    public long HistorySizeBytes { get; set; }

    /// <summary>
    /// Some of its activities were refused while it moved to another version (they wait to be offered again): kept
    /// so that each completed workflow task need not look through every activity.
    /// </summary>
    public bool HoldsActivitiesForMove { get; set; }

    /// <summary>Transactions that changed the run, as Temporal's StateTransitionCount (Describe, and visibility at close).</summary>
    public long StateTransitionCount { get; set; }

    // The engine transaction last counted, so that a transaction changing the run several times counts once.
    private long countedTransaction;

    public void CountTransition(long transaction)
    {
        if (transaction != countedTransaction)
        {
            countedTransaction = transaction;
            StateTransitionCount++;
        }
    }

    /// <summary>The history passed a warn limit and that was logged (once per run).</summary>
    public bool HistoryWarned { get; set; }

    /// <summary>Workflow updates admitted or accepted and not yet completed, by update ID.</summary>
    public Dictionary<string, UpdateState> Updates { get; } = [];

    private readonly List<BufferedEvent> buffer = [];

    /// <summary>Events that arrived while a workflow task was started; appended when it closes. Changed only through the methods below.</summary>
    public IReadOnlyList<BufferedEvent> Buffer => buffer;

    public void AddToBuffer(BufferedEvent buffered)
    {
        buffer.Add(buffered);
        AttachedRequestIds.Buffered(buffered.Event);
    }

    /// <summary>Empties the buffer (written to the history, or dropped at the run's close).</summary>
    public void ClearBuffer()
    {
        buffer.Clear();
        AttachedRequestIds.BufferNowHolds([]);
    }

    /// <summary>Takes the first buffered event that <paramref name="which"/> picks out of the buffer, if there is one.</summary>
    public HistoryEvent? TakeFromBuffer(Func<HistoryEvent, bool> which)
    {
        var index = buffer.FindIndex(b => which(b.Event));
        if (index < 0)
        {
            return null;
        }

        var taken = buffer[index].Event;
        buffer.RemoveAt(index);
        AttachedRequestIds.BufferNowHolds(buffer.Select(b => b.Event));
        return taken;
    }

    public Dictionary<long, ActivityState> Activities { get; } = [];

    public Dictionary<string, WorkflowTimer> Timers { get; } = [];

    public Dictionary<long, ChildState> Children { get; } = [];

    /// <summary>Nexus operations scheduled and not yet at their end, by scheduled event ID.</summary>
    public Dictionary<long, Nexus.NexusOperationState> NexusOperations { get; } = [];

    public RequestIdSet RequestIds { get; } = new();

    public bool CancelRequested { get; set; }

    public List<PendingQuery> QueriesForNextWft { get; } = [];

    public List<PendingQuery> QueriesInFlight { get; } = [];

    public List<PendingQuery> QueriesAfterWft { get; } = [];

    public Dictionary<string, PendingQuery> LegacyQueries { get; } = [];

    public TimerHandle? RunTimeoutTimer { get; set; }

    /// <summary>When the run (or execution) times out; kept so that a restarted engine re-arms it.</summary>
    public DateTime? RunTimeoutDue { get; set; }

    public TimerHandle? StartDelayTimer { get; set; }

    /// <summary>When a delayed start gets its first workflow task.</summary>
    public DateTime? StartDelayDue { get; set; }

    /// <summary>How many history events the store holds; not part of the stored state.</summary>
    public int PersistedEventCount { get; set; }

    /// <summary>
    /// The SHA-256 of the listed row last handed to the store (ADR 0063), so an unchanged row is not written again;
    /// not part of the stored state (a run loaded from the store writes its row at its first change).
    /// </summary>
    public byte[]? ListedRowHash { get; set; }

    /// <summary>The run a ResetWorkflowExecution of this run created (Describe's reset_run_id).</summary>
    public string? ResetRunId { get; set; }

    /// <summary>This run was created by a reset; <see cref="ResetRequestId"/> recognises a repeated reset request.</summary>
    public bool IsResetRun { get; init; }

    public string? ResetRequestId { get; init; }

    /// <summary>
    /// A reset run's base run, that run's base, and so on (newest first, at most <see cref="WorkflowEngine.MaxResetLineage"/>):
    /// a child of one of them reports its close to this run, as Temporal follows reset_run_id from the closed parent.
    /// </summary>
    public List<string> ResetLineage { get; init; } = [];

    /// <summary>Describe's auto_reset_points: the first workflow task completion of each worker build.</summary>
    public Temporalio.Api.Workflow.V1.ResetPoints? AutoResetPoints { get; set; }

    /// <summary>Describe's pending activities, children and Nexus operations as they were when the run closed (null: none, or still open).</summary>
    public Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse? PendingAtClose { get; set; }

    /// <summary>The run that continued this one (continue-as-new or retry), for clients following runs.</summary>
    public string? NextRunId { get; set; }

    // Created only when someone waits: most appends have no long poll watching them.
    private TaskCompletionSource? historyChanged;

    public Task HistoryChanged => (historyChanged ??= NewSignal()).Task;

    public void NotifyHistoryChanged()
    {
        var previous = historyChanged;
        historyChanged = null;
        previous?.TrySetResult();
    }

    // Result waiters (close-event long polls) wake only when the run closes, not on every event.
    private TaskCompletionSource? closed;

    public Task Closed => IsOpen ? (closed ??= NewSignal()).Task : Task.CompletedTask;

    public void NotifyClosed()
    {
        var previous = closed;
        closed = null;
        previous?.TrySetResult();
    }

    public WorkflowExecution Ref => new() { WorkflowId = WorkflowId, RunId = RunId };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What a heartbeat tells the worker: cancel requested, activity paused, activity reset.</summary>
internal sealed record HeartbeatAnswer(bool CancelRequested, bool Paused, bool Reset);

internal sealed record ParentLink(string Namespace, string WorkflowId, string RunId, long InitiatedEventId, ParentClosePolicy ClosePolicy);

/// <summary>An event waiting in the buffer; <see cref="LinkStarted"/>: its started event ID is filled on append.</summary>
internal sealed record BufferedEvent(HistoryEvent Event, bool LinkStarted);

internal sealed class WorkflowTimer
{
    public required string TimerId { get; init; }

    public required long StartedEventId { get; init; }

    public required DateTime Due { get; init; }

    public TimerHandle? Handle { get; set; }
}

internal enum ActivityPhase
{
    Scheduled,
    Started,
    Backoff,
}

internal sealed class ActivityState
{
    public required long ScheduledEventId { get; init; }

    /// <summary>As scheduled, or as UpdateActivityOptions last changed them.</summary>
    public required ActivityTaskScheduledEventAttributes Attributes { get; set; }

    /// <summary>PauseActivity: no dispatch and no retry until unpaused (a running attempt may finish).</summary>
    public bool Paused { get; set; }

    public ActivityPause? Pause { get; set; }

    /// <summary>
    /// The run was paused while this attempt waited for a worker or a retry: its queued task and retry timer are
    /// stale (Temporal bumps the activity's stamp), so it is not offered until the run is unpaused, or until a new
    /// attempt is scheduled (a retry of an attempt that was running, an UnpauseActivity or ResetActivity).
    /// </summary>
    public bool HeldByWorkflowPause { get; set; }

    /// <summary>
    /// Its task was refused because the run is moving to another version: it is offered again when the move ends.
    /// Not stored: a restarted engine offers every scheduled activity again anyway.
    /// </summary>
    public bool AwaitsVersionTransition { get; set; }

    /// <summary>ResetActivity on a running attempt: the attempt count starts over at its next retry.</summary>
    public bool ResetPending { get; set; }

    /// <summary>With <see cref="ResetPending"/>: the heartbeat details are dropped at the next retry.</summary>
    public bool ResetHeartbeats { get; set; }

    public required DateTime ScheduledTime { get; init; }

    public DateTime CurrentAttemptScheduledTime { get; set; }

    public ActivityPhase Phase { get; set; } = ActivityPhase.Scheduled;

    public int Attempt { get; set; } = 1;

    public DateTime StartedTime { get; set; }

    public string StartedIdentity { get; set; } = string.Empty;

    public Payloads? HeartbeatDetails { get; set; }

    public DateTime? LastHeartbeatTime { get; set; }

    /// <summary>When the next attempt is offered, while in <see cref="ActivityPhase.Backoff"/>.</summary>
    public DateTime? BackoffDue { get; set; }

    /// <summary>When the last failed attempt ended (what the retry interval counts from).</summary>
    public DateTime? LastAttemptCompleteTime { get; set; }

    public Temporalio.Api.Failure.V1.Failure? LastFailure { get; set; }

    public bool CancelRequested { get; set; }

    public long CancelRequestedEventId { get; set; }

    public ActivityTimers Timers { get; } = new();

    public TimerHandle? BackoffTimer { get; set; }

    public void CancelAllTimers()
    {
        Timers.CancelAll();
        BackoffTimer?.Cancel();
    }
}

internal sealed class ChildState
{
    public required long InitiatedEventId { get; init; }

    public required string Namespace { get; init; }

    public required string WorkflowId { get; init; }

    public required string WorkflowType { get; init; }

    public required ParentClosePolicy ClosePolicy { get; init; }

    public string? RunId { get; set; }

    public HistoryEvent? StartedEvent { get; set; }
}

internal sealed class PendingQuery
{
    public required string Id { get; init; }

    public required WorkflowQuery Query { get; init; }

    public TaskCompletionSource<WorkflowQueryResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal static class ByteStrings
{
    public static ByteString Utf8(string value) => ByteString.CopyFromUtf8(value);
}
