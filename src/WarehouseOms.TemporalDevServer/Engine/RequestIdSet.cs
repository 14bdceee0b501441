using System.Collections;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The start and signal request IDs a run has seen (for deduplication). The store keeps them in a table
/// of their own, appended as they arrive, so a commit never rewrites a run's whole growing set.
/// </summary>
internal sealed class RequestIdSet : IEnumerable<string>
{
    private readonly HashSet<string> all = [];
    private readonly List<string> unsaved = [];
    private bool tracking = true;

    public int Count => all.Count;

    public bool Add(string requestId)
    {
        if (!all.Add(requestId))
        {
            return false;
        }

        if (tracking)
        {
            unsaved.Add(requestId);
        }

        return true;
    }

    /// <summary>Nothing is ever saved (the in-memory store): do not keep a second copy of every ID.</summary>
    public void StopTracking()
    {
        tracking = false;
        unsaved.Clear();
    }

    public bool Contains(string requestId) => all.Contains(requestId);

    /// <summary>IDs as loaded from the store: already saved.</summary>
    public void UnionWith(IEnumerable<string> saved) => all.UnionWith(saved);

    /// <summary>The IDs added since the last call, for the next commit (which is retried until it lands).</summary>
    public IReadOnlyList<string> TakeUnsaved()
    {
        if (unsaved.Count == 0)
        {
            return [];
        }

        var taken = unsaved.ToList();
        unsaved.Clear();
        return taken;
    }

    public IEnumerator<string> GetEnumerator() => all.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
