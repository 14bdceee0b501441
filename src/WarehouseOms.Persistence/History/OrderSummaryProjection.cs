using System.Text.Json;
using System.Text.Json.Nodes;

namespace WarehouseOms.Persistence.History;

/// <summary>
/// Event → read model, as a pure function (no I/O, no clock): the history applies it inside the
/// appending transaction, tests call it directly, and a rebuild folds it over the events.
/// </summary>
/// <remarks>
/// It reads well-known payload properties rather than one type per event, so a new event type needs no
/// change here unless it carries new summary facts: <c>customerId</c>, <c>shipmentId</c> and
/// <c>trackingNumber</c> wherever present, <c>lines</c> of <c>OrderCreated</c>, <c>sku</c> and <c>quantity</c>
/// of <c>LineAdded</c> (appended to the lines), <c>reason</c> of a status change. The status follows the status events (<see cref="OrderEventTypes.StatusOf"/>); the step is the
/// last event type.
/// </remarks>
public static class OrderSummaryProjection
{
    public const string EmptyLines = "[]";

    /// <exception cref="InvalidOperationException">The event is not the next one of <paramref name="current"/>'s order.</exception>
    public static OrderSummaryRecord Apply(OrderSummaryRecord? current, OrderEventRecord @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var summary = current ?? new OrderSummaryRecord
        {
            OrderId = @event.OrderId,
            Step = @event.EventType,
            Lines = EmptyLines,
            Version = 0,
            CreatedAt = @event.OccurredAt,
            UpdatedAt = @event.OccurredAt,
        };
        if (summary.OrderId != @event.OrderId || @event.Version != summary.Version + 1)
        {
            throw new InvalidOperationException(
                $"Event {@event.OrderId} v{@event.Version} does not follow the summary of {summary.OrderId} at v{summary.Version}.");
        }

        using var document = JsonDocument.Parse(@event.Payload);
        var payload = document.RootElement;
        var status = OrderEventTypes.StatusOf(@event.EventType);
        return summary with
        {
            CustomerId = Text(payload, "customerId") ?? summary.CustomerId,
            Status = status ?? summary.Status,
            StatusReason = status is null ? summary.StatusReason : Text(payload, "reason") ?? summary.StatusReason,
            Step = @event.EventType,
            Lines = @event.EventType switch
            {
                OrderEventTypes.OrderCreated when Property(payload, "lines") is { ValueKind: JsonValueKind.Array } lines => lines.GetRawText(),
                OrderEventTypes.LineAdded when Text(payload, "sku") is { } sku && Property(payload, "quantity") is { ValueKind: JsonValueKind.Number } quantity =>
                    WithLine(summary.Lines, sku, quantity.GetInt32()),
                _ => summary.Lines,
            },
            ShipmentId = Text(payload, "shipmentId") ?? summary.ShipmentId,
            TrackingNumber = Text(payload, "trackingNumber") ?? summary.TrackingNumber,
            Version = @event.Version,
            UpdatedAt = @event.OccurredAt,
        };
    }

    /// <summary>The summary after <paramref name="events"/> (in version order); null when there are none.</summary>
    public static OrderSummaryRecord? Replay(IEnumerable<OrderEventRecord> events) =>
        events.Aggregate((OrderSummaryRecord?)null, Apply);

    private static string WithLine(string lines, string sku, int quantity)
    {
        var array = JsonNode.Parse(lines) as JsonArray ?? [];
        array.Add(new JsonObject { ["sku"] = sku, ["quantity"] = quantity });
        return array.ToJsonString();
    }

    private static JsonElement? Property(JsonElement payload, string name) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(name, out var value) ? value : null;

    private static string? Text(JsonElement payload, string name) =>
        Property(payload, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
