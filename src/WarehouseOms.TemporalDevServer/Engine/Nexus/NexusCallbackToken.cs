using System.Buffers.Text;
using System.Text.Json;

namespace WarehouseOms.TemporalDevServer.Engine.Nexus;

/// <summary>
/// What the engine puts in a start request's callback header to find the caller again when the handler's workflow
/// closes: the caller run, the operation's scheduled event and request ID. Opaque to SDKs, which copy it onto the
/// workflow's completion callback (Temporal's own token is a serialized proto; only the routing matters). A standalone
/// operation's token names it by <paramref name="OperationId"/> and its run, with no workflow or event.
/// </summary>
internal sealed record NexusCallbackToken(string Namespace, string WorkflowId, string RunId, long ScheduledEventId, string RequestId, string? OperationId = null)
{
    /// <summary>The URL of callbacks the engine delivers itself, as Temporal's system callback.</summary>
    public const string SystemCallbackUrl = "temporal://system";

    public const string HeaderName = "temporal-callback-token";

    /// <summary>The operation token a handler SDK adds to the callback's header.</summary>
    public const string OperationTokenHeader = "nexus-operation-token";

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this));

    public static NexusCallbackToken? TryDecode(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<NexusCallbackToken>(Base64Url.DecodeFromChars(value));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>A header value by name, whatever the case of its key (SDKs and Temporal lowercase them, HTTP does not care).</summary>
    public static string? Header(IDictionary<string, string> header, string name) =>
        header.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
