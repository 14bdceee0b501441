using System.Text.Json;
using System.Text.Json.Serialization;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;

/// <summary>A cancellation asked of a standalone activity: who asked, why, and the request ID that makes asking again harmless.</summary>
internal sealed record ActivityCancelRequest(string RequestId, string Reason, string Identity, DateTime Time);

/// <summary>
/// One run of a standalone activity execution (an activity started by a client, not by a workflow), as Temporal keeps
/// it: its options, the attempt in flight, and once closed its outcome. Stored whole (<see cref="ToBytes"/>) after each
/// change; timers are re-armed from it at start-up.
/// </summary>
internal sealed class StandaloneActivity
{
    public required string Namespace { get; init; }

    public required string ActivityId { get; init; }

    public required string RunId { get; init; }

    public required string ActivityType { get; init; }

    public required string TaskQueue { get; init; }

    public required DateTime ScheduleTime { get; init; }

    public TimeSpan StartDelay { get; init; }

    /// <summary>When the first attempt may be dispatched: the schedule time plus the start delay.</summary>
    [JsonIgnore]
    public DateTime ExecutionTime => ScheduleTime + StartDelay;

    /// <summary>Zero: no schedule-to-close limit (only start-to-close was given).</summary>
    public TimeSpan ScheduleToClose { get; init; }

    public TimeSpan ScheduleToStart { get; init; }

    public TimeSpan StartToClose { get; init; }

    public TimeSpan Heartbeat { get; init; }

    /// <summary>When schedule-to-close ends the activity, if it has that limit.</summary>
    [JsonIgnore]
    public DateTime? Deadline => ScheduleToClose > TimeSpan.Zero ? ExecutionTime + ScheduleToClose : null;

    public required RetryPolicy RetryPolicy { get; init; }

    public Payloads? Input { get; init; }

    public Header? Header { get; init; }

    public Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata { get; init; }

    public Priority? Priority { get; init; }

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

    public long StateTransitionCount { get; set; }

    public List<CallbackOutcome> CallbackOutcomes { get; init; } = [];

    // ---- live only ----

    [JsonIgnore]
    public List<TimerHandle> AttemptTimers { get; } = [];

    [JsonIgnore]
    public TimerHandle? HeartbeatTimer { get; set; }

    [JsonIgnore]
    public TimerHandle? ScheduleToCloseTimer { get; set; }

    [JsonIgnore]
    public TimerHandle? PurgeTimer { get; set; }

    /// <summary>Removed (DeleteActivityExecution or retention): held only until the store forgets it.</summary>
    [JsonIgnore]
    public bool Deleted { get; set; }

    private TaskCompletionSource? changed;

    /// <summary>Completes at the next change of state (PollActivityExecution, Describe's long poll).</summary>
    [JsonIgnore]
    public Task Changed => (changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void NotifyChanged()
    {
        StateTransitionCount++;
        changed?.TrySetResult();
        changed = null;
    }

    public void CancelAttemptTimers()
    {
        foreach (var timer in AttemptTimers)
        {
            timer.Cancel();
        }

        AttemptTimers.Clear();
        HeartbeatTimer?.Cancel();
        HeartbeatTimer = null;
    }

    public void CancelAllTimers()
    {
        CancelAttemptTimers();
        ScheduleToCloseTimer?.Cancel();
        ScheduleToCloseTimer = null;
    }

    /// <summary>RUNNING's detail, as Temporal reports it: unspecified once closed.</summary>
    [JsonIgnore]
    public PendingActivityState RunState =>
        !IsOpen ? PendingActivityState.Unspecified
        : CancelRequest is not null ? PendingActivityState.CancelRequested
        : AttemptRunning ? PendingActivityState.Started
        : PendingActivityState.Scheduled;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static StandaloneActivity FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<StandaloneActivity>(bytes, Json) ?? throw new InvalidDataException("empty standalone activity record");

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new ProtobufBytesConverterFactory() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
