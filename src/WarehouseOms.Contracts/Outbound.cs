using System.Text.Json.Serialization;

namespace WarehouseOms.Contracts;

// Outbound events, published through the outbox. Every one carries orderId (or sku for inventory
// replenishment) and the time it happened; the AMQP message_id is stable across retries so that
// consumers can de-duplicate.

/// <summary>
/// A SKU and a quantity in an outbound event or history record: allocated, released, picked, consumed,
/// ordered. Ordered lines of a priced order carry their unit price; it is left out of the JSON otherwise.
/// </summary>
public sealed record SkuLine(string Sku, int Quantity, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? UnitPrice = null);

// Amounts: decimal numbers in the order's currency (ISO 4217 code in "currency"), at most its minor
// units of decimals; all left out of the JSON for unpriced orders.

public sealed record OrderCreatedEvent(
    string OrderId,
    string RequestId,
    string CustomerId,
    IReadOnlyList<SkuLine> Lines,
    DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? TotalAmount = null);

public sealed record OrderRejectedEvent(string? OrderId, string RequestId, IReadOnlyList<string> Reasons, DateTimeOffset OccurredAt);

public sealed record OrderFailedEvent(string OrderId, string Reason, DateTimeOffset OccurredAt);

/// <summary>RefundedAmount: what the cancellation refunded (everything still captured); absent when nothing was paid or the order is unpriced.</summary>
public sealed record OrderCancelledEvent(
    string OrderId,
    string Reason,
    DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? RefundedAmount = null);

/// <summary>ChargedAmount: captured minus refunded (short picks), what the customer pays for what ships.</summary>
public sealed record OrderShippedEvent(
    string OrderId,
    string ShipmentId,
    string TrackingNumber,
    DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? CapturedAmount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? RefundedAmount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? ChargedAmount = null);

/// <summary>A picked SKU the warehouse could not fill: reserved, picked, and the difference.</summary>
public sealed record ShortedSkuLine(string Sku, int Reserved, int Picked, int Shorted);

/// <summary>An order line that ships fewer units than ordered after a short pick, and what they were refunded.</summary>
public sealed record RefundedLine(string Sku, int Ordered, int Unfilled, decimal Amount);

/// <summary>
/// oms.order-line-shorted: the warehouse picked fewer units than reserved and the order ships what was
/// picked. The rest of the reservation was released; RefundedAmount (priced orders that were paid) went
/// back to the customer.
/// </summary>
public sealed record OrderLineShortedEvent(
    string OrderId,
    IReadOnlyList<ShortedSkuLine> Lines,
    IReadOnlyList<RefundedLine> RefundedLines,
    DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? RefundedAmount = null);

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
