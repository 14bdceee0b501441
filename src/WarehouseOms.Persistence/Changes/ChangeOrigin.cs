using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Persistence.Changes;

/// <summary>
/// Who makes a change: the workflow run and activity whose attempt it is. The same for every attempt of
/// one activity (Temporal keeps the activity ID across retries), so everything derived from it is too.
/// </summary>
public sealed record ChangeOrigin(string WorkflowId, string WorkflowRunId, string ActivityId)
{
    /// <summary>
    /// The outbound message ID for an event on <paramref name="exchange"/>: a retry rewrites the same
    /// outbox row instead of a second event. The run ID is part of the name because activity IDs restart
    /// in every run (continue-as-new, a new run of a reused workflow ID).
    /// </summary>
    public Guid MessageIdFor(string exchange) =>
        DeterministicGuid.Create(DeterministicGuid.MessageNamespace, $"{WorkflowId}/{WorkflowRunId}/{ActivityId}/{exchange}");
}

/// <summary>
/// What a change is about: an order (its history is kept) or another business key such as a SKU. Names
/// the AMQP header of the outbound messages (<c>orderId</c>, <c>sku</c>) and the log scope property.
/// </summary>
public sealed record ChangeSubject(string HeaderName, string Value)
{
    public const string OrderHeader = "orderId";

    public static ChangeSubject Order(string orderId) => new(OrderHeader, orderId);

    public static ChangeSubject Sku(string sku) => new("sku", sku);

    /// <summary>True when the subject is an order, whose history the change appends to.</summary>
    public bool IsOrder => HeaderName == OrderHeader;

    /// <summary>The log scope property: the header name in Pascal case (<c>OrderId</c>, <c>Sku</c>).</summary>
    public string LogName => string.Concat(char.ToUpperInvariant(HeaderName[0]).ToString(), HeaderName[1..]);
}

/// <summary>An outbox write: the message ID, and whether the row is new (false: a retry found it written).</summary>
public readonly record struct Emitted(Guid MessageId, bool Written);
