using Grpc.Core;
using Microsoft.Extensions.Logging;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Group commit: every change marks its execution dirty; one committer writes all dirty executions
/// (a consistent cut, taken under the lock) in one transaction, and an RPC is answered only once the
/// batch holding its change is committed (<see cref="DurableAsync"/>).
/// </summary>
internal sealed partial class WorkflowEngine
{
    // Changes nobody waits for (timers firing) are written within this much time.
    private static readonly TimeSpan IdleFlushInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxStoreRetryDelay = TimeSpan.FromSeconds(5);

    private readonly HashSet<Execution> dirty = [];
    private readonly List<(long Seq, TaskCompletionSource Done)> commitWaiters = [];
    private readonly SemaphoreSlim commitWake = new(0);
    private readonly CancellationTokenSource faulted = new();
    private long changeSeq;
    private long committedSeq;
    private Exception? storeFailure;

    /// <summary>Cancelled when the store is lost for good (another engine took it over): this engine must stop.</summary>
    public CancellationToken Faulted => faulted.Token;

    private void MarkDirty(Execution execution)
    {
        execution.CountTransition(gate.Transaction);
        if (store.IsDurable)
        {
            dirty.Add(execution);
            changeSeq++;
        }
    }

    /// <summary>
    /// Under the lock, after a call changed a registry the committer writes (worker deployments, namespaces): counts
    /// its changes for the committer, or drops them with the in-memory store.
    /// </summary>
    private void RegistryChanged(bool hasChanges, Action discard)
    {
        if (!hasChanges)
        {
            return;
        }

        if (store.IsDurable)
        {
            changeSeq++;
        }
        else
        {
            discard();
        }
    }

    /// <summary>Completes when every change made so far is committed to the store (at once for the in-memory store).</summary>
    public Task DurableAsync()
    {
        if (!store.IsDurable)
        {
            return Task.CompletedTask;
        }

        using (gate.Enter())
        {
            if (storeFailure is not null)
            {
                return Task.FromException(StoreUnavailable());
            }

            if (committedSeq >= changeSeq)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            commitWaiters.Add((changeSeq, done));
            if (commitWake.CurrentCount == 0)
            {
                commitWake.Release();
            }

            return done.Task;
        }
    }

    private RpcException StoreUnavailable() =>
        new(new Status(StatusCode.Unavailable, $"the engine's store is lost: {storeFailure?.Message}"));

    /// <summary>The committer: runs until <paramref name="stop"/>, then writes what is left.</summary>
    private async Task CommitLoopAsync(CancellationToken stop)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var stopping = stop.IsCancellationRequested;
            if (!stopping)
            {
                try
                {
                    await commitWake.WaitAsync(IdleFlushInterval, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    stopping = true;
                }
            }

            List<ExecutionChange> batch;
            List<(Execution Execution, int Events)> written;
            List<ScheduleChange> scheduleChanges;
            List<WorkerDeploymentChange> deploymentChanges;
            List<BatchOperationChange> batchChanges;
            List<TaskQueueConfigChange> configChanges;
            List<Nexus.NexusEndpointChange> endpointChanges;
            List<StandaloneActivityChange> activityChanges;
            List<StandaloneNexusOperationChange> nexusOperationChanges;
            IReadOnlyList<NamespaceRemoval> namespaceRemovals;
            IReadOnlyList<NamespaceRecord> namespaceChanges;
            long target;
            using (gate.Enter())
            {
                target = changeSeq;
                try
                {
                    (batch, written) = TakeDirty();
                    scheduleChanges = TakeDirtySchedules();
                    activityChanges = TakeDirtyActivities();
                    nexusOperationChanges = TakeDirtyNexusOperations();
                    batchChanges = TakeDirtyBatches();
                    configChanges = TakeDirtyTaskQueueConfigs();
                    endpointChanges = nexusEndpoints.TakeChanges();
                    deploymentChanges = workerDeployments.TakeChanges();
                    (namespaceRemovals, namespaceChanges) = namespaces.TakeChanges();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A state that cannot be written must stop the engine loudly, never leave callers waiting.
                    FailStore(ex);
                    return;
                }

                if (batch.Count == 0 && scheduleChanges.Count == 0 && activityChanges.Count == 0 && nexusOperationChanges.Count == 0 && batchChanges.Count == 0 && configChanges.Count == 0 && endpointChanges.Count == 0 && deploymentChanges.Count == 0 && namespaceChanges.Count == 0 && namespaceRemovals.Count == 0)
                {
                    committedSeq = target;
                    ReleaseCommitWaiters();
                    if (stopping)
                    {
                        return;
                    }

                    continue;
                }
            }

            // The same batch is written again until it lands: upserts and append-if-absent make that safe.
            while (true)
            {
                try
                {
                    // Deleted namespaces first (their runs changed in earlier batches; a name may be registered again
                    // in this one), then namespaces: a stored run never names a namespace the store lacks.
                    await store.RemoveNamespacesAsync(namespaceRemovals, CancellationToken.None).ConfigureAwait(false);
                    await store.SaveNamespacesAsync(namespaceChanges, CancellationToken.None).ConfigureAwait(false);
                    // Endpoints before runs: a stored operation never names an endpoint the store lacks.
                    await store.SaveNexusEndpointsAsync(endpointChanges, CancellationToken.None).ConfigureAwait(false);
                    // Standalone Nexus operations before runs: an operation closed by its handler workflow's callback is
                    // written no later than that workflow's close, so a crash cannot leave it waiting for a callback
                    // already made (a close lost with the crash is made again and finds the operation closed).
                    await store.SaveStandaloneNexusOperationsAsync(nexusOperationChanges, CancellationToken.None).ConfigureAwait(false);

                    // Runs first: a schedule never records an action whose run could be lost.
                    if (batch.Count > 0)
                    {
                        await store.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false);
                    }

                    await store.SaveSchedulesAsync(scheduleChanges, CancellationToken.None).ConfigureAwait(false);
                    await store.SaveStandaloneActivitiesAsync(activityChanges, CancellationToken.None).ConfigureAwait(false);
                    // After the runs too: a batch never records a page whose changes could be lost.
                    await store.SaveBatchOperationsAsync(batchChanges, CancellationToken.None).ConfigureAwait(false);
                    await store.SaveTaskQueueConfigsAsync(configChanges, CancellationToken.None).ConfigureAwait(false);
                    await store.SaveWorkerDeploymentsAsync(deploymentChanges, CancellationToken.None).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(100);
                    break;
                }
                catch (Exception ex) when (ex is EngineStoreFencedException or EmbeddedEngineOwnedElsewhereException)
                {
                    FailStore(ex);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger?.LogWarning(ex, "Writing {Count} executions to the engine store failed; retrying in {Delay}", batch.Count, delay);
                    await Task.Delay(delay, CancellationToken.None).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStoreRetryDelay.Ticks));
                }
            }

            using (gate.Enter())
            {
                foreach (var (execution, events) in written)
                {
                    execution.PersistedEventCount = Math.Max(execution.PersistedEventCount, events);
                }

                committedSeq = target;
                ReleaseCommitWaiters();
            }
        }
    }

    // Under the lock: a consistent cut of every dirty execution.
    private (List<ExecutionChange> Batch, List<(Execution, int)> Written) TakeDirty()
    {
        var batch = new List<ExecutionChange>(dirty.Count);
        var written = new List<(Execution, int)>(dirty.Count);
        foreach (var x in dirty)
        {
            var from = x.PersistedEventCount;
            var events = new List<byte[]>(x.History.Count - from);
            for (var i = from; i < x.History.Count; i++)
            {
                events.Add(Google.Protobuf.MessageExtensions.ToByteArray(x.History[i]));
            }

            batch.Add(new ExecutionChange(x.Namespace, x.WorkflowId, x.RunId, x.Ordinal, x.WorkflowType, x.TaskQueue, (int)x.Status,
                x.StartTime, x.CloseTime, ExecutionSnapshots.ToRecord(x).ToBytes(), ChangedVisibilityRow(x), from + 1, events, x.RequestIds.TakeUnsaved()));
            written.Add((x, x.History.Count));
        }

        dirty.Clear();
        return (batch, written);
    }

    private void ReleaseCommitWaiters()
    {
        for (var i = commitWaiters.Count - 1; i >= 0; i--)
        {
            if (commitWaiters[i].Seq <= committedSeq)
            {
                commitWaiters[i].Done.TrySetResult();
                commitWaiters.RemoveAt(i);
            }
        }
    }

    private void FailStore(Exception ex)
    {
        logger?.LogCritical(ex, "The engine lost its store for good; it stops answering");
        using (gate.Enter())
        {
            storeFailure = ex;
            foreach (var (_, done) in commitWaiters)
            {
                done.TrySetException(StoreUnavailable());
            }

            commitWaiters.Clear();
        }

        faulted.Cancel();
    }
}
