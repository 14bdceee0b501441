using System.Text.Json;
using System.Text.Json.Serialization;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// What every standalone run (activity, Nexus operation) shares: its count of state transitions, its stored form (the
/// whole run as JSON, protobuf fields as their bytes), and, live only, a waiter for its next change (the outcome poll and
/// describe's long poll), the size of its stored record (measured once per change or taken from the last store write;
/// describe and list report it) and whether it was deleted.
/// </summary>
internal abstract class StandaloneRun<TSelf>
    where TSelf : StandaloneRun<TSelf>
{
    private TaskCompletionSource? next;
    private int? stateSize;

    public long StateTransitionCount { get; set; }

    /// <summary>Removed (its Delete RPC or retention): held only until the store forgets it.</summary>
    [JsonIgnore]
    public bool Deleted { get; set; }

    /// <summary>Completes at the next change of state.</summary>
    [JsonIgnore]
    public Task Changed => (next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The stored record's size.</summary>
    [JsonIgnore]
    public int StateSizeBytes => stateSize ??= ToBytes().Length;

    public void NotifyChanged()
    {
        StateTransitionCount++;
        stateSize = null;
        next?.TrySetResult();
        next = null;
    }

    public byte[] ToBytes()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes((TSelf)this, Json);
        stateSize = bytes.Length;
        return bytes;
    }

    public static TSelf FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<TSelf>(bytes, Json) ?? throw new InvalidDataException($"empty {typeof(TSelf).Name} record");

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new ProtobufBytesConverterFactory() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
