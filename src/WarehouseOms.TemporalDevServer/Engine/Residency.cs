using Google.Protobuf;
using Microsoft.Extensions.Logging;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Bounded cost. With the durable store, memory holds open runs only: a closed run leaves memory once its
/// close is committed and is read back from the store when a call names it (<see cref="PrepareAsync"/>,
/// before the handler takes the lock). With the in-memory store closed runs stay until retention. Both
/// retention and eviction run on the engine clock in small batches, so the lock is never held for long;
/// the store's share of retention (deleting rows) runs outside the lock.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const int BatchPerTick = 1000;

    // Guards the walk along a workflow ID's run chain against a cycle in damaged data.
    private const int MaxRunChain = 10_000;
    private static readonly TimeSpan EvictionTick = TimeSpan.FromSeconds(1);

    // A closed run read back for a call stays a little, for the calls that usually follow (describe, history, list).
    private static readonly TimeSpan ReadBackLinger = TimeSpan.FromSeconds(30);

    // How long a closed run a call found in memory is kept from eviction, for the call's handler to reach it.
    private static readonly TimeSpan HandlerGrace = TimeSpan.FromSeconds(5);

    // Lets other callers take the lock between two full batches.
    private static readonly TimeSpan NextBatchDelay = TimeSpan.FromMilliseconds(10);

    private readonly PriorityQueue<Execution, DateTime> evictionDue = new();
    private readonly Dictionary<Execution, DateTime> pinnedUntil = [];
    // Per namespace, in close order: each namespace has its own retention.
    private readonly Dictionary<string, Queue<Execution>> closedInOrder = [];
    private VisibilityIndex? visibility;
    private Task? storeSweep;
    private bool backgroundStopped;

    // Bumped whenever a run leaves memory, by workflow ID (hashed into buckets): a read-back of the same
    // workflow ID that raced with it looks again, while departures of other workflows never disturb it.
    private readonly long[] departures = new long[256];

    private bool EvictsClosedRuns => store.IsDurable;

    /// <summary>The in-memory visibility index (in-memory store only: the durable store lists from the store).</summary>
    private VisibilityIndex Visibility => visibility ??= new VisibilityIndex();

    private TimeSpan SweepInterval =>
        TimeSpan.FromTicks(Math.Clamp(namespaces.ShortestRetention.Ticks / 10, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));

    /// <summary>Called by <see cref="CloseRun"/>: the run is closed; schedule its eviction or its retention.</summary>
    private void AfterClose(Execution x)
    {
        if (EvictsClosedRuns)
        {
            evictionDue.Enqueue(x, Clock.Now);
        }
        else
        {
            Visibility.Closed(x);
            if (!closedInOrder.TryGetValue(x.Namespace, out var closed))
            {
                closed = new Queue<Execution>();
                closedInOrder[x.Namespace] = closed;
            }

            closed.Enqueue(x);
        }
    }

    private void IndexForVisibility(Execution x)
    {
        if (!EvictsClosedRuns)
        {
            Visibility.Add(x);
        }
    }

    private void Departed(Execution x)
    {
        visibility?.Remove(x);
        pinnedUntil.Remove(x);
        departures[DepartureBucket(x.Namespace, x.WorkflowId)]++;
    }

    /// <summary>Keeps a run in memory while a worker answers a query about it (its answer finds the run by ID).</summary>
    private void PinForQuery(Execution x)
    {
        if (EvictsClosedRuns)
        {
            pinnedUntil[x] = Clock.Now + QueryTimeout + EvictionTick;
        }
    }

    private bool IsResident(Execution x) => runsByRunId.TryGetValue(x.RunId, out var resident) && resident == x;

    private void StartSweeps()
    {
        using (gate.Enter())
        {
            backgroundStopped = false;
            // Time skipping never sweeps: a recurring timer would be the next timer to skip to.
            if (!Clock.TimeSkipping)
            {
                Clock.Schedule(SweepInterval, Sweep);
            }

            if (EvictsClosedRuns)
            {
                Clock.Schedule(EvictionTick, EvictClosedRuns);
            }
        }
    }

    private async Task StopSweepsAsync()
    {
        Task? running;
        using (gate.Enter())
        {
            backgroundStopped = true;
            running = storeSweep;
        }

        if (running is not null)
        {
            await running.ConfigureAwait(false);
        }
    }

    // ---- eviction (durable store) ----

    // On the clock thread, under the lock.
    private void EvictClosedRuns()
    {
        if (backgroundStopped)
        {
            return;
        }

        var now = Clock.Now;
        var handled = 0;
        while (handled < BatchPerTick && evictionDue.TryPeek(out var x, out var due) && due <= now)
        {
            evictionDue.Dequeue();
            handled++;
            if (!TryEvict(x, now))
            {
                evictionDue.Enqueue(x, now + EvictionTick);
            }
        }

        Clock.Schedule(handled == BatchPerTick ? NextBatchDelay : EvictionTick, EvictClosedRuns);
    }

    /// <summary>False: not yet (its close is not committed, a query holds it, or it is the latest run and older ones are held).</summary>
    private bool TryEvict(Execution x, DateTime now)
    {
        if (!IsResident(x) || x.IsOpen)
        {
            return true;
        }

        if (dirty.Contains(x) || x.PersistedEventCount < x.History.Count ||
            (pinnedUntil.TryGetValue(x, out var until) && until > now))
        {
            return false;
        }

        // A workflow ID's last run in memory must stay its latest run: it goes last.
        if (runsById.TryGetValue((x.Namespace, x.WorkflowId), out var runs) && runs.Count > 1 && runs[^1] == x)
        {
            return false;
        }

        RemoveFromIndexes(x);
        return true;
    }

    /// <summary>
    /// Before a call: every execution it names that is not in memory but in the store (a closed run that
    /// left memory) is read back, so that the handler finds it under the lock as before.
    /// </summary>
    public async Task PrepareAsync(IMessage request, CancellationToken cancellationToken)
    {
        ValidateNamespace(request);
        if (!EvictsClosedRuns)
        {
            return;
        }

        foreach (var (ns, workflowId, runId) in ExecutionRefs.Of(request))
        {
            await ReadBackAsync(ns, workflowId, string.IsNullOrEmpty(runId) ? null : runId, cancellationToken).ConfigureAwait(false);
        }

        if (request is Temporalio.Api.WorkflowService.V1.ResetWorkflowExecutionRequest { WorkflowExecution: { } execution } reset)
        {
            await ReadBackRunChainAsync(reset.Namespace, execution.WorkflowId, execution.RunId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A reset needs more than the run it names: the workflow ID's current run (terminated or followed) and
    /// every run from the base run to it (their later signals and updates are re-applied), any of which may
    /// have left memory. Children need nothing read back: a child's close finds the reset run by its lineage.
    /// </summary>
    private async Task ReadBackRunChainAsync(string ns, string workflowId, string runId, CancellationToken cancellationToken)
    {
        await ReadBackAsync(ns, workflowId, null, cancellationToken).ConfigureAwait(false);
        var next = string.IsNullOrEmpty(runId) ? null : runId;
        for (var hops = 0; next is not null && hops < MaxRunChain; hops++)
        {
            await ReadBackAsync(ns, workflowId, next, cancellationToken).ConfigureAwait(false);
            using (gate.Enter())
            {
                next = runsByRunId.TryGetValue(next, out var run) ? run.NextRunId : null;
            }
        }
    }

    private async Task ReadBackAsync(string ns, string workflowId, string? runId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            long seen;
            long removals;
            DateTime closedAfter;
            using (gate.Enter())
            {
                if (!NamespaceKnown(ns, out ns) || HeldInMemory(ns, workflowId, runId) || !MayBeStored(ns, workflowId))
                {
                    return;
                }

                seen = departures[DepartureBucket(ns, workflowId)];
                removals = namespaceRemovals;
                closedAfter = Clock.Now - RetentionOf(ns);
            }

            Interlocked.Increment(ref storeReadBacks);
            var stored = await store.LoadRunAsync(ns, workflowId, runId, closedAfter, cancellationToken).ConfigureAwait(false);
            var run = stored is null ? null : ExecutionSnapshots.FromRecord(ExecutionRecord.FromBytes(stored.State), stored.History, stored.RequestIds);
            using (gate.Enter())
            {
                if (HeldInMemory(ns, workflowId, runId))
                {
                    return;
                }

                if (departures[DepartureBucket(ns, workflowId)] != seen || namespaceRemovals != removals)
                {
                    continue; // a run left memory, or a namespace was deleted, meanwhile (it may be the one read): look again
                }

                // A run read before its retention passed is not admitted after (a slow or cancelled call
                // would otherwise bring a run back that another call was already told is gone).
                if (run is not null && !run.IsOpen && !PastRetention(run) && !cancellationToken.IsCancellationRequested)
                {
                    AdmitReadBack(run, latest: runId is null);
                }

                return;
            }
        }
    }

    private int DepartureBucket(string ns, string workflowId) =>
        (int)((uint)HashCode.Combine(ns, workflowId) % (uint)departures.Length);

    private bool PastRetention(Execution x) => x.CloseTime < Clock.Now - RetentionOf(x.Namespace);

    private bool NamespaceKnown(string ns, out string resolved)
    {
        resolved = string.IsNullOrEmpty(ns) ? DefaultNamespace : ns;
        return namespaces.Contains(resolved);
    }

    /// <summary>
    /// Whether the run is in memory; a closed one is then held there a moment, or the eviction could take it
    /// between this check and the handler (which would then answer NOT_FOUND for a run the store has).
    /// </summary>
    private bool HeldInMemory(string ns, string workflowId, string? runId)
    {
        var x = runId is null
            ? (runsById.TryGetValue((ns, workflowId), out var runs) && runs.Count > 0 ? runs[^1] : null)
            : runsByRunId.GetValueOrDefault(runId);
        if (x is null)
        {
            return false;
        }

        var until = Clock.Now + HandlerGrace;
        if (!x.IsOpen && (!pinnedUntil.TryGetValue(x, out var pinned) || pinned < until))
        {
            pinnedUntil[x] = until;
        }

        return true;
    }

    private void AdmitReadBack(Execution run, bool latest)
    {
        if (runsByRunId.TryGetValue(run.RunId, out var resident))
        {
            run = resident;
        }
        else
        {
            runsByRunId[run.RunId] = run;
            evictionDue.Enqueue(run, Clock.Now + ReadBackLinger);
        }

        // Only the latest run joins its workflow ID's list, which then holds exactly the latest.
        if (latest && !runsById.ContainsKey((run.Namespace, run.WorkflowId)))
        {
            runsById[(run.Namespace, run.WorkflowId)] = [run];
        }
    }

    // ---- retention ----

    // On the clock thread, under the lock: closed runs past retention leave memory (in-memory store), and
    // the store deletes its own in the background.
    private void Sweep()
    {
        if (backgroundStopped)
        {
            return;
        }

        var now = Clock.Now;
        var removed = 0;
        foreach (var (ns, closed) in closedInOrder)
        {
            var cutoff = now - RetentionOf(ns);
            while (removed < BatchPerTick && closed.TryPeek(out var x) && x.CloseTime < cutoff)
            {
                closed.Dequeue();
                if (IsResident(x))
                {
                    RemoveFromIndexes(x);
                    removed++;
                }
            }
        }

        if (removed > 0)
        {
            logger?.LogInformation("Retention: {Count} closed runs removed from memory", removed);
        }

        SweepBatches(now);
        SweepStandaloneActivities(now);
        SweepStandaloneNexusOperations(now);
        workers.Evict(DateTime.UtcNow); // heartbeats are real time, whatever the engine's clock does

        // Durable store: the closed runs in memory are the few not yet evicted or read back for a call.
        foreach (var (x, _) in evictionDue.UnorderedItems.Where(e => PastRetention(e.Element) && IsResident(e.Element)).ToList())
        {
            RemoveFromIndexes(x);
            removed++;
        }

        if (store.IsDurable && storeSweep is not { IsCompleted: false })
        {
            var cutoffs = namespaces.Retentions.Select(r => (r.Name, now - r.Retention)).ToList();
            storeSweep = Task.Run(() => SweepStoreAsync(cutoffs, now - namespaces.DefaultRetention));
        }

        Clock.Schedule(removed == BatchPerTick ? NextBatchDelay : SweepInterval, Sweep);
    }

    /// <param name="otherCutoff">For runs of a namespace the engine does not know (the default retention).</param>
    private async Task SweepStoreAsync(IReadOnlyList<(string Namespace, DateTime Cutoff)> cutoffs, DateTime otherCutoff)
    {
        var total = 0;
        try
        {
            while (true)
            {
                using (gate.Enter())
                {
                    if (backgroundStopped)
                    {
                        return;
                    }
                }

                var gone = await store.DeleteClosedBeforeAsync(cutoffs, otherCutoff, BatchPerTick, CancellationToken.None).ConfigureAwait(false);
                total += gone.Count;
                using (gate.Enter())
                {
                    foreach (var (_, runId) in gone)
                    {
                        if (runsByRunId.TryGetValue(runId, out var x) && !x.IsOpen)
                        {
                            RemoveFromIndexes(x);
                        }
                    }
                }

                if (gone.Count < BatchPerTick)
                {
                    break;
                }
            }

            if (total > 0)
            {
                logger?.LogInformation("Retention: deleted {Count} closed runs from the store", total);
            }

            await RebuildStoredIdsIfFullAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger?.LogWarning(ex, "Retention sweep of the store (or the read-back filter's rebuild) failed; the next sweep tries again");
        }
    }
}
