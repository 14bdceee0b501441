using System.Text.Json.Serialization;
using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using WarehouseOms.TemporalDevServer.Store;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;

/// <summary>A cancellation asked of a standalone activity: who asked, why, and the request ID that makes asking again harmless.</summary>
internal sealed record ActivityCancelRequest(string RequestId, string Reason, string Identity, DateTime Time);

/// <summary>ResetActivityExecution of an attempt a worker holds: applied when the worker gives the attempt up.</summary>
internal sealed record DeferredActivityReset(bool RestoreOriginalOptions, bool ResetHeartbeat);

/// <summary>
/// Temporal's own states of a standalone activity (its refusals name them); the public status and run state are
/// read from them. Closed states carry the names of the closing statuses.
/// </summary>
internal enum StandaloneActivityState
{
    Scheduled,
    Started,
    CancelRequested,
    Paused,
    PauseRequested,
    ResetRequested,
    Completed,
    Failed,
    Canceled,
    Terminated,
    TimedOut,
}

/// <summary>
/// One run of a standalone activity execution (an activity started by a client, not by a workflow), as Temporal keeps
/// it: its options, the attempt in flight, and once closed its outcome. Stored whole (<see cref="ToBytes"/>) after each
/// change; timers are re-armed from it at start-up.
/// </summary>
internal sealed class StandaloneActivity : StandaloneRun<StandaloneActivity>
{
    public required string Namespace { get; init; }

    public required string ActivityId { get; init; }

    public required string RunId { get; init; }

    public required string ActivityType { get; init; }

    public required string TaskQueue { get; set; }

    public required DateTime ScheduleTime { get; init; }

    public TimeSpan StartDelay { get; set; }

    /// <summary>When the first attempt may be dispatched: the schedule time plus the start delay.</summary>
    [JsonIgnore]
    public DateTime ExecutionTime => ScheduleTime + StartDelay;

    /// <summary>Zero: no schedule-to-close limit (only start-to-close was given).</summary>
    public TimeSpan ScheduleToClose { get; set; }

    public TimeSpan ScheduleToStart { get; set; }

    public TimeSpan StartToClose { get; set; }

    public TimeSpan Heartbeat { get; set; }

    /// <summary>When schedule-to-close ends the activity, if it has that limit.</summary>
    [JsonIgnore]
    public DateTime? Deadline => ScheduleToClose > TimeSpan.Zero ? ExecutionTime + ScheduleToClose : null;

    public required RetryPolicy RetryPolicy { get; set; }

    public Payloads? Input { get; init; }

    public Header? Header { get; init; }

    public Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata { get; init; }

    public Priority? Priority { get; set; }

    public SearchAttributes? SearchAttributes { get; init; }

    public string Identity { get; init; } = string.Empty;

    /// <summary>The creating request's ID first, then those of starts that attached to this run: a repeat of any is answered with this run.</summary>
    public List<string> RequestIds { get; init; } = [];

    public List<Link> Links { get; init; } = [];

    public List<Callback> Callbacks { get; init; } = [];

    /// <summary>When each of <see cref="Callbacks"/> was registered (start or attach).</summary>
    public List<DateTime> CallbackTimes { get; init; } = [];

    // ---- progress ----

    public ActivityExecutionStatus Status { get; set; } = ActivityExecutionStatus.Running;

    [JsonIgnore]
    public bool IsOpen => Status == ActivityExecutionStatus.Running;

    /// <summary>A worker holds the current attempt.</summary>
    public bool AttemptRunning { get; set; }

    public int Attempt { get; set; } = 1;

    /// <summary>Changes with every attempt: a timer or a queued task of an earlier attempt finds it changed and does nothing.</summary>
    public int Stamp { get; set; } = 1;

    /// <summary>When the current attempt is (or was) to be dispatched: the execution time for the first, the end of the backoff for a retry.</summary>
    public DateTime AttemptScheduledTime { get; set; }

    public DateTime? StartedTime { get; set; }

    public string? WorkerIdentity { get; set; }

    public DateTime? LastAttemptCompleteTime { get; set; }

    public TimeSpan? CurrentRetryInterval { get; set; }

    public Failure? LastFailure { get; set; }

    public Payloads? HeartbeatDetails { get; set; }

    public DateTime? LastHeartbeatTime { get; set; }

    public long TotalHeartbeatCount { get; set; }

    public ActivityCancelRequest? CancelRequest { get; set; }

    public string? TerminateRequestId { get; set; }

    // ---- outcome ----

    public Payloads? Result { get; set; }

    public Failure? Failure { get; set; }

    public RetryState RetryState { get; set; }

    public DateTime? CloseTime { get; set; }


    public List<CallbackOutcome> CallbackOutcomes { get; init; } = [];

    // ---- operator commands (ADR 0051) ----

    /// <summary>The options as started, for RestoreOriginal; null for a run stored before the commands were built.</summary>
    public ActivityOptions? OriginalOptions { get; set; }

    /// <summary>No further attempt is dispatched until unpaused; a worker holding the attempt hears of it on its heartbeat.</summary>
    public bool Paused { get; set; }

    /// <summary>The last pause, kept after an unpause: a late repeat of its request must not pause again.</summary>
    public ActivityPause? LastPause { get; set; }

    public DeferredActivityReset? PendingReset { get; set; }

    /// <summary>The current backoff is the worker's next_retry_delay, which an update of the retry policy leaves as it is.</summary>
    public bool RetryIntervalFromWorker { get; set; }

    // The last request of each command that changed the run: its repeat changes nothing.
    public string? LastUnpauseRequestId { get; set; }

    public string? LastResetRequestId { get; set; }

    public string? LastUpdateOptionsRequestId { get; set; }

    // ---- live only ----

    [JsonIgnore]
    public ActivityTimers Timers { get; } = new();


    [JsonIgnore]
    public StandaloneActivityState State => Status switch
    {
        ActivityExecutionStatus.Running when CancelRequest is not null => StandaloneActivityState.CancelRequested,
        ActivityExecutionStatus.Running when AttemptRunning =>
            PendingReset is not null ? StandaloneActivityState.ResetRequested : Paused ? StandaloneActivityState.PauseRequested : StandaloneActivityState.Started,
        ActivityExecutionStatus.Running => Paused ? StandaloneActivityState.Paused : StandaloneActivityState.Scheduled,
        ActivityExecutionStatus.Completed => StandaloneActivityState.Completed,
        ActivityExecutionStatus.Failed => StandaloneActivityState.Failed,
        ActivityExecutionStatus.Canceled => StandaloneActivityState.Canceled,
        ActivityExecutionStatus.Terminated => StandaloneActivityState.Terminated,
        _ => StandaloneActivityState.TimedOut,
    };

    /// <summary>The status Temporal reports (describe, list, ExecutionStatus): PAUSED while paused with no attempt running.</summary>
    [JsonIgnore]
    public ActivityExecutionStatus ReportedStatus => State == StandaloneActivityState.Paused ? ActivityExecutionStatus.Paused : Status;

    /// <summary>
    /// RUNNING's detail, as Temporal reports it: unspecified once closed. The public states have no pending reset: the
    /// attempt shows as started, or as pause-requested when the reset keeps a pause.
    /// </summary>
    [JsonIgnore]
    public PendingActivityState RunState => State switch
    {
        StandaloneActivityState.Scheduled => PendingActivityState.Scheduled,
        StandaloneActivityState.Started => PendingActivityState.Started,
        StandaloneActivityState.CancelRequested => PendingActivityState.CancelRequested,
        StandaloneActivityState.Paused => PendingActivityState.Paused,
        StandaloneActivityState.PauseRequested => PendingActivityState.PauseRequested,
        StandaloneActivityState.ResetRequested => Paused ? PendingActivityState.PauseRequested : PendingActivityState.Started,
        _ => PendingActivityState.Unspecified,
    };

    /// <summary>When a retry waiting for its backoff is due (the last attempt's end plus the interval), if one is.</summary>
    [JsonIgnore]
    public DateTime? RetryDueTime => CurrentRetryInterval is { } interval && interval > TimeSpan.Zero && LastAttemptCompleteTime is { } ended ? ended + interval : null;

    /// <summary>Until an attempt has started, no attempt is dispatched before the start delay ends (an unpause, reset or update included).</summary>
    public DateTime NotBeforeStartDelay(DateTime time) => StartedTime is null && ExecutionTime > time ? ExecutionTime : time;

    /// <summary>The options as UpdateActivityExecutionOptions answers them.</summary>
    public ActivityOptions Options() => new()
    {
        TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = TaskQueue, Kind = TaskQueueKind.Normal },
        ScheduleToCloseTimeout = ToDuration(ScheduleToClose),
        ScheduleToStartTimeout = ToDuration(ScheduleToStart),
        StartToCloseTimeout = ToDuration(StartToClose),
        HeartbeatTimeout = ToDuration(Heartbeat),
        RetryPolicy = RetryPolicy.Clone(),
        Priority = Priority?.Clone(),
        StartDelay = StartDelay > TimeSpan.Zero ? ToDuration(StartDelay) : null,
    };

    /// <summary>
    /// Takes new options, their timeouts normalised as at the start (a refusal changes nothing); the start delay only
    /// while no attempt has started, as after that it would move nothing but the deadline.
    /// </summary>
    public void Apply(ActivityOptions options)
    {
        var timeouts = Timeouts(options.ScheduleToCloseTimeout, options.ScheduleToStartTimeout, options.StartToCloseTimeout, options.HeartbeatTimeout, ActivityId, ActivityType);
        TaskQueue = options.TaskQueue.Name;
        ScheduleToClose = timeouts.ScheduleToClose;
        ScheduleToStart = timeouts.ScheduleToStart;
        StartToClose = timeouts.StartToClose;
        Heartbeat = timeouts.Heartbeat;
        RetryPolicy = options.RetryPolicy?.Clone() ?? new RetryPolicy();
        Priority = options.Priority?.Clone();
        if (StartedTime is null)
        {
            StartDelay = options.StartDelay?.ToTimeSpan() ?? TimeSpan.Zero;
        }
    }

    public void ClearHeartbeat()
    {
        HeartbeatDetails = null;
        LastHeartbeatTime = null;
    }
}
