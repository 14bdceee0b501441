using WarehouseOms.Contracts;

namespace WarehouseOms.Workflows.Activities;

// Inputs and results of activities. Records only: they are serialized into workflow history.

/// <summary>A validated order line: a positive quantity of a known SKU.</summary>
/// <summary>A SKU and quantity; an order line of a priced order carries its unit price (null otherwise, and for picks and reservations).</summary>
public sealed record LineItem(string Sku, int Quantity, decimal? UnitPrice = null);

public sealed record Address(string Name, string Line1, string City, string PostalCode, string Country);

/// <summary>The intake workflow's input: the order as submitted, not yet validated.</summary>
/// <param name="Fulfillment">Settings for the fulfillment child (pick timeout ...); null means the defaults.</param>
public sealed record OrderIntakeInput(string RequestId, string MessageId, OrderSubmitted Submitted, FulfillmentOptions? Fulfillment = null);

/// <summary>An order that passed validation.</summary>
/// <param name="Currency">ISO 4217 code of a priced order (every line has a unit price); null for an unpriced one.</param>
public sealed record ValidatedOrder(string RequestId, string OrderId, string CustomerId, IReadOnlyList<LineItem> Lines, Address ShipTo, string? Currency = null);

public sealed record RejectOrderInput(string RequestId, string? OrderId, IReadOnlyList<string> Reasons);

public sealed record OrderRef(string OrderId);

public sealed record OrderStatusChange(string OrderId, string Reason);

/// <summary>Allocation after BOM expansion: what was reserved, per component SKU.</summary>
public sealed record AllocationResult(string OrderId, IReadOnlyList<LineItem> Allocated);

public sealed record AllocateInventoryInput(string OrderId, IReadOnlyList<LineItem> Lines);

public sealed record ReleaseInventoryInput(string OrderId, string Reason);

public sealed record ConsumeInventoryInput(string OrderId, IReadOnlyList<LineItem> Picked);

/// <summary>SKUs that fell below their reorder point when stock was consumed.</summary>
public sealed record ConsumeInventoryResult(string OrderId, IReadOnlyList<string> SkusBelowReorderPoint);

public sealed record CreatePickWaveInput(string OrderId, IReadOnlyList<LineItem> Lines);

public sealed record PickWaveResult(string OrderId, string PickWaveId);

public sealed record Package(string PackageId, decimal WeightKg);

public sealed record CreateShipmentInput(string OrderId, IReadOnlyList<Package> Packages);

public sealed record ShipmentResult(string OrderId, string ShipmentId);

public sealed record ShipmentRef(string OrderId, string ShipmentId);

public sealed record LabelResult(string OrderId, string ShipmentId, string TrackingNumber, string LabelReference);

public sealed record MarkOrderShippedInput(string OrderId, string ShipmentId, string TrackingNumber);

public sealed record MarkOrderPaidInput(string OrderId, string PaymentReference);

public sealed record MarkOrderCompletedInput(string OrderId, DateTimeOffset DeliveredAt);

public sealed record CustomerRef(string CustomerId);

/// <summary>STANDARD, SILVER or GOLD, by the number of orders the customer placed before.</summary>
public sealed record CustomerProfile(string CustomerId, string Tier, int PreviousOrders);

public sealed record RecommendationRequest(string CustomerId, IReadOnlyList<string> Skus);

public sealed record Recommendations(IReadOnlyList<string> Skus);

public sealed record InventorySnapshotRequest(IReadOnlyList<string> Skus);

/// <summary>Available = on hand − reserved, per SKU (kits: not stocked themselves, absent here).</summary>
public sealed record InventorySnapshot(IReadOnlyList<SkuAvailability> Items);

public sealed record SkuAvailability(string Sku, int Available);

/// <param name="AdditionId">The message ID of the oms.order-line-added message: the idempotency key.</param>
public sealed record ReserveAddedLineInput(string OrderId, string AdditionId, string Sku, int Quantity, decimal? UnitPrice = null);

/// <param name="Amount">The order total to capture (lines added while awaiting payment included); null for an unpriced order.</param>
public sealed record ProcessPaymentInput(string OrderId, string CustomerId, string ApprovedBy, decimal? Amount = null, string? Currency = null);

/// <summary>A picked SKU short of its reservation.</summary>
public sealed record ShortedItem(string Sku, int Reserved, int Picked);

/// <summary>Ship what was picked: release <paramref name="Shorted"/>'s missing units, refund them, emit oms.order-line-shorted.</summary>
public sealed record ShortOrderLinesInput(string OrderId, IReadOnlyList<ShortedItem> Shorted, string Reason);

/// <summary>What the short pick refunded; null amount for an unpriced or unpaid order.</summary>
public sealed record ShortOrderLinesResult(string OrderId, decimal? RefundedAmount, string? Currency);

public sealed record PaymentResult(string OrderId, string ProviderReference);

/// <summary>What a customer notification says; the event is written to the outbox by the activity.</summary>
public sealed record OrderNotification(string OrderId, string CustomerId, string? CustomerTier, string Message, IReadOnlyList<string> Recommendations);
