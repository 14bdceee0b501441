using System.Diagnostics;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>
/// The relay's publish span (source <see cref="SourceName"/>): a child of the trace the outbox row was
/// written in, so an order's trace ends with the publish of the events it caused (ADR 0022). The published
/// message carries the W3C <c>traceparent</c> header for downstream consumers.
/// </summary>
public static class OutboxTracing
{
    public const string SourceName = "WarehouseOms.Outbox";

    public const string TraceParentHeader = "traceparent";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span of one publish, or null when nobody listens.</summary>
    internal static Activity? StartPublishSpan(string exchange, Guid messageId, string? storedTraceParent)
    {
        var parent = ActivityContext.TryParse(storedTraceParent, traceState: null, isRemote: true, out var context) ? context : default;
        return Source.StartActivity($"{exchange} publish", ActivityKind.Producer, parent)
            ?.SetTag("messaging.system", "rabbitmq")
            .SetTag("messaging.operation.type", "publish")
            .SetTag("messaging.destination.name", exchange)
            .SetTag("messaging.message.id", messageId.ToString());
    }

    /// <summary>The <c>traceparent</c> to publish: the span's own, or the stored one as it is when nobody records spans.</summary>
    internal static string? TraceParentFor(Activity? span, string? storedTraceParent) =>
        span is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : storedTraceParent;
}
