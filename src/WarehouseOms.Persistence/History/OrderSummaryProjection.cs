using System.Text.Json;
using System.Text.Json.Nodes;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Persistence.History;

/// <summary>
/// Event → read model, as a pure function (no I/O, no clock): the history applies it inside the
/// appending transaction, tests call it directly, and a rebuild folds it over the events.
/// </summary>
/// <remarks>
/// It switches on the typed payload (<see cref="OrderEventCatalog"/>), so renaming a payload property is
/// a compile error here rather than a silently empty read model. The status follows the status events
/// (<see cref="OrderEventTypes.StatusOf"/>); the step is the last event type; the customer and lines come
/// from <see cref="OrderCreated"/> (plus each <see cref="LineAdded"/>), the reason from a status change,
/// the shipment and tracking number from the shipment events and the shipped status change.
/// </remarks>
public static class OrderSummaryProjection
{
    public const string EmptyLines = "[]";

    /// <summary>Applies a stored event: its payload is read back as its type.</summary>
    /// <exception cref="InvalidOperationException">The event is not the next one of <paramref name="current"/>'s order.</exception>
    public static OrderSummaryRecord Apply(OrderSummaryRecord? current, OrderEventRecord @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return Apply(current, @event, OrderEventCatalog.Read(@event.EventType, @event.Payload));
    }

    /// <summary>Applies an event whose typed payload is at hand (the appending transaction).</summary>
    /// <exception cref="InvalidOperationException">The event is not the next one of <paramref name="current"/>'s order.</exception>
    public static OrderSummaryRecord Apply(OrderSummaryRecord? current, OrderEventRecord @event, object? payload)
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

        var next = summary with
        {
            Status = OrderEventTypes.StatusOf(@event.EventType) ?? summary.Status,
            Step = @event.EventType,
            Version = @event.Version,
            UpdatedAt = @event.OccurredAt,
        };

        // Payloads read back from older rows may lack properties: a missing one keeps what the summary had.
        return payload switch
        {
            OrderCreated created => next with
            {
                CustomerId = created.CustomerId ?? next.CustomerId,
                Lines = created.Lines is { } lines ? JsonSerializer.Serialize(lines, OutboxConventions.JsonOptions) : next.Lines,
                Currency = created.Currency ?? next.Currency,
                TotalAmount = created.Currency is null ? next.TotalAmount : created.Lines?.Sum(l => l.Quantity * (l.UnitPrice ?? 0m)),
            },
            PaymentCaptured captured => next with { CapturedAmount = captured.Amount ?? next.CapturedAmount, RefundedAmount = captured.Amount is null ? next.RefundedAmount : 0m },
            PaymentRefunded refunded => next with { RefundedAmount = refunded.Amount is { } amount ? (next.RefundedAmount ?? 0m) + amount : next.RefundedAmount },
            OrderStatusChanged changed => next with
            {
                StatusReason = changed.Reason ?? next.StatusReason,
                ShipmentId = changed.ShipmentId ?? next.ShipmentId,
                TrackingNumber = changed.TrackingNumber ?? next.TrackingNumber,
            },
            LineAdded { Sku: { } sku } added => next with
            {
                Lines = WithLine(next.Lines, sku, added.Quantity, added.UnitPrice),
                TotalAmount = added.UnitPrice is { } price && next.TotalAmount is { } total ? total + (added.Quantity * price) : next.TotalAmount,
            },
            ShipmentCreatedEvent shipment => next with { ShipmentId = shipment.ShipmentId ?? next.ShipmentId },
            ShipmentLabelGeneratedEvent label => next with
            {
                ShipmentId = label.ShipmentId ?? next.ShipmentId,
                TrackingNumber = label.TrackingNumber ?? next.TrackingNumber,
            },
            ShipmentConfirmedEvent confirmed => next with
            {
                ShipmentId = confirmed.ShipmentId ?? next.ShipmentId,
                TrackingNumber = confirmed.TrackingNumber ?? next.TrackingNumber,
            },
            ShipmentCancelledEvent cancelled => next with { ShipmentId = cancelled.ShipmentId ?? next.ShipmentId },
            _ => next,
        };
    }

    /// <summary>The summary after <paramref name="events"/> (in version order); null when there are none.</summary>
    public static OrderSummaryRecord? Replay(IEnumerable<OrderEventRecord> events) =>
        events.Aggregate((OrderSummaryRecord?)null, Apply);

    private static string WithLine(string lines, string sku, int quantity, decimal? unitPrice)
    {
        var array = JsonNode.Parse(lines) as JsonArray ?? [];
        var line = new JsonObject { ["sku"] = sku, ["quantity"] = quantity };
        if (unitPrice is { } price)
        {
            line["unitPrice"] = price;
        }

        array.Add(line);
        return array.ToJsonString();
    }
}
