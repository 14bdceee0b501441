namespace WarehouseOms.Persistence.Orders;

/// <summary>oms.orders: the order's system of record.</summary>
public sealed class OrderRecord
{
    public required string OrderId { get; init; }

    /// <summary>The submission's idempotency key; unique, so one request makes at most one order.</summary>
    public required string RequestId { get; init; }

    public required string CustomerId { get; init; }

    public required OrderStatus Status { get; set; }

    /// <summary>Why the order failed or was cancelled.</summary>
    public string? StatusReason { get; set; }

    public required string ShipToName { get; init; }

    public required string ShipToLine1 { get; init; }

    public required string ShipToCity { get; init; }

    public required string ShipToPostalCode { get; init; }

    public required string ShipToCountry { get; init; }

    public string? ShipmentId { get; set; }

    public string? TrackingNumber { get; set; }

    /// <summary>Set once the order-created event is in the outbox: it is announced once per order.</summary>
    public Guid? CreatedEventMessageId { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<OrderLineRecord> Lines { get; init; } = [];
}

/// <summary>oms.order_lines.</summary>
public sealed class OrderLineRecord
{
    public required string OrderId { get; init; }

    public required int LineNumber { get; init; }

    public required string Sku { get; init; }

    public required int Quantity { get; init; }
}

/// <summary>oms.order_rejections: a submission that failed validation, one per request.</summary>
public sealed class OrderRejectionRecord
{
    public required string RequestId { get; init; }

    public string? OrderId { get; init; }

    public required List<string> Reasons { get; init; }

    public DateTimeOffset RejectedAt { get; init; }
}

/// <summary>Order lifecycle as stored (upper-case text in oms.orders.status).</summary>
public enum OrderStatus
{
    Created,
    Reserved,
    Shipped,
    Failed,
    Cancelled,
}

/// <summary>Which order status changes are allowed. Terminal: shipped, failed, cancelled.</summary>
public static class OrderStatusRules
{
    public static bool IsTerminal(OrderStatus status) =>
        status is OrderStatus.Shipped or OrderStatus.Failed or OrderStatus.Cancelled;

    public static bool CanMove(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.Created, OrderStatus.Reserved) => true,
        (OrderStatus.Reserved, OrderStatus.Shipped) => true,
        (OrderStatus.Created or OrderStatus.Reserved, OrderStatus.Failed) => true,
        (OrderStatus.Created or OrderStatus.Reserved, OrderStatus.Cancelled) => true,
        _ => false,
    };
}
