using System.Text.Json;
using System.Text.Json.Serialization;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Workflows;

namespace WarehouseOms.Host;

// HTTP views of the order read models: camelCase JSON, statuses in their wire spelling (SHIPPED).

public sealed record OrderLineView(string Sku, int Quantity, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? UnitPrice = null);

public sealed record OrderSummaryView(
    string OrderId,
    string? CustomerId,
    string? Status,
    string? StatusReason,
    string Step,
    IReadOnlyList<OrderLineView> Lines,
    string? ShipmentId,
    string? TrackingNumber,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? TotalAmount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? CapturedAmount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? RefundedAmount = null)
{
    public static OrderSummaryView From(OrderSummaryRecord summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(
            summary.OrderId,
            summary.CustomerId,
            summary.Status is { } status ? OrderStatusText.ToWire(status) : null,
            summary.StatusReason,
            summary.Step,
            JsonSerializer.Deserialize<List<OrderLineView>>(summary.Lines, OutboxConventions.JsonOptions) ?? [],
            summary.ShipmentId,
            summary.TrackingNumber,
            summary.Version,
            summary.CreatedAt,
            summary.UpdatedAt,
            summary.Currency,
            summary.TotalAmount,
            summary.CapturedAmount,
            summary.RefundedAmount);
    }
}

/// <summary>GET /orders/{orderId}: the read model, and the workflow's live snapshot or why it is missing.</summary>
public sealed record OrderDetailsView(OrderSummaryView Order, FulfillmentSnapshot? Workflow, string? WorkflowUnavailableReason);

public sealed record OrderEventView(
    int Version,
    string Type,
    DateTimeOffset OccurredAt,
    string? WorkflowId,
    string? ActivityId,
    Guid? MessageId,
    JsonElement Payload)
{
    public static OrderEventView From(OrderEventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var payload = JsonDocument.Parse(record.Payload);
        return new(record.Version, record.EventType, record.OccurredAt, record.WorkflowId, record.ActivityId, record.MessageId, payload.RootElement.Clone());
    }
}

public sealed record OrderHistoryView(string OrderId, IReadOnlyList<OrderEventView> Events);

public sealed record OrderListView(string? Status, int Limit, IReadOnlyList<OrderSummaryView> Orders);
