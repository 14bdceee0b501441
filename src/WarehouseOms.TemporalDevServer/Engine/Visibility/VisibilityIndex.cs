namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// The runs in memory by namespace, workflow type, task queue and running, each set in Temporal's list order
/// (<see cref="ListPosition"/>), so that a list or count touches only the runs its query's equalities allow
/// and a page stops once it is full. A run moves when it closes (<see cref="Closed"/>). Guarded by the engine lock.
/// </summary>
internal sealed class VisibilityIndex
{
    private static readonly IComparer<Entry> InListOrder = Comparer<Entry>.Create((a, b) => a.Position.CompareTo(b.Position));

    private readonly Dictionary<string, SortedSet<Entry>> all = [];
    private readonly Dictionary<string, SortedSet<Entry>> running = [];
    private readonly Dictionary<(string, string), SortedSet<Entry>> byType = [];
    private readonly Dictionary<(string, string), SortedSet<Entry>> byQueue = [];

    public void Add(Execution x)
    {
        var entry = new Entry(ListPosition.Of(x), x);
        Set(all, x.Namespace).Add(entry);
        Set(byType, (x.Namespace, x.WorkflowType)).Add(entry);
        Set(byQueue, (x.Namespace, x.TaskQueue)).Add(entry);
        if (x.IsOpen)
        {
            Set(running, x.Namespace).Add(entry);
        }
    }

    /// <summary>The run has closed: it leaves the running set and moves to its close time's place in the others.</summary>
    public void Closed(Execution x)
    {
        Remove(x, ListPosition.WhileRunning(x));
        Add(x);
    }

    public void Remove(Execution x) => Remove(x, ListPosition.Of(x));

    /// <summary>
    /// The fewest runs that can match: the smallest set the query's equalities name (a workflow ID's runs
    /// come from <paramref name="runsOf"/>), in list order, from just after <paramref name="after"/>.
    /// </summary>
    public IEnumerable<Execution> Candidates(string ns, VisibilityQuery query, Func<string, IReadOnlyList<Execution>> runsOf, ListPosition? after)
    {
        var eq = query.Equalities;
        if (eq.TryGetValue("WorkflowId", out var workflowId))
        {
            return Ordered(new SortedSet<Entry>(runsOf(workflowId).Select(r => new Entry(ListPosition.Of(r), r)), InListOrder), after);
        }

        var candidates = all.GetValueOrDefault(ns);
        void Narrow(SortedSet<Entry>? set)
        {
            if (set is null || candidates is null || set.Count < candidates.Count)
            {
                candidates = set;
            }
        }

        if (eq.TryGetValue("WorkflowType", out var type))
        {
            Narrow(byType.GetValueOrDefault((ns, type)));
        }

        if (eq.TryGetValue("TaskQueue", out var queue))
        {
            Narrow(byQueue.GetValueOrDefault((ns, queue)));
        }

        if (eq.TryGetValue("ExecutionStatus", out var status) && status == nameof(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running))
        {
            Narrow(running.GetValueOrDefault(ns) ?? []);
        }

        return candidates is null ? [] : Ordered(candidates, after);
    }

    private static IEnumerable<Execution> Ordered(SortedSet<Entry> set, ListPosition? after)
    {
        if (set.Count == 0)
        {
            return [];
        }

        if (after is not { } position)
        {
            return set.Select(e => e.Run);
        }

        var probe = new Entry(position, null!);
        return InListOrder.Compare(probe, set.Max) >= 0
            ? []
            : set.GetViewBetween(probe, set.Max).Where(e => e.Position != position).Select(e => e.Run);
    }

    private void Remove(Execution x, ListPosition position)
    {
        var entry = new Entry(position, x);
        Remove(all, x.Namespace, entry);
        Remove(running, x.Namespace, entry);
        Remove(byType, (x.Namespace, x.WorkflowType), entry);
        Remove(byQueue, (x.Namespace, x.TaskQueue), entry);
    }

    private static SortedSet<Entry> Set<TKey>(Dictionary<TKey, SortedSet<Entry>> sets, TKey key)
        where TKey : notnull
    {
        if (!sets.TryGetValue(key, out var set))
        {
            set = new SortedSet<Entry>(InListOrder);
            sets[key] = set;
        }

        return set;
    }

    private static void Remove<TKey>(Dictionary<TKey, SortedSet<Entry>> sets, TKey key, Entry entry)
        where TKey : notnull
    {
        if (sets.TryGetValue(key, out var set) && set.Remove(entry) && set.Count == 0)
        {
            sets.Remove(key);
        }
    }

    // A run under the position it is filed at (compared by position only: the ordinal makes it unique).
    private readonly record struct Entry(ListPosition Position, Execution Run);
}
