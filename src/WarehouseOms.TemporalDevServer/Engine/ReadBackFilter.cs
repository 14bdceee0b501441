using Microsoft.Extensions.Logging;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Which workflow IDs the durable store may hold a run of (ADR 0065). A call naming a run that is not in memory
/// reads the store (<see cref="ReadBackAsync"/>) only when <see cref="StoredWorkflowIds"/> says "maybe": a start of
/// a new workflow ID, the commonest call, then costs no read. Built from the store before serving; every run that
/// enters memory is added; rebuilt from the store when full (runs deleted by retention leave it only then).
/// </summary>
internal sealed partial class WorkflowEngine
{
    // Null: not built (the in-memory store, or before restore): every read-back reads.
    private StoredWorkflowIds? storedIds;

    // While a rebuild scans the store: the new filter, which new runs join too.
    private StoredWorkflowIds? rebuildingIds;
    private long storeReadBacks;
    private long storedIdRebuilds;

    /// <summary>Runs looked up in the store for a call (read-backs), found or not.</summary>
    public long StoreReadBacks => Interlocked.Read(ref storeReadBacks);

    /// <summary>Filters built again from the store because the one in use was full.</summary>
    public long ReadBackFilterRebuilds => Interlocked.Read(ref storedIdRebuilds);

    /// <summary>Under the lock: a run entered memory, so its workflow ID is (or will be) in the store.</summary>
    private void RememberStored(Execution x)
    {
        storedIds?.Add(x.Namespace, x.WorkflowId);
        rebuildingIds?.Add(x.Namespace, x.WorkflowId);
    }

    /// <summary>Under the lock: false when the store certainly holds no run of the workflow ID.</summary>
    private bool MayBeStored(string ns, string workflowId) => storedIds?.MightContain(ns, workflowId) ?? true;

    /// <summary>
    /// A new filter, put in place: what is in memory now (under the lock), then every run in the store. A run not
    /// in memory at that moment was committed before it (runs leave memory only once committed), so the scan,
    /// which starts after, sees it; a run that enters memory during the scan is added by <see cref="RememberStored"/>
    /// until the new filter replaces the old in the same locked step.
    /// </summary>
    private async Task<StoredWorkflowIds> BuildStoredIdsAsync(CancellationToken cancellationToken)
    {
        var next = new StoredWorkflowIds(await store.CountStoredRunsAsync(cancellationToken).ConfigureAwait(false), readBackFilterMinimum);
        using (gate.Enter())
        {
            foreach (var (ns, workflowId) in runsById.Keys)
            {
                next.Add(ns, workflowId);
            }

            rebuildingIds = next;
        }

        var complete = false;
        try
        {
            await foreach (var (ns, workflowId) in store.ReadWorkflowIdsAsync(cancellationToken).ConfigureAwait(false))
            {
                next.Add(ns, workflowId);
            }

            complete = true;
        }
        finally
        {
            using (gate.Enter())
            {
                rebuildingIds = null;
                if (complete)
                {
                    storedIds = next;
                }
            }
        }

        return next;
    }

    /// <summary>On the store sweep: a full filter (its false "maybe"s past the target) is built again from the store.</summary>
    private async Task RebuildStoredIdsIfFullAsync()
    {
        using (gate.Enter())
        {
            if (storedIds is not { IsFull: true } || backgroundStopped)
            {
                return;
            }
        }

        var built = await BuildStoredIdsAsync(CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref storedIdRebuilds);
        logger?.LogInformation("Read-back filter rebuilt from the store: {Added} workflow IDs, capacity {Capacity}", built.Added, built.Capacity);
    }
}
