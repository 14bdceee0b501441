using System.Text.Json;
using System.Text.Json.Serialization;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine.Batches;

/// <summary>
/// One batch operation, in the place of Temporal's batcher workflow: the request as started, its state and
/// times, the execution count estimated at the start, and the progress of whole pages (what a restart resumes
/// from, as the batcher's activity resumes from its last heartbeat). Stored whole as JSON with protobuf values as
/// bytes. Guarded by the engine lock.
/// </summary>
internal sealed class BatchJob
{
    public required string Namespace { get; init; }

    public required string JobId { get; init; }

    /// <summary>The run ID Temporal's batcher workflow would have: named in a duplicate start's refusal.</summary>
    public required string RunId { get; init; }

    public required StartBatchOperationRequest Request { get; init; }

    public required DateTime StartTime { get; init; }

    public DateTime? CloseTime { get; set; }

    public BatchOperationState State { get; set; } = BatchOperationState.Running;

    /// <summary>The executions the query matched at the start (or the executions listed); null until counted.</summary>
    public long? TotalEstimate { get; set; }

    /// <summary>Executions of the pages finished so far whose operation was applied (or whose execution was gone).</summary>
    public long Succeeded { get; set; }

    /// <summary>Executions of the pages finished so far whose operation failed on every attempt.</summary>
    public long Failed { get; set; }

    /// <summary>The list position after the last finished page; null: none finished yet.</summary>
    public string? NextPageToken { get; set; }

    /// <summary>Why the batch failed, when it failed on its own (a query the engine cannot run) or was stopped.</summary>
    public string? Failure { get; set; }

    /// <summary>Progress in the page being worked on, not yet stored: shown by Describe, redone after a restart.</summary>
    [JsonIgnore]
    public long PageSucceeded;

    /// <summary>See <see cref="PageSucceeded"/>.</summary>
    [JsonIgnore]
    public long PageFailed;

    /// <summary>Cancelled when the batch is stopped or the engine stops.</summary>
    [JsonIgnore]
    public CancellationTokenSource? Cancel { get; set; }

    /// <summary>Past its namespace's retention: removed from the store with the next commit.</summary>
    [JsonIgnore]
    public bool Expired { get; set; }

    [JsonIgnore]
    public (string, string) Key => (Namespace, JobId);

    [JsonIgnore]
    public bool IsRunning => State == BatchOperationState.Running;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static BatchJob FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<BatchJob>(bytes, Json) ?? throw new InvalidDataException("empty batch operation record");

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new ProtobufBytesConverterFactory() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
