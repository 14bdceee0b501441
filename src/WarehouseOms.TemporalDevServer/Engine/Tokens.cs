using System.Text;
using Google.Protobuf;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Opaque task tokens of our own: kind, execution, the task's event ID and attempt, and for a workflow task
/// when it started (a speculative task that left no trace reuses the event ID and attempt of the one before).
/// </summary>
internal sealed record TaskToken(char Kind, string Namespace, string WorkflowId, string RunId, long EventId, int Attempt, string? QueryId = null, long Started = 0)
{
    public const char Workflow = 'W';
    public const char Activity = 'A';
    public const char StandaloneActivity = 'S';
    public const char Query = 'Q';
    public const char NexusStart = 'N';
    public const char NexusCancel = 'X';

    private static readonly char[] Kinds = [Workflow, Activity, StandaloneActivity, Query, NexusStart, NexusCancel];

    public ByteString ToByteString() =>
        ByteString.CopyFrom(Encoding.UTF8.GetBytes(string.Join('\u001f', Kind, Namespace, WorkflowId, RunId, EventId, Attempt, QueryId ?? string.Empty, Started)));

    public static TaskToken Parse(ByteString bytes, char expectedKind) => Parse(bytes, [expectedKind]);

    public static TaskToken Parse(ByteString bytes, ReadOnlySpan<char> expectedKinds)
    {
        var token = Read(bytes);
        if (!expectedKinds.Contains(token.Kind))
        {
            // A token, but of another kind of task: no such task here.
            throw Errors.NotFound("Task token not recognised");
        }

        return token;
    }

    /// <summary>The namespace a token names, whatever its kind (Temporal's validator reads it before any handler).</summary>
    public static string NamespaceOf(ByteString bytes) => Read(bytes).Namespace;

    private static TaskToken Read(ByteString bytes)
    {
        if (bytes.IsEmpty)
        {
            throw Errors.InvalidArgument("Task token not set on request.");
        }

        var parts = Encoding.UTF8.GetString(bytes.Span).Split('\u001f');
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        if (parts.Length != 8 || parts[0].Length != 1 || !Kinds.Contains(parts[0][0]) ||
            !long.TryParse(parts[4], culture, out var eventId) || !int.TryParse(parts[5], culture, out var attempt) ||
            !long.TryParse(parts[7], culture, out var started))
        {
            // Temporal's answer to bytes that are no task token at all.
            throw Errors.InvalidArgument("Error deserializing task token.");
        }

        return new TaskToken(parts[0][0], parts[1], parts[2], parts[3], eventId, attempt, parts[6].Length == 0 ? null : parts[6], started);
    }
}
