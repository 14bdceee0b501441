namespace WarehouseOms.Persistence.Outbox;

/// <summary>
/// messaging.outbox_messages: an outbound event written in the same transaction as the state change
/// it announces, published later by the relay. The message ID is unique and becomes the AMQP
/// message_id, so consumers can de-duplicate re-publications.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; init; }

    public required Guid MessageId { get; init; }

    public required string Exchange { get; init; }

    /// <summary>Published as the AMQP <c>type</c> property.</summary>
    public required string MessageType { get; init; }

    /// <summary>camelCase JSON of the event record (jsonb).</summary>
    public required string Payload { get; init; }

    /// <summary>JSON object of string headers (jsonb).</summary>
    public required string Headers { get; init; }

    /// <summary>
    /// W3C <c>traceparent</c> of the span that wrote the row (the activity), or null without one; the relay
    /// publishes the message in that trace (ADR 0022).
    /// </summary>
    public string? TraceParent { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public OutboxState State { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }
}

public enum OutboxState
{
    Pending,
    Sent,
}
