namespace WarehouseOms.Contracts;

// Inbound messages. Field names are the camelCase JSON published by upstream systems and devices.
// Every field is nullable on purpose: the wire can carry anything, and validation (not the
// deserializer) decides what is missing and says so in the error queue.

/// <summary>A line of an order or cart. <see cref="UnitPrice"/>: in the order's currency (priced orders price every line).</summary>
public sealed record OrderLine(string? Sku, int? Quantity, decimal? UnitPrice = null);

public sealed record ShipTo(string? Name, string? Line1, string? City, string? PostalCode, string? Country);

public sealed record PackageInfo(string? PackageId, decimal? WeightKg);

/// <summary>Stock arrives at the dock (idempotent by receiptId).</summary>
public sealed record StockReceived(string? ReceiptId, string? Sku, int? Quantity);

/// <summary>
/// An upstream system submits an order (idempotent by requestId). Priced: <see cref="Currency"/> (ISO 4217)
/// and a unitPrice on every line; unpriced (no currency, no prices): paid as a whole, as before prices.
/// </summary>
public sealed record OrderSubmitted(
    string? RequestId,
    string? OrderId,
    string? CustomerId,
    IReadOnlyList<OrderLine>? Lines,
    ShipTo? ShipTo,
    string? Currency = null);

/// <summary>A warehouse device reports that every pick task of an order is done.</summary>
public sealed record PickCompleted(string? OrderId, string? DeviceId, IReadOnlyList<OrderLine>? Lines);

/// <summary>A packing station reports that an order is packed.</summary>
public sealed record PackCompleted(string? OrderId, string? DeviceId, IReadOnlyList<PackageInfo>? Packages);

/// <summary>OMS or an operator asks to cancel an order before it ships.</summary>
public sealed record OrderCancellationRequested(string? OrderId, string? Reason);

public sealed record CartItemsAdded(string? CustomerId, IReadOnlyList<OrderLine>? Items);

public sealed record CartItemsRemoved(string? CustomerId, IReadOnlyList<OrderLine>? Items);

public sealed record CartReset(string? CustomerId);

public sealed record CartCheckedOut(string? CustomerId, string? RequestId, ShipTo? ShipTo);

public sealed record PaymentApproved(string? OrderId, string? ApprovedBy);

/// <summary>A line added while the order awaits payment; a priced order's line carries its unit price (order currency).</summary>
public sealed record OrderLineAdded(string? OrderId, string? Sku, int? Quantity, decimal? UnitPrice = null);

public sealed record ShipmentDelivered(string? OrderId, DateTimeOffset? DeliveredAt);

/// <summary>A component of a kit: <c>quantity</c> units of <c>sku</c> per kit.</summary>
public sealed record SkuComponent(string? Sku, int? Quantity);

/// <summary>
/// The item master registers a SKU or updates it (idempotent by content and message ID). With components
/// it defines, or redefines for orders placed afterwards, a kit's bill of materials.
/// </summary>
public sealed record SkuRegistered(string? Sku, string? Name, int? ReorderPoint, int? ReorderQuantity, IReadOnlyList<SkuComponent>? Components);

/// <summary>The item master retires a SKU: new orders for it are refused; stock and open orders are untouched.</summary>
public sealed record SkuRetired(string? Sku);
