using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Start-up from a store. Recovery re-creates what was in flight from the stored state:
/// timers at their original fire time (one that fell due while the engine was down fires at once),
/// workflow tasks waiting in their queue, and activity attempts. An attempt that was running when the
/// process died is not guessed at: it times out by its own timeouts and is retried by its policy.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private CancellationTokenSource? background;
    private Task? committer;

    // "Closed after" a time no run reaches: the store hands back open runs only.
    private static readonly DateTime OpenRunsOnly = new(9999, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Loads the open runs and re-arms them (closed ones are read back when a call names them). Call before serving.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        await RestoreNamespacesAsync(cancellationToken).ConfigureAwait(false);
        await RestoreSearchAttributesAsync(cancellationToken).ConfigureAwait(false);
        await RegisterStartupSearchAttributesAsync(cancellationToken).ConfigureAwait(false);
        // Endpoints before runs: a run's pending Nexus operations are sent again to their endpoint's queue.
        var endpoints = await store.LoadNexusEndpointsAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            nexusEndpoints.Restore(endpoints);
        }

        if (store.IsDurable)
        {
            // Before any run is in memory: the filter then holds every stored run, and each restored one joins it.
            await BuildStoredIdsAsync(cancellationToken).ConfigureAwait(false);
        }

        var stored = await store.LoadAsync(OpenRunsOnly, cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            var restored = stored.Select(s => ExecutionSnapshots.FromRecord(ExecutionRecord.FromBytes(s.State), s.History, s.RequestIds)).OrderBy(x => x.Ordinal).ToList();
            foreach (var x in restored)
            {
                namespaces.Ensure(x.Namespace);
                AddToIndexes(x);
                nextOrdinal = Math.Max(nextOrdinal, x.Ordinal);
            }

            var open = restored.Where(x => x.IsOpen).ToList();
            rehydrating = true;
            try
            {
                foreach (var x in open)
                {
                    Rehydrate(x);
                }
            }
            finally
            {
                rehydrating = false;
            }

            if (restored.Count > 0)
            {
                logger?.LogInformation("Engine restored {Runs} runs from {Store}, {Open} of them open", restored.Count, store.Description, open.Count);
            }
        }

        await RestoreSchedulesAsync(cancellationToken).ConfigureAwait(false);
        await RestoreStandaloneActivitiesAsync(cancellationToken).ConfigureAwait(false);
        await RestoreStandaloneNexusOperationsAsync(cancellationToken).ConfigureAwait(false);
        await RestoreBatchesAsync(cancellationToken).ConfigureAwait(false);
        await RestoreTaskQueueConfigsAsync(cancellationToken).ConfigureAwait(false);
        await RestoreWorkerDeploymentsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the committer, the retention sweep and the eviction of closed runs.</summary>
    public void StartBackgroundWork()
    {
        background = new CancellationTokenSource();
        if (store.IsDurable)
        {
            committer = Task.Run(() => CommitLoopAsync(background.Token));
        }

        StartSweeps();
        using (gate.Enter())
        {
            ResumeBatches();
        }
    }

    /// <summary>Writes what is left and stops the background work.</summary>
    public async Task StopBackgroundWorkAsync()
    {
        if (background is null)
        {
            return;
        }

        await StopSweepsAsync().ConfigureAwait(false);
        await StopBatchesAsync().ConfigureAwait(false);
        await background.CancelAsync().ConfigureAwait(false);
        if (committer is not null)
        {
            await committer.ConfigureAwait(false);
        }

        background.Dispose();
        background = null;
    }

    private void Rehydrate(Execution x)
    {
        RestoreUpdates(x);
        ArmRunTimeoutTimer(x);
        ArmStartDelay(x);
        foreach (var timer in x.Timers.Values)
        {
            ArmTimer(x, timer);
        }

        foreach (var operation in x.NexusOperations.Values)
        {
            RehydrateNexusOperation(x, operation);
        }

        foreach (var activity in x.Activities.Values)
        {
            ArmScheduleToClose(x, activity);
            switch (activity.Phase)
            {
                case ActivityPhase.Scheduled:
                    OfferActivityAttempt(x, activity);
                    break;
                case ActivityPhase.Started:
                    ArmStartedActivityTimers(x, activity);
                    break;
                case ActivityPhase.Backoff:
                    ArmBackoff(x, activity);
                    break;
            }
        }

        switch (x.Wft)
        {
            case WorkflowTaskState.Scheduled:
                Dispatch(x.Namespace, x.TaskQueue, activity: false, new WorkflowTaskItem(x, x.WftScheduledId, x.WftAttempt));
                break;
            case WorkflowTaskState.Started:
                ArmWorkflowTaskTimeout(x);
                break;
            case WorkflowTaskState.None when x.StartDelayDue is null && (x.Buffer.Count > 0 || x.WftNeeded):
                // Events buffered under a task that was not stored (speculative) go first, in their order.
                FlushBuffer(x);
                x.WftNeeded = false;
                ScheduleWorkflowTask(x);
                break;
        }
    }

    private void RemoveFromIndexes(Execution x)
    {
        runsByRunId.Remove(x.RunId);
        open.Remove(x);
        if (runsById.TryGetValue((x.Namespace, x.WorkflowId), out var runs))
        {
            runs.Remove(x);
            if (runs.Count == 0)
            {
                runsById.Remove((x.Namespace, x.WorkflowId));
            }
        }

        Departed(x);
    }
}
