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

    /// <summary>ISO 4217 code of a priced order (every line has a unit price); null for an unpriced one.</summary>
    public string? Currency { get; init; }

    /// <summary>Set once a short pick was settled (released, refunded, oms.order-line-shorted in the outbox): once per order.</summary>
    public Guid? ShortedEventMessageId { get; set; }

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

    /// <summary>In the order's currency; null on unpriced orders.</summary>
    public decimal? UnitPrice { get; init; }
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
/// oms.payments: the payment of an order with the (simulated) provider, one per order. A priced order
/// captures its total (<see cref="Amount"/>); an unpriced one is authorised as a whole (no amount).
/// Short picks refund part of it; a cancellation refunds the rest (status REFUNDED).
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

    /// <summary>What was captured; null for an unpriced order.</summary>
    public decimal? Amount { get; init; }

    public string? Currency { get; init; }

    /// <summary>What was refunded so far (short picks, then a cancellation); 0 for an unpriced order.</summary>
    public decimal RefundedAmount { get; set; }

    /// <summary>Still captured: <see cref="Amount"/> less <see cref="RefundedAmount"/>; null for an unpriced order.</summary>
    public decimal? Remaining => Amount - RefundedAmount;
}

public enum PaymentStatus
{
    Captured,
    Refunded,
}

/// <summary>
/// The stages of the order lifecycle (<see cref="WarehouseOms.Domain.Orders.OrderStage"/>) that OMS records,
/// as stored (their wire names in oms.orders.status, e.g. AWAITING_PAYMENT). Which moves are allowed,
/// and the names, come from the domain: see <see cref="OrderStatusLifecycle"/>.
/// </summary>
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
