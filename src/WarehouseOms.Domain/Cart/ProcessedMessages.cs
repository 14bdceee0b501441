namespace WarehouseOms.Domain.Cart;

/// <summary>
/// The broker message IDs already applied, bounded: the oldest ID is forgotten once
/// <see cref="Capacity"/> is exceeded. Redeliveries come soon after the original (a broker requeue, a
/// consumer retry), so a window of the most recent IDs is enough and the state never grows without end.
/// </summary>
public sealed class ProcessedMessages
{
    public const int DefaultCapacity = 1000;

    private readonly Queue<string> order = new();
    private readonly HashSet<string> ids = new(StringComparer.Ordinal);

    public ProcessedMessages(int capacity = DefaultCapacity, IEnumerable<string>? remembered = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        foreach (var id in remembered ?? [])
        {
            TryAdd(id);
        }
    }

    public int Capacity { get; }

    public int Count => ids.Count;

    public bool Contains(string messageId) => ids.Contains(messageId);

    /// <summary>Remembers <paramref name="messageId"/>; false when it was already remembered (a duplicate).</summary>
    public bool TryAdd(string messageId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        if (!ids.Add(messageId))
        {
            return false;
        }

        order.Enqueue(messageId);
        while (order.Count > Capacity)
        {
            ids.Remove(order.Dequeue());
        }

        return true;
    }

    /// <summary>Oldest first, so that rebuilding from this list evicts in the same order.</summary>
    public IReadOnlyList<string> ToList() => [.. order];
}
