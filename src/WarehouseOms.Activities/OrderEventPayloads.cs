using WarehouseOms.Contracts;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

// Payloads of order history events that emit no outbound message of the same shape. Where a change
// emits one (InventoryAllocated, ShipmentCreated, …), the history records that message as the payload.

/// <summary>OrderCreated: everything the order was created with.</summary>
internal sealed record OrderCreatedPayload(string RequestId, string CustomerId, IReadOnlyList<ShippedLine> Lines, Address ShipTo)
{
    public static OrderCreatedPayload Of(ValidatedOrder order) =>
        new(order.RequestId, order.CustomerId, order.Lines.Select(l => new ShippedLine(l.Sku, l.Quantity)).ToList(), order.ShipTo);
}

/// <summary>Every status event (<see cref="OrderEventTypes.ForStatus"/>): the move and the order's facts after it.</summary>
internal sealed record OrderStatusChangedPayload(
    string From,
    string To,
    string? Reason,
    string? ShipmentId,
    string? TrackingNumber,
    DateTimeOffset? DeliveredAt)
{
    public static OrderStatusChangedPayload Of(OrderStatus from, OrderRecord moved, string? reason) =>
        new(OrderStatusText.ToWire(from), OrderStatusText.ToWire(moved.Status), reason, moved.ShipmentId, moved.TrackingNumber, moved.DeliveredAt);
}

/// <summary>InventoryConsumed: what left the shelf (the reservation) and what the device reported picked.</summary>
internal sealed record InventoryConsumedPayload(IReadOnlyList<ShippedLine> Consumed, IReadOnlyList<ShippedLine> Picked);

/// <summary>A line added while the order awaited payment, with the components it reserved.</summary>
internal sealed record LineAddedPayload(string AdditionId, string Sku, int Quantity, IReadOnlyList<ShippedLine> Reserved);

internal sealed record PaymentCapturedPayload(string ProviderReference, string ApprovedBy);

internal sealed record PaymentRefundedPayload(string ProviderReference, string Reason);

