namespace WarehouseOms.Persistence.History;

/// <summary>
/// oms.order_events: the append-only history of one order, one row per state change, written in the
/// transaction of the change (and of its outbox row). (order_id, version) is the primary key and the
/// optimistic concurrency check: two writers that read the same version cannot both append.
/// </summary>
public sealed class OrderEventRecord
{
    public required string OrderId { get; init; }

    /// <summary>1, 2, 3, … per order, without gaps.</summary>
    public required int Version { get; init; }

    /// <summary>What happened, e.g. <c>OrderCreated</c>, <c>InventoryAllocated</c>; see <see cref="OrderEventTypes"/>.</summary>
    public required string EventType { get; init; }

    /// <summary>camelCase JSON object (jsonb) with the event's facts.</summary>
    public required string Payload { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The workflow whose activity made the change (null outside Temporal).</summary>
    public string? WorkflowId { get; init; }

    public string? ActivityId { get; init; }

    /// <summary>The outbox message the change emitted, if any: links the history to what downstream saw.</summary>
    public Guid? MessageId { get; init; }
}
