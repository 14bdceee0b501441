using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.History;

/// <summary>
/// The event types of an order's history. Status changes are named after the target status
/// (<see cref="ForStatus"/>); the others record a fulfillment step of another system.
/// </summary>
public static class OrderEventTypes
{
    public const string OrderCreated = "OrderCreated";
    public const string OrderReserved = "OrderReserved";
    public const string OrderAwaitingPayment = "OrderAwaitingPayment";
    public const string OrderPaid = "OrderPaid";
    public const string OrderShipped = "OrderShipped";
    public const string OrderCompleted = "OrderCompleted";
    public const string OrderFailed = "OrderFailed";
    public const string OrderCancelled = "OrderCancelled";

    public const string InventoryAllocated = "InventoryAllocated";
    public const string InventoryReleased = "InventoryReleased";
    public const string InventoryConsumed = "InventoryConsumed";
    public const string PickWaveCreated = "PickWaveCreated";
    public const string ShipmentCreated = "ShipmentCreated";
    public const string LabelGenerated = "LabelGenerated";
    public const string ShipmentConfirmed = "ShipmentConfirmed";
    public const string ShipmentCancelled = "ShipmentCancelled";
    public const string LineAdded = "LineAdded";
    public const string PaymentCaptured = "PaymentCaptured";
    public const string PaymentRefunded = "PaymentRefunded";
    public const string LineShorted = "LineShorted";

    private static readonly Dictionary<string, OrderStatus> StatusByType =
        Enum.GetValues<OrderStatus>().ToDictionary(ForStatus, s => s, StringComparer.Ordinal);

    // No discard arm, and only the "unnamed value" warning (CS8524) silenced: a new OrderStatus member
    // without an event type here fails the build (CS8509) instead of reaching production unnamed.
#pragma warning disable CS8524
    /// <summary>The event recorded when an order enters <paramref name="status"/>.</summary>
    public static string ForStatus(OrderStatus status) => status switch
    {
        OrderStatus.Created => OrderCreated,
        OrderStatus.Reserved => OrderReserved,
        OrderStatus.AwaitingPayment => OrderAwaitingPayment,
        OrderStatus.Paid => OrderPaid,
        OrderStatus.Shipped => OrderShipped,
        OrderStatus.Completed => OrderCompleted,
        OrderStatus.Failed => OrderFailed,
        OrderStatus.Cancelled => OrderCancelled,
    };
#pragma warning restore CS8524

    /// <summary>The status an event type moves the order to; null for step events.</summary>
    public static OrderStatus? StatusOf(string eventType) =>
        StatusByType.TryGetValue(eventType, out var status) ? status : null;
}
