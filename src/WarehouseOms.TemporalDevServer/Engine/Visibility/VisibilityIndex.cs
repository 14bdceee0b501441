namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// The runs in memory by namespace, workflow type, task queue and open/closed, each set in visibility
/// order (newest start first), so that a list or count touches only the runs its query's equalities
/// allow and a page stops once it is full. Guarded by the engine lock.
/// </summary>
internal sealed class VisibilityIndex
{
    private static readonly IComparer<Execution> NewestFirst = Comparer<Execution>.Create((a, b) =>
    {
        var byStart = b.StartTime.CompareTo(a.StartTime);
        return byStart != 0 ? byStart : b.Ordinal.CompareTo(a.Ordinal);
    });

    private readonly Dictionary<string, SortedSet<Execution>> all = [];
    private readonly Dictionary<string, SortedSet<Execution>> running = [];
    private readonly Dictionary<(string, string), SortedSet<Execution>> byType = [];
    private readonly Dictionary<(string, string), SortedSet<Execution>> byQueue = [];

    public void Add(Execution x)
    {
        Set(all, x.Namespace).Add(x);
        Set(byType, (x.Namespace, x.WorkflowType)).Add(x);
        Set(byQueue, (x.Namespace, x.TaskQueue)).Add(x);
        if (x.IsOpen)
        {
            Set(running, x.Namespace).Add(x);
        }
    }

    public void Closed(Execution x) => Remove(running, x.Namespace, x);

    public void Remove(Execution x)
    {
        Remove(all, x.Namespace, x);
        Remove(running, x.Namespace, x);
        Remove(byType, (x.Namespace, x.WorkflowType), x);
        Remove(byQueue, (x.Namespace, x.TaskQueue), x);
    }

    /// <summary>
    /// The fewest runs that can match: the smallest set the query's equalities name (a workflow ID's runs
    /// come from <paramref name="runsOf"/>), in visibility order, from just after <paramref name="after"/>.
    /// </summary>
    public IEnumerable<Execution> Candidates(string ns, VisibilityQuery query, Func<string, IReadOnlyList<Execution>> runsOf, (DateTime StartTime, long Ordinal)? after)
    {
        var eq = query.Equalities;
        if (eq.TryGetValue("WorkflowId", out var workflowId))
        {
            return Ordered(new SortedSet<Execution>(runsOf(workflowId), NewestFirst), query.Ascending, after);
        }

        var candidates = all.GetValueOrDefault(ns);
        void Narrow(SortedSet<Execution>? set)
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

        return candidates is null ? [] : Ordered(candidates, query.Ascending, after);
    }

    private static IEnumerable<Execution> Ordered(SortedSet<Execution> set, bool ascending, (DateTime StartTime, long Ordinal)? after)
    {
        if (set.Count == 0)
        {
            return [];
        }

        if (after is not { } position)
        {
            return ascending ? set.Reverse() : set;
        }

        var probe = Probe(position.StartTime, position.Ordinal);
        if (ascending)
        {
            return NewestFirst.Compare(set.Min!, probe) >= 0 ? [] : set.GetViewBetween(set.Min!, probe).Reverse().Where(x => NewestFirst.Compare(x, probe) != 0);
        }

        return NewestFirst.Compare(probe, set.Max!) >= 0 ? [] : set.GetViewBetween(probe, set.Max!).Where(x => NewestFirst.Compare(x, probe) != 0);
    }

    // A stand-in with only the sort key, to seek to a page position.
    private static Execution Probe(DateTime startTime, long ordinal) => new()
    {
        Namespace = string.Empty,
        WorkflowId = string.Empty,
        RunId = string.Empty,
        FirstRunId = string.Empty,
        WorkflowType = string.Empty,
        TaskQueue = string.Empty,
        StartRequestId = string.Empty,
        StartTime = startTime,
        Ordinal = ordinal,
    };

    private static SortedSet<Execution> Set<TKey>(Dictionary<TKey, SortedSet<Execution>> sets, TKey key)
        where TKey : notnull
    {
        if (!sets.TryGetValue(key, out var set))
        {
            set = new SortedSet<Execution>(NewestFirst);
            sets[key] = set;
        }

        return set;
    }

    private static void Remove<TKey>(Dictionary<TKey, SortedSet<Execution>> sets, TKey key, Execution x)
        where TKey : notnull
    {
        if (sets.TryGetValue(key, out var set) && set.Remove(x) && set.Count == 0)
        {
            sets.Remove(key);
        }
    }
}
