namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// The runs in memory by namespace, workflow type, task queue and running, each set in Temporal's list order
/// (<see cref="ListPosition"/>), so that a list or count touches only the runs its query's equalities allow
/// and a page stops once it is full; and by start time and by workflow ID, for a query's start-time range or
/// workflow ID prefix. A run moves when it closes (<see cref="Closed"/>). Guarded by the engine lock.
/// </summary>
internal sealed class VisibilityIndex
{
    private static readonly IComparer<Entry> InListOrder = Comparer<Entry>.Create((a, b) => a.Position.CompareTo(b.Position));

    private readonly Dictionary<string, SortedSet<Entry>> all = [];
    private readonly Dictionary<string, SortedSet<Entry>> running = [];
    private readonly Dictionary<(string, string), SortedSet<Entry>> byType = [];
    private readonly Dictionary<(string, string), SortedSet<Entry>> byQueue = [];
    private readonly Dictionary<string, SortedSet<Keyed<DateTime>>> byStart = [];
    private readonly Dictionary<string, SortedSet<Keyed<string>>> byWorkflowId = [];

    public void Add(Execution x)
    {
        var entry = new Entry(ListPosition.Of(x), x);
        Set(all, x.Namespace).Add(entry);
        Set(byType, (x.Namespace, x.WorkflowType)).Add(entry);
        Set(byQueue, (x.Namespace, x.TaskQueue)).Add(entry);
        KeyedSet(byStart, x.Namespace, StartOrder).Add(new(x.StartTime, x.Ordinal, x));
        KeyedSet(byWorkflowId, x.Namespace, IdOrder).Add(new(x.WorkflowId, x.Ordinal, x));
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
    /// The fewest runs that can match: the smallest set the query's equalities, start-time range or workflow ID prefix
    /// name (a workflow ID's runs come from <paramref name="runsOf"/>), in list order, from just after <paramref name="after"/>.
    /// </summary>
    public IEnumerable<Execution> Candidates(string ns, VisibilityQuery query, Func<string, IReadOnlyList<Execution>> runsOf, ListPosition? after)
    {
        var narrowing = query.Narrowing;
        var eq = narrowing.Equalities;
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

        if (candidates is null)
        {
            return [];
        }

        // A range must be put in list order (a sorted copy), which costs more per run than the filter a scan of the
        // set in list order applies, and a scan stops once a page is full: a range is taken only when it is a small
        // part of the best set so far (measured: a prefix matching a quarter of the runs listed slower than the scan).
        void NarrowToRange<TKey>(IEnumerable<Keyed<TKey>>? range)
        {
            if (range is not null && candidates is not null && CountBelow(range, candidates.Count / RangeShare) is not null)
            {
                candidates = new SortedSet<Entry>(range.Select(k => new Entry(ListPosition.Of(k.Run), k.Run)), InListOrder);
            }
        }

        if (narrowing.StartedFrom is not null || narrowing.StartedTo is not null)
        {
            NarrowToRange(StartedBetween(ns, narrowing.StartedFrom ?? DateTime.MinValue, narrowing.StartedTo ?? DateTime.MaxValue));
        }

        if (narrowing.WorkflowIdPrefix is { } prefix)
        {
            NarrowToRange(WithPrefix(ns, prefix));
        }

        return Ordered(candidates, after);
    }

    /// <summary>
    /// The runs started within the range, or null when the range spans more than 1 in 16 of the namespace's start times:
    /// a view counts its runs when made, and a broad range would cost a walk over most runs only to be passed over.
    /// </summary>
    private IEnumerable<Keyed<DateTime>>? StartedBetween(string ns, DateTime from, DateTime to)
    {
        if (byStart.GetValueOrDefault(ns) is not { Count: > 0 } set)
        {
            return null;
        }

        var (first, last) = (set.Min.Key, set.Max.Key);
        from = from > first ? from : first;
        to = to < last ? to : last;
        if (from > to)
        {
            return [];
        }

        return (to - from).Ticks > (last - first).Ticks / RangeShare
            ? null
            : set.GetViewBetween(new(from, long.MinValue, null!), new(to, long.MaxValue, null!));
    }

    /// <summary>The runs whose workflow ID starts with <paramref name="prefix"/>: those from it up to its ordinal successor.</summary>
    private IEnumerable<Keyed<string>>? WithPrefix(string ns, string prefix)
    {
        if (prefix.Length == 0 || prefix[^1] == char.MaxValue || byWorkflowId.GetValueOrDefault(ns) is not { } set)
        {
            return null; // no successor to bound it by (or nothing to narrow)
        }

        var successor = prefix[..^1] + (char)(prefix[^1] + 1);
        // Ordinally, every string from the prefix up to (not including) its successor starts with the prefix; the bound
        // entry (successor, MinValue) is no run's.
        return set.GetViewBetween(new(prefix, long.MinValue, null!), new(successor, long.MinValue, null!));
    }

    // The share of the best set a range may hold and still be taken (1 in 16).
    private const int RangeShare = 16;

    /// <summary>How many a range holds, or null once it holds <paramref name="limit"/> (no need to count on).</summary>
    private static int? CountBelow<TKey>(IEnumerable<Keyed<TKey>> range, int limit)
    {
        var count = 0;
        foreach (var _ in range)
        {
            if (++count >= limit)
            {
                return null;
            }
        }

        return count;
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
        Remove(byStart, x.Namespace, new Keyed<DateTime>(x.StartTime, x.Ordinal, x));
        Remove(byWorkflowId, x.Namespace, new Keyed<string>(x.WorkflowId, x.Ordinal, x));
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

    private static SortedSet<Keyed<TKey>> KeyedSet<TKey>(Dictionary<string, SortedSet<Keyed<TKey>>> sets, string ns, IComparer<Keyed<TKey>> order)
    {
        if (!sets.TryGetValue(ns, out var set))
        {
            set = new SortedSet<Keyed<TKey>>(order);
            sets[ns] = set;
        }

        return set;
    }

    private static void Remove<TKey, TEntry>(Dictionary<TKey, SortedSet<TEntry>> sets, TKey key, TEntry entry)
        where TKey : notnull
    {
        if (sets.TryGetValue(key, out var set) && set.Remove(entry) && set.Count == 0)
        {
            sets.Remove(key);
        }
    }

    // A run under the position it is filed at (compared by position only: the ordinal makes it unique).
    private readonly record struct Entry(ListPosition Position, Execution Run);

    private static readonly IComparer<Keyed<DateTime>> StartOrder = Comparer<Keyed<DateTime>>.Create((a, b) =>
        a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Ordinal.CompareTo(b.Ordinal));

    private static readonly IComparer<Keyed<string>> IdOrder = Comparer<Keyed<string>>.Create((a, b) =>
        string.CompareOrdinal(a.Key, b.Key) is var byKey && byKey != 0 ? byKey : a.Ordinal.CompareTo(b.Ordinal));

    // A run under a key that never changes (its start time, its workflow ID); the ordinal makes it unique.
    private readonly record struct Keyed<TKey>(TKey Key, long Ordinal, Execution Run);
}
