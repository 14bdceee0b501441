using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Batch.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Batches;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Batch operations, as Temporal's frontend answers them: a start is validated and refused past the namespace's
/// running-batch limit or for a job ID still retained; the work itself is the <see cref="BatchRunner"/>'s, in the
/// background, resumed after a restart from the last finished page. A batch is kept for its namespace's retention
/// after it closes, as the batcher's workflow run is.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const string BatcherDisabled = "Batch operation feature are disabled on this namespace.";
    private const int MaxBatchListPageSize = 1000;

    private readonly Dictionary<(string Namespace, string JobId), BatchJob> batches = [];
    private readonly Dictionary<(string Namespace, string JobId), BatchJob> dirtyBatches = [];
    private readonly List<Task> batchRuns = [];

    public TemporalDevServerBatcher Batcher { get; }

    public void StartBatchOperation(StartBatchOperationRequest request)
    {
        RequireBatcher(request.Namespace);
        BatchOperationRules.Validate(request);
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            if (request.VisibilityQuery.Length > 0)
            {
                try
                {
                    VisibilityQuery.Parse(BatchOperationRules.AdjustedQuery(request), name => searchAttributes.TypeOf(ns, name));
                }
                catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.InvalidArgument)
                {
                    throw Errors.InvalidArgument($"invalid visibility query: {ex.Status.Detail}");
                }
            }

            if (batches.Values.Count(b => b.Namespace == ns && b.IsRunning) >= Batcher.MaxConcurrentPerNamespace)
            {
                throw Errors.ResourceExhausted("Max concurrent batch operations is reached", ResourceExhaustedCause.ConcurrentLimit, ResourceExhaustedScope.Namespace);
            }

            if (batches.TryGetValue((ns, request.JobId), out var existing))
            {
                throw existing.IsRunning
                    ? Errors.AlreadyStarted(existing.JobId, existing.RunId, string.Empty)
                    : Errors.AlreadyStartedWith(
                        $"Workflow execution already finished. WorkflowId: {existing.JobId}, RunId: {existing.RunId}. Workflow Id reuse policy: reject duplicate workflow Id.",
                        existing.RunId, string.Empty);
            }

            var job = new BatchJob { Namespace = ns, JobId = request.JobId, RunId = Guid.NewGuid().ToString(), Request = request.Clone(), StartTime = Clock.Now };
            batches[job.Key] = job;
            MarkBatchDirty(job);
            logger?.LogInformation("Batch {JobId} started in {Namespace}: {Operation}, reason {Reason}", job.JobId, ns, BatchOperationRules.TypeOf(request), request.Reason);
            LaunchBatch(job);
        }
    }

    public void StopBatchOperation(StopBatchOperationRequest request)
    {
        RequireJobId(request.JobId, request.Namespace);
        RequireBatcher(request.Namespace);
        if (request.Reason.Length == 0)
        {
            throw Errors.InvalidArgument("Reason is not set on request.");
        }

        using (gate.Enter())
        {
            var job = FindBatch(request.Namespace, request.JobId);
            if (!job.IsRunning)
            {
                throw Errors.AlreadyCompleted();
            }

            job.Cancel?.Cancel();
            CloseBatch(job, BatchOperationState.Failed, $"stopped by {request.Identity}: {request.Reason}");
        }
    }

    public DescribeBatchOperationResponse DescribeBatchOperation(DescribeBatchOperationRequest request)
    {
        RequireJobId(request.JobId, request.Namespace);
        RequireBatcher(request.Namespace);
        using (gate.Enter())
        {
            var job = FindBatch(request.Namespace, request.JobId);
            var response = new DescribeBatchOperationResponse
            {
                OperationType = BatchOperationRules.TypeOf(job.Request),
                JobId = job.JobId,
                State = job.State,
                StartTime = Timestamp.FromDateTime(job.StartTime),
                CloseTime = job.CloseTime is { } closed ? Timestamp.FromDateTime(closed) : null,
                CompleteOperationCount = job.Succeeded + Interlocked.Read(ref job.PageSucceeded),
                FailureOperationCount = job.Failed + Interlocked.Read(ref job.PageFailed),
                Identity = BatchOperationRules.IdentityOf(job.Request),
                Reason = job.Request.Reason,
            };
            // As Temporal: while running, the estimate made at the start; once done, what was actually worked on.
            response.TotalOperationCount = job.State == BatchOperationState.Completed
                ? response.CompleteOperationCount + response.FailureOperationCount
                : job.TotalEstimate ?? 0;
            return response;
        }
    }

    public ListBatchOperationsResponse ListBatchOperations(ListBatchOperationsRequest request)
    {
        if (request.Namespace.Length == 0)
        {
            throw Errors.InvalidArgument("Namespace is not set on request.");
        }

        RequireBatcher(request.Namespace);
        var pageSize = request.PageSize is > 0 and <= MaxBatchListPageSize ? request.PageSize : MaxBatchListPageSize;
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var skip = ReadBatchPageToken(request.NextPageToken);
            // Temporal's list order: running first, then by close time; newest start first within each.
            var page = batches.Values.Where(b => b.Namespace == ns)
                .OrderByDescending(b => b.CloseTime ?? DateTime.MaxValue).ThenByDescending(b => b.StartTime).ThenBy(b => b.JobId, StringComparer.Ordinal)
                .Skip(skip).Take(pageSize + 1).ToList();
            var response = new ListBatchOperationsResponse();
            response.OperationInfo.AddRange(page.Take(pageSize).Select(b => new BatchOperationInfo
            {
                JobId = b.JobId,
                State = b.State,
                StartTime = Timestamp.FromDateTime(b.StartTime),
                CloseTime = b.CloseTime is { } closed ? Timestamp.FromDateTime(closed) : null,
            }));
            if (page.Count > pageSize)
            {
                response.NextPageToken = ByteStrings.Utf8((skip + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    // ---- called by the runner ----

    /// <summary>The batch's estimate of its executions, counted once at its start.</summary>
    internal void RecordBatchEstimate(BatchJob job, long total)
    {
        using (gate.Enter())
        {
            job.TotalEstimate = total;
            MarkBatchDirty(job);
        }
    }

    /// <summary>A page is done and its changes committed: its counts join the stored ones, and the next page starts after it.</summary>
    internal bool RecordBatchPage(BatchJob job, string? nextPageToken)
    {
        using (gate.Enter())
        {
            if (!job.IsRunning)
            {
                return false;
            }

            job.Succeeded += Interlocked.Exchange(ref job.PageSucceeded, 0);
            job.Failed += Interlocked.Exchange(ref job.PageFailed, 0);
            job.NextPageToken = nextPageToken;
            if (nextPageToken is null)
            {
                CloseBatch(job, BatchOperationState.Completed, null);
            }
            else
            {
                MarkBatchDirty(job);
            }

            return nextPageToken is not null;
        }
    }

    /// <summary>The batch cannot go on (e.g. its query is refused): it fails, as the batcher's workflow does.</summary>
    internal void FailBatch(BatchJob job, string failure)
    {
        using (gate.Enter())
        {
            if (job.IsRunning)
            {
                CloseBatch(job, BatchOperationState.Failed, failure);
            }
        }
    }

    /// <summary>The page in progress is abandoned (it is redone from its start): its counts are dropped.</summary>
    internal static void RestartBatchPage(BatchJob job)
    {
        Interlocked.Exchange(ref job.PageSucceeded, 0);
        Interlocked.Exchange(ref job.PageFailed, 0);
    }

    // ---- under the lock ----

    private void CloseBatch(BatchJob job, BatchOperationState state, string? failure)
    {
        job.State = state;
        job.CloseTime = Clock.Now;
        job.Failure = failure;
        MarkBatchDirty(job);
        logger?.LogInformation("Batch {JobId} in {Namespace} {State}: {Succeeded} succeeded, {Failed} failed{Failure}",
            job.JobId, job.Namespace, state, job.Succeeded, job.Failed, failure is null ? string.Empty : $" ({failure})");
    }

    private void LaunchBatch(BatchJob job)
    {
        if (background is not { } stopping)
        {
            return; // started again with the engine's background work (RestoreBatchesAsync runs before it)
        }

        job.Cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        var runner = new BatchRunner(this, job, Batcher, logger);
        batchRuns.RemoveAll(t => t.IsCompleted);
        batchRuns.Add(Task.Run(() => runner.RunAsync(job.Cancel.Token)));
    }

    private BatchJob FindBatch(string ns, string jobId) =>
        batches.TryGetValue((Ns(ns), jobId), out var job) ? job : throw Errors.NotFound($"workflow execution not found: {jobId}");

    private void RequireBatcher(string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return; // validation names it
        }

        if (!Batcher.Enabled)
        {
            throw Errors.PermissionDenied(BatcherDisabled);
        }
    }

    private static void RequireJobId(string jobId, string ns)
    {
        if (jobId.Length == 0)
        {
            throw Errors.InvalidArgument("JobId is not set on request.");
        }

        if (ns.Length == 0)
        {
            throw Errors.InvalidArgument("Namespace is not set on request.");
        }
    }

    private static int ReadBatchPageToken(Google.Protobuf.ByteString token)
    {
        if (token.IsEmpty)
        {
            return 0;
        }

        return int.TryParse(token.ToStringUtf8(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var skip)
            ? skip
            : throw Errors.InvalidArgument("invalid page token");
    }

    // On the clock thread, under the lock (the retention sweep): closed batches past their namespace's retention go.
    private void SweepBatches(DateTime now)
    {
        foreach (var job in batches.Values.Where(b => b.CloseTime is { } closed && closed < now - RetentionOf(b.Namespace)).ToList())
        {
            batches.Remove(job.Key);
            job.Expired = true;
            MarkBatchDirty(job);
        }
    }

    // Under the lock: a deleted namespace's batches stop and go (the store deletes their rows with the namespace's).
    private void RemoveBatchesOf(string ns)
    {
        foreach (var job in batches.Values.Where(b => b.Namespace == ns).ToList())
        {
            job.Cancel?.Cancel();
            batches.Remove(job.Key);
            dirtyBatches.Remove(job.Key);
        }
    }

    // ---- durability ----

    private void MarkBatchDirty(BatchJob job)
    {
        if (store.IsDurable)
        {
            dirtyBatches[job.Key] = job;
            changeSeq++;
        }
    }

    /// <summary>Under the lock: every changed batch (a null state: expired).</summary>
    private List<BatchOperationChange> TakeDirtyBatches()
    {
        var changes = dirtyBatches.Values.Select(b => new BatchOperationChange(b.Namespace, b.JobId, b.Expired ? null : b.ToBytes())).ToList();
        dirtyBatches.Clear();
        return changes;
    }

    /// <summary>Loads the stored batches; the running ones resume from their last finished page once background work starts.</summary>
    private async Task RestoreBatchesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadBatchOperationsAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var bytes in stored)
            {
                var job = BatchJob.FromBytes(bytes);
                namespaces.Ensure(job.Namespace);
                batches[job.Key] = job;
            }
        }

        if (stored.Count > 0)
        {
            logger?.LogInformation("Engine restored {Batches} batch operations from {Store}", stored.Count, store.Description);
        }
    }

    // Under the lock, once background work has started: the batches a restart interrupted go on.
    private void ResumeBatches()
    {
        foreach (var job in batches.Values.Where(b => b.IsRunning && b.Cancel is null))
        {
            LaunchBatch(job);
        }
    }

    private async Task StopBatchesAsync()
    {
        Task[] runs;
        using (gate.Enter())
        {
            foreach (var job in batches.Values)
            {
                job.Cancel?.Cancel();
            }

            runs = [.. batchRuns];
            batchRuns.Clear();
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
    }
}
