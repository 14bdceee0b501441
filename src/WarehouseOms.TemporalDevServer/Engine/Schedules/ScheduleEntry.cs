using System.Text.Json;
using System.Text.Json.Serialization;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Schedule.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine.Schedules;

/// <summary>An action waiting to start: its nominal time, the time it was due, and the overlap policy it asked for.</summary>
internal sealed record BufferedStart(DateTime Nominal, DateTime Actual, ScheduleOverlapPolicy Overlap, bool Manual);

/// <summary>
/// One schedule: what the user gave (spec in canonical form, action, policies, state, memo, search
/// attributes) and what the scheduler keeps (info counters, running and recent actions, the buffer, the
/// ongoing backfills, the last processed time, the last completion result and failure). Stored whole as
/// JSON with protobuf values as bytes; the compiled spec and the wake-up timer are rebuilt on load.
/// Guarded by the engine lock.
/// </summary>
internal sealed class ScheduleEntry
{
    public const long InitialConflictToken = 1;

    public required string Namespace { get; init; }

    public required string ScheduleId { get; init; }

    public required string CreateRequestId { get; init; }

    public required Schedule Schedule { get; set; }

    public ScheduleInfo Info { get; set; } = new();

    public Memo? Memo { get; set; }

    public SearchAttributes? SearchAttributes { get; set; }

    public long ConflictToken { get; set; } = InitialConflictToken;

    /// <summary>Spec times up to here have been turned into actions (or skipped).</summary>
    public DateTime LastProcessedTime { get; set; }

    public List<BufferedStart> Buffer { get; set; } = [];

    /// <summary>Backfill requests not yet fully buffered, oldest first.</summary>
    public List<OngoingBackfill> Backfills { get; set; } = [];

    public Payloads? LastCompletionResult { get; set; }

    public Failure? ContinuedFailure { get; set; }

    [JsonIgnore]
    public CompiledScheduleSpec? Spec { get; set; }

    [JsonIgnore]
    public TimerHandle? Wakeup { get; set; }

    [JsonIgnore]
    public bool Deleted { get; set; }

    [JsonIgnore]
    public (string, string) Key => (Namespace, ScheduleId);

    public ScheduleOverlapPolicy Resolve(ScheduleOverlapPolicy requested) =>
        requested != ScheduleOverlapPolicy.Unspecified ? requested
        : Schedule.Policies.OverlapPolicy != ScheduleOverlapPolicy.Unspecified ? Schedule.Policies.OverlapPolicy
        : ScheduleOverlapPolicy.Skip;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ScheduleEntry FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<ScheduleEntry>(bytes, Json) ?? throw new InvalidDataException("empty schedule record");

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new ProtobufBytesConverterFactory() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
