namespace WarehouseOms.Persistence.History;

/// <summary>
/// Another transaction appended the same version of the order's history first. The caller's transaction
/// is aborted and must be re-run as a whole (state change, outbox row, event): an activity lets it
/// propagate and Temporal retries the attempt, which then sees the winner's changes.
/// </summary>
public sealed class OrderEventConflictException : Exception
{
    public OrderEventConflictException()
    {
    }

    public OrderEventConflictException(string message)
        : base(message)
    {
    }

    public OrderEventConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OrderEventConflictException(string orderId, int version, Exception innerException)
        : base($"Order {orderId}: version {version} of its history was appended concurrently; re-run the transaction.", innerException)
    {
        OrderId = orderId;
        Version = version;
    }

    public string? OrderId { get; }

    public int Version { get; }
}
