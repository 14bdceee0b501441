using System.Text.Json.Serialization;
using WarehouseOms.Contracts;

namespace WarehouseOms.Persistence.History;

// The typed payloads of order history events that are not an outbound message. Where a change emits
// a message of the same shape (InventoryAllocatedEvent, ShipmentCreatedEvent, …), the history records
// that message itself (see OrderEventCatalog). The JSON property names are the stored format: renaming
// a property here changes what new rows hold and what old rows are read as (OrderHistoryEventsTests pin it).

/// <summary>Where an order ships to, as recorded in its <see cref="OrderCreated"/> event.</summary>
public sealed record OrderShipTo(string Name, string Line1, string City, string PostalCode, string Country);

/// <summary>OrderCreated: everything the order was created with (a priced order: its currency, and unit prices on the lines).</summary>
public sealed record OrderCreated(
    string RequestId,
    string CustomerId,
    IReadOnlyList<SkuLine> Lines,
    OrderShipTo ShipTo,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null);

/// <summary>Every status event (<see cref="OrderEventTypes.ForStatus"/>): the move (wire names) and the order's facts after it.</summary>
public sealed record OrderStatusChanged(
    string From,
    string To,
    string? Reason,
    string? ShipmentId,
    string? TrackingNumber,
    DateTimeOffset? DeliveredAt);

/// <summary>InventoryConsumed: what left the shelf (the reservation) and what the device reported picked.</summary>
public sealed record InventoryConsumed(IReadOnlyList<SkuLine> Consumed, IReadOnlyList<SkuLine> Picked);

/// <summary>LineAdded: a line added while the order awaited payment, with the components it reserved.</summary>
public sealed record LineAdded(
    string AdditionId,
    string Sku,
    int Quantity,
    IReadOnlyList<SkuLine> Reserved,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? UnitPrice = null);

/// <summary>PaymentCaptured: with the amount for a priced order.</summary>
public sealed record PaymentCaptured(
    string ProviderReference,
    string ApprovedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Amount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null);

/// <summary>PaymentRefunded: a cancellation's refund of everything still captured, or a short pick's part (priced orders: the amount).</summary>
public sealed record PaymentRefunded(
    string ProviderReference,
    string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Amount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null);
