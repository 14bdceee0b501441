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
    /// <summary>The event type name that <paramref name="event"/> is recorded as.</summary>
    /// <exception cref="ArgumentException">Not a payload of the order history.</exception>
    public static string TypeOf(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return @event switch
        {
            OrderCreated => OrderEventTypes.OrderCreated,
            OrderStatusChanged changed => OrderEventTypes.ForStatus(OrderStatusText.Parse(changed.To)),
            InventoryAllocatedEvent => OrderEventTypes.InventoryAllocated,
            InventoryReleasedEvent => OrderEventTypes.InventoryReleased,
            InventoryConsumed => OrderEventTypes.InventoryConsumed,
            PickWaveCreatedEvent => OrderEventTypes.PickWaveCreated,
            ShipmentCreatedEvent => OrderEventTypes.ShipmentCreated,
            ShipmentLabelGeneratedEvent => OrderEventTypes.LabelGenerated,
            ShipmentConfirmedEvent => OrderEventTypes.ShipmentConfirmed,
            ShipmentCancelledEvent => OrderEventTypes.ShipmentCancelled,
            LineAdded => OrderEventTypes.LineAdded,
            PaymentCaptured => OrderEventTypes.PaymentCaptured,
            PaymentRefunded => OrderEventTypes.PaymentRefunded,
            _ => throw new ArgumentException($"{@event.GetType().Name} is not an order history event; add it to {nameof(OrderEventCatalog)}.", nameof(@event)),
        };
    }

    /// <summary>The CLR type of <paramref name="eventType"/>'s payload; null for a name this version does not know.</summary>
    public static Type? PayloadTypeOf(string eventType) => eventType switch
    {
        OrderEventTypes.OrderCreated => typeof(OrderCreated),
        OrderEventTypes.InventoryAllocated => typeof(InventoryAllocatedEvent),
        OrderEventTypes.InventoryReleased => typeof(InventoryReleasedEvent),
        OrderEventTypes.InventoryConsumed => typeof(InventoryConsumed),
        OrderEventTypes.PickWaveCreated => typeof(PickWaveCreatedEvent),
        OrderEventTypes.ShipmentCreated => typeof(ShipmentCreatedEvent),
        OrderEventTypes.LabelGenerated => typeof(ShipmentLabelGeneratedEvent),
        OrderEventTypes.ShipmentConfirmed => typeof(ShipmentConfirmedEvent),
        OrderEventTypes.ShipmentCancelled => typeof(ShipmentCancelledEvent),
        OrderEventTypes.LineAdded => typeof(LineAdded),
        OrderEventTypes.PaymentCaptured => typeof(PaymentCaptured),
        OrderEventTypes.PaymentRefunded => typeof(PaymentRefunded),
        _ when OrderEventTypes.StatusOf(eventType) is not null => typeof(OrderStatusChanged),
        _ => null,
    };

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
