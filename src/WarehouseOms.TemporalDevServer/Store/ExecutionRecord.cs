using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Store;

/// <summary>
/// Everything needed to resume one run, as stored: status, the workflow task in flight, activities with
/// attempt, timeouts and heartbeat details, timers with their fire time, children, buffered events,
/// request IDs, memo, search attributes and the run chain. History lives beside it, event by event.
/// Protobuf values are kept as their binary form.
/// </summary>
internal sealed record ExecutionRecord
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required string Namespace { get; init; }

    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string FirstRunId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public required string StartRequestId { get; init; }

    public long Ordinal { get; init; }

    public DateTime StartTime { get; init; }

    /// <summary>Absent (zero) in records written before it was kept.</summary>
    public TimeSpan FirstWorkflowTaskBackoff { get; init; }

    public DateTime? CloseTime { get; init; }

    public required Duration TaskTimeout { get; init; }

    public Duration? RunTimeout { get; init; }

    public Duration? ExecutionTimeout { get; init; }

    public DateTime? ExecutionDeadline { get; init; }

    public Memo? Memo { get; init; }

    public Priority? Priority { get; init; }

    public SearchAttributes? SearchAttributes { get; init; }

    public RetryPolicy? RetryPolicy { get; init; }

    public ParentRecord? Parent { get; init; }

    public WorkflowExecution? Root { get; init; }

    public int Status { get; init; }

    public int Wft { get; init; }

    public long WftScheduledId { get; init; }

    public long WftStartedId { get; init; }

    public int WftAttempt { get; init; }

    public DateTime WftScheduledTime { get; init; }

    public DateTime WftStartedTime { get; init; }

    public bool WftNeeded { get; init; }

    public long LastCompletedWftStartedId { get; init; }

    public List<BufferedRecord> Buffer { get; init; } = [];

    public List<ActivityRecord> Activities { get; init; } = [];

    public List<TimerRecord> Timers { get; init; } = [];

    public List<ChildRecord> Children { get; init; } = [];

    /// <summary>Nexus operations not yet at their end (absent in records written before them).</summary>
    public List<NexusOperationRecord> NexusOperations { get; init; } = [];

    /// <summary>How each completion callback's call went when the chain closed, in callback order (absent before them).</summary>
    public List<CallbackOutcome> CallbackOutcomes { get; init; } = [];

    /// <summary>The completion callbacks registered for the run's updates, with how each call went (absent before them).</summary>
    public List<UpdateCallback> UpdateCallbacks { get; init; } = [];

    /// <summary>Only in records written before request IDs moved to a table of their own (read, never written).</summary>
    public List<string> RequestIds { get; init; } = [];

    public bool CancelRequested { get; init; }

    public DateTime? RunTimeoutDue { get; init; }

    public DateTime? StartDelayDue { get; init; }

    public string? NextRunId { get; init; }

    public string? ResetRunId { get; init; }

    public bool IsResetRun { get; init; }

    public string? ResetRequestId { get; init; }

    public List<string>? ResetLineage { get; init; }

    public Temporalio.Api.Workflow.V1.ResetPoints? AutoResetPoints { get; init; }

    /// <summary>What describe lists as pending on a run that closed with something pending (absent otherwise and in older records).</summary>
    public Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse? PendingAtClose { get; init; }

    /// <summary>Worker Versioning: behavior and version of the run (absent in records written before).</summary>
    public Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo? VersioningInfo { get; init; }

    public string? WorkerDeploymentName { get; init; }

    public Temporalio.Api.History.V1.DeclinedTargetVersionUpgrade? LastNotifiedTarget { get; init; }

    public Temporalio.Api.History.V1.DeclinedTargetVersionUpgrade? DeclinedTargetUpgrade { get; init; }

    /// <summary>The history's size, for visibility's reads of a run without its events (absent in older records).</summary>
    public long? HistorySizeBytes { get; init; }

    public long StateTransitionCount { get; init; }

    /// <summary>PauseWorkflowExecution's who, when and why while the run is paused (absent otherwise and in older records).</summary>
    public Engine.WorkflowPause? Pause { get; init; }

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ExecutionRecord FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<ExecutionRecord>(bytes, Json) ?? throw new InvalidDataException("empty execution record");

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new ProtobufBytesConverterFactory() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

internal sealed record ParentRecord(string Namespace, string WorkflowId, string RunId, long InitiatedEventId, int ClosePolicy);

internal sealed record BufferedRecord(HistoryEvent Event, bool LinkStarted);

internal sealed record TimerRecord(string TimerId, long StartedEventId, DateTime Due);

internal sealed record ChildRecord(long InitiatedEventId, string Namespace, string WorkflowId, string WorkflowType, int ClosePolicy, string? RunId, HistoryEvent? StartedEvent);

internal sealed record NexusOperationRecord
{
    public long ScheduledEventId { get; init; }

    public required string RequestId { get; init; }

    public required string EndpointId { get; init; }

    public DateTime ScheduledTime { get; init; }

    public DateTime? ScheduleToCloseDue { get; init; }

    public DateTime? ScheduleToStartDue { get; init; }

    public TimeSpan? StartToClose { get; init; }

    public int Phase { get; init; }

    public int Attempt { get; init; }

    public DateTime? NextAttemptDue { get; init; }

    public Failure? LastAttemptFailure { get; init; }

    public DateTime? LastAttemptCompleteTime { get; init; }

    public DateTime? StartedTime { get; init; }

    public string? OperationToken { get; init; }

    public long CancelRequestedEventId { get; init; }

    public int CancelPhase { get; init; }

    public int CancelAttempt { get; init; }

    public DateTime? CancelNextAttemptDue { get; init; }

    public Failure? CancelLastAttemptFailure { get; init; }
}

internal sealed record ActivityRecord
{
    public long ScheduledEventId { get; init; }

    public required ActivityTaskScheduledEventAttributes Attributes { get; init; }

    public DateTime ScheduledTime { get; init; }

    public DateTime CurrentAttemptScheduledTime { get; init; }

    public int Phase { get; init; }

    public int Attempt { get; init; }

    public DateTime StartedTime { get; init; }

    public string StartedIdentity { get; init; } = string.Empty;

    public Payloads? HeartbeatDetails { get; init; }

    public DateTime? LastHeartbeatTime { get; init; }

    public DateTime? BackoffDue { get; init; }

    public DateTime? LastAttemptCompleteTime { get; init; }

    public Failure? LastFailure { get; init; }

    public bool CancelRequested { get; init; }

    public long CancelRequestedEventId { get; init; }

    public bool Paused { get; init; }

    public Engine.ActivityPause? Pause { get; init; }

    /// <summary>Held while its run is paused (absent in older records).</summary>
    public bool HeldByWorkflowPause { get; init; }

    public bool ResetPending { get; init; }

    public bool ResetHeartbeats { get; init; }
}

/// <summary>Any protobuf message as base64 of its binary form: exact, compact, and free of JSON-mapping rules.</summary>
internal sealed class ProtobufBytesConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeof(IMessage).IsAssignableFrom(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T>
        where T : IMessage<T>
    {
        private static readonly MessageParser<T> Parser =
            (MessageParser<T>)typeof(T).GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parser.ParseFrom(reader.GetBytesFromBase64());

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteBase64StringValue(value.ToByteArray());
    }
}

/// <summary>One completion callback's call at the chain's close: delivered, or why not.</summary>
internal sealed record CallbackOutcome(bool Succeeded, string? Failure, DateTime Time);

/// <summary>
/// A completion callback an update request brought, kept per update ID as Temporal's workflow keeps its updates'
/// callbacks: the <paramref name="Index"/>-th callback of request <paramref name="RequestId"/>, registered at
/// <paramref name="RegistrationTime"/>; <paramref name="Outcome"/> is null until the update's outcome is delivered.
/// </summary>
internal sealed record UpdateCallback(string UpdateId, string RequestId, int Index, Callback Callback, DateTime RegistrationTime, CallbackOutcome? Outcome = null);
