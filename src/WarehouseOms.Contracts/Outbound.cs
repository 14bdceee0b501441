namespace WarehouseOms.Contracts;

// Outbound events, published through the outbox. Every one carries orderId (or sku for inventory
// replenishment) and the time it happened; the AMQP message_id is stable across retries so that
// consumers can de-duplicate.

/// <summary>A SKU and a quantity in an outbound event or history record: allocated, released, picked, consumed, ordered.</summary>
public sealed record SkuLine(string Sku, int Quantity);

public sealed record OrderCreatedEvent(string OrderId, string RequestId, string CustomerId, IReadOnlyList<SkuLine> Lines, DateTimeOffset OccurredAt);

public sealed record OrderRejectedEvent(string? OrderId, string RequestId, IReadOnlyList<string> Reasons, DateTimeOffset OccurredAt);

public sealed record OrderFailedEvent(string OrderId, string Reason, DateTimeOffset OccurredAt);

public sealed record OrderCancelledEvent(string OrderId, string Reason, DateTimeOffset OccurredAt);

public sealed record OrderShippedEvent(string OrderId, string ShipmentId, string TrackingNumber, DateTimeOffset OccurredAt);

public sealed record OrderCompletedEvent(string OrderId, DateTimeOffset DeliveredAt, DateTimeOffset OccurredAt);

public sealed record InventoryAllocatedEvent(string OrderId, IReadOnlyList<SkuLine> Allocations, DateTimeOffset OccurredAt);

public sealed record InventoryReleasedEvent(string OrderId, IReadOnlyList<SkuLine> Released, string Reason, DateTimeOffset OccurredAt);

public sealed record PickWaveCreatedEvent(string OrderId, string PickWaveId, IReadOnlyList<SkuLine> Lines, DateTimeOffset OccurredAt);

/// <summary>The warehouse's pick of the order was applied: its stock left the shelves. Lines as the device reported them.</summary>
public sealed record OrderPickedEvent(string OrderId, IReadOnlyList<SkuLine> Lines, DateTimeOffset OccurredAt);

public sealed record ShipmentCreatedEvent(string OrderId, string ShipmentId, IReadOnlyList<string> PackageIds, DateTimeOffset OccurredAt);

public sealed record ShipmentLabelGeneratedEvent(string OrderId, string ShipmentId, string TrackingNumber, string LabelReference, DateTimeOffset OccurredAt);

public sealed record ShipmentConfirmedEvent(string OrderId, string ShipmentId, string TrackingNumber, string LabelReference, DateTimeOffset OccurredAt);

public sealed record ShipmentCancelledEvent(string OrderId, string ShipmentId, string Reason, DateTimeOffset OccurredAt);

public sealed record ReplenishmentRequestedEvent(string Sku, int OnHand, int ReorderPoint, int RequestedQuantity, DateTimeOffset OccurredAt);

public sealed record ReplenishmentOverdueEvent(string Sku, DateTimeOffset RequestedAt, DateTimeOffset OccurredAt);

/// <summary>A customer notification for a mailer/SMS gateway downstream. Kind: "order-confirmation" or "order-cancellation".</summary>
public sealed record OrderNotificationEvent(
    string OrderId,
    string CustomerId,
    string Kind,
    string Message,
    DateTimeOffset OccurredAt,
    string? CustomerTier = null,
    IReadOnlyList<string>? Recommendations = null);
