namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// A task queue's waiting tasks in Temporal's matching order (its priority matcher, on by default): the lower
/// priority key first, a query ahead of the tasks of its level, first in first out within a level. Guarded by the
/// engine lock.
/// </summary>
internal sealed class TaskBacklog
{
    private readonly SortedDictionary<(int Priority, int Rank, long Seq), (WorkItem Item, DateTime Since)> items = [];
    private long seq;

    public int Count => items.Count;

    /// <summary>The waiting tasks, in the order they would be handed out.</summary>
    public IEnumerable<WorkItem> InOrder => items.Values.Select(v => v.Item);

    public void Add(WorkItem item, int priorityKey, DateTime now) => items.Add((priorityKey, item is LegacyQueryItem ? 0 : 1, ++seq), (item, now));

    /// <summary>Per level (<paramref name="levelOf"/> a priority key): how many tasks wait, and since when the oldest.</summary>
    public IEnumerable<(int Level, long Count, DateTime Oldest)> ByLevel(Func<int, int> levelOf) =>
        items.GroupBy(p => levelOf(p.Key.Priority)).Select(g => (g.Key, (long)g.Count(), g.Min(p => p.Value.Since)));

    /// <summary>Takes out the first task <paramref name="accept"/> allows; the others keep their places.</summary>
    public WorkItem? TakeFirst(Func<WorkItem, bool> accept)
    {
        foreach (var (key, (item, _)) in items)
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
        var taken = items.Where(p => which?.Invoke(p.Value.Item) ?? true).ToList();
        foreach (var (key, _) in taken)
        {
            items.Remove(key);
        }

        return taken.Select(p => p.Value.Item).ToList();
    }
}
