namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// A task queue's waiting tasks in Temporal's matching order (its priority matcher, on by default): the lower
/// priority key first, a query ahead of the tasks of its level, first in first out within a level. Guarded by the
/// engine lock.
/// </summary>
internal sealed class TaskBacklog
{
    private readonly SortedDictionary<(int Priority, int Rank, long Seq), WorkItem> items = [];
    private long seq;

    public int Count => items.Count;

    /// <summary>The waiting tasks, in the order they would be handed out.</summary>
    public IEnumerable<WorkItem> InOrder => items.Values;

    public void Add(WorkItem item, int priorityKey) => items.Add((priorityKey, item is LegacyQueryItem ? 0 : 1, ++seq), item);

    /// <summary>Takes out the first task <paramref name="accept"/> allows; the others keep their places.</summary>
    public WorkItem? TakeFirst(Func<WorkItem, bool> accept)
    {
        foreach (var (key, item) in items)
        {
            if (accept(item))
            {
                items.Remove(key);
                return item;
            }
        }

        return null;
    }

    /// <summary>Takes out every task <paramref name="which"/> selects (all by default), in order.</summary>
    public List<WorkItem> TakeAll(Func<WorkItem, bool>? which = null)
    {
        var taken = items.Where(p => which?.Invoke(p.Value) ?? true).ToList();
        foreach (var (key, _) in taken)
        {
            items.Remove(key);
        }

        return taken.Select(p => p.Value).ToList();
    }
}
