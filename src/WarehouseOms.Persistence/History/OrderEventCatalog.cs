using System.Text.Json;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Persistence.History;

/// <summary>
/// Event type name ↔ payload type of an order's history: the one place that knows which record each
/// <see cref="OrderEventTypes"/> name holds. Writers name an event by its type; readers (the projection)
/// get the typed record back and switch on it, never on JSON property names.
/// </summary>
public static class OrderEventCatalog
{
    /// <summary>
    /// Every payload type of the history and the event type name it is recorded under, one row each:
    /// a new history event is one row here. Status events (<see cref="OrderStatusChanged"/>) are named by
    /// the status they enter (<see cref="OrderEventTypes.ForStatus"/>).
    /// </summary>
    private static readonly (Type Payload, string EventType)[] Rows =
    [
        (typeof(OrderCreated), OrderEventTypes.OrderCreated),
        (typeof(InventoryAllocatedEvent), OrderEventTypes.InventoryAllocated),
        (typeof(InventoryReleasedEvent), OrderEventTypes.InventoryReleased),
        (typeof(InventoryConsumed), OrderEventTypes.InventoryConsumed),
        (typeof(PickWaveCreatedEvent), OrderEventTypes.PickWaveCreated),
        (typeof(ShipmentCreatedEvent), OrderEventTypes.ShipmentCreated),
        (typeof(ShipmentLabelGeneratedEvent), OrderEventTypes.LabelGenerated),
        (typeof(ShipmentConfirmedEvent), OrderEventTypes.ShipmentConfirmed),
        (typeof(ShipmentCancelledEvent), OrderEventTypes.ShipmentCancelled),
        (typeof(LineAdded), OrderEventTypes.LineAdded),
        (typeof(PaymentCaptured), OrderEventTypes.PaymentCaptured),
        (typeof(PaymentRefunded), OrderEventTypes.PaymentRefunded),
        (typeof(OrderLineShortedEvent), OrderEventTypes.LineShorted),
    ];

    private static readonly Dictionary<Type, string> EventTypeByPayload = Rows.ToDictionary(r => r.Payload, r => r.EventType);

    private static readonly Dictionary<string, Type> PayloadByEventType = Rows.ToDictionary(r => r.EventType, r => r.Payload, StringComparer.Ordinal);

    /// <summary>The event type name that <paramref name="event"/> is recorded as.</summary>
    /// <exception cref="ArgumentException">Not a payload of the order history.</exception>
    public static string TypeOf(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event is OrderStatusChanged changed)
        {
            return OrderEventTypes.ForStatus(OrderStatusText.Parse(changed.To));
        }

        return EventTypeByPayload.TryGetValue(@event.GetType(), out var eventType)
            ? eventType
            : throw new ArgumentException($"{@event.GetType().Name} is not an order history event; add it to {nameof(OrderEventCatalog)}.", nameof(@event));
    }

    /// <summary>The CLR type of <paramref name="eventType"/>'s payload; null for a name this version does not know.</summary>
    public static Type? PayloadTypeOf(string eventType) =>
        PayloadByEventType.TryGetValue(eventType, out var payload) ? payload
        : OrderEventTypes.StatusOf(eventType) is not null ? typeof(OrderStatusChanged)
        : null;

    /// <summary>The stored JSON of an event (camelCase, <see cref="OutboxConventions.JsonOptions"/>).</summary>
    public static string Serialize(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return JsonSerializer.Serialize(@event, @event.GetType(), OutboxConventions.JsonOptions);
    }

    /// <summary>The typed payload of a stored event; null for an event type this version does not know.</summary>
    /// <exception cref="JsonException">The payload does not have its type's shape.</exception>
    public static object? Read(string eventType, string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return PayloadTypeOf(eventType) is { } type ? JsonSerializer.Deserialize(payload, type, OutboxConventions.JsonOptions) : null;
    }
}
