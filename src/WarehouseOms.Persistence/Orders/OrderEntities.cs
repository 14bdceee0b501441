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

    public DateTimeOffset? DeliveredAt { get; set; }

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

/// <summary>
/// oms.payments: the payment of an order with the (simulated) provider, one per order. The messages
/// carry no prices (they are the upstream shop's), so the provider authorises the order as a whole.
/// </summary>
public sealed class PaymentRecord
{
    public required string OrderId { get; init; }

    public required PaymentStatus Status { get; set; }

    /// <summary>The provider's reference; refunds name it.</summary>
    public required string ProviderReference { get; init; }

    public required string ApprovedBy { get; init; }

    public DateTimeOffset CapturedAt { get; init; }

    public DateTimeOffset? RefundedAt { get; set; }

    public string? RefundReason { get; set; }
}

public enum PaymentStatus
{
    Captured,
    Refunded,
}

/// <summary>Order lifecycle as stored (upper-case snake text in oms.orders.status, e.g. AWAITING_PAYMENT).</summary>
public enum OrderStatus
{
    Created,
    Reserved,
    AwaitingPayment,
    Paid,
    Shipped,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>
/// Which order status changes are allowed. Terminal: completed, failed, cancelled. Shipped waits for the
/// delivery (completed) and can no longer be cancelled. Orders started before payment approval existed
/// go from reserved straight to shipped.
/// </summary>
public static class OrderStatusRules
{
    public static bool IsTerminal(OrderStatus status) =>
        status is OrderStatus.Completed or OrderStatus.Failed or OrderStatus.Cancelled;

    public static bool CanMove(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.Created, OrderStatus.Reserved) => true,
        (OrderStatus.Reserved, OrderStatus.AwaitingPayment) => true,
        (OrderStatus.AwaitingPayment, OrderStatus.Paid) => true,
        (OrderStatus.Reserved or OrderStatus.Paid, OrderStatus.Shipped) => true,
        (OrderStatus.Shipped, OrderStatus.Completed) => true,
        (OrderStatus.Created or OrderStatus.Reserved or OrderStatus.AwaitingPayment or OrderStatus.Paid, OrderStatus.Failed) => true,
        (OrderStatus.Created or OrderStatus.Reserved or OrderStatus.AwaitingPayment or OrderStatus.Paid, OrderStatus.Cancelled) => true,
        _ => false,
    };
}
