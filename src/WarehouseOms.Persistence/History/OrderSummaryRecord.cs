using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.History;

/// <summary>
/// oms.order_summaries: the read model of one order, kept current by <see cref="OrderSummaryProjection"/>
/// in the same transaction as each appended event. A record so the projection can derive the next state
/// with <c>with</c>; it is only ever read untracked and written by the history's upsert.
/// </summary>
public sealed record OrderSummaryRecord
{
    public required string OrderId { get; init; }

    public string? CustomerId { get; init; }

    /// <summary>Null only when the history did not start with <c>OrderCreated</c> (e.g. a step recorded for an order OMS does not know).</summary>
    public OrderStatus? Status { get; init; }

    /// <summary>Why the order failed or was cancelled.</summary>
    public string? StatusReason { get; init; }

    /// <summary>The type of the last event: how far fulfillment got (e.g. <c>LabelGenerated</c>).</summary>
    public required string Step { get; init; }

    /// <summary>The ordered lines as a JSON array (jsonb) of <c>{"sku":…,"quantity":…}</c> (and <c>"unitPrice"</c> on priced orders).</summary>
    public required string Lines { get; init; }

    public string? ShipmentId { get; init; }

    public string? TrackingNumber { get; init; }

    /// <summary>A priced order's currency; null (and no amounts) for an unpriced one.</summary>
    public string? Currency { get; init; }

    /// <summary>The order's value: its lines at their unit prices, added lines included.</summary>
    public decimal? TotalAmount { get; init; }

    public decimal? CapturedAmount { get; init; }

    /// <summary>Refunded so far: short picks, a cancellation.</summary>
    public decimal? RefundedAmount { get; init; }

    /// <summary>The version of the last event applied; equals the order's latest event version.</summary>
    public required int Version { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
