using System.Threading.RateLimiting;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Batches;

/// <summary>
/// Works through one batch as Temporal's batcher activity does, through the engine's own RPC entry points: counts
/// the matching executions once, then lists them a page (1,000) at a time and applies the operation to each, a few
/// at once and no faster than the batcher's rate. An execution that is gone counts as done; one whose operation
/// keeps failing is retried at once up to the batcher's attempts, then counted as a failure, never failing the
/// batch. A page's counts are recorded only once its changes are committed, so a restart redoes at most one page.
/// </summary>
internal sealed class BatchRunner(WorkflowEngine engine, BatchJob job, TemporalDevServerBatcher settings, ILogger? logger)
{
    private const int PageSize = 1000;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    // The Go SDK client's default identity, which the batcher's terminate and cancel calls carry.
    private static readonly string ClientIdentity = $"{Environment.ProcessId}@{Environment.MachineName}@";

    private readonly BatchExecutionOperation operation = new(engine, job);

    public async Task RunAsync(CancellationToken stop)
    {
        var request = job.Request;
        var rate = request.MaxOperationsPerSecond > 0 ? Math.Min(request.MaxOperationsPerSecond, settings.OperationsPerSecond) : settings.OperationsPerSecond;
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)rate),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1 / Math.Max(rate, 0.001)),
            QueueLimit = int.MaxValue,
            AutoReplenishment = true,
        });
        var retryDelay = FirstRetryDelay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (await RunPagesAsync(limiter, stop).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                // As the batcher's non-retryable InvalidArgument: the batch fails.
                engine.FailBatch(job, ex.Status.Detail);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // As the batcher's activity retry: the page is redone from its start after a growing pause.
                WorkflowEngine.RestartBatchPage(job);
                logger?.LogWarning(ex, "Batch {JobId} in {Namespace}: a page failed; it is redone in {Delay}", job.JobId, job.Namespace, retryDelay);
                try
                {
                    await Task.Delay(retryDelay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retryDelay = TimeSpan.FromTicks(Math.Min((long)(retryDelay.Ticks * 1.7), MaxRetryDelay.Ticks));
            }
        }
    }

    // True once the batch is finished or stopped.
    private async Task<bool> RunPagesAsync(RateLimiter limiter, CancellationToken stop)
    {
        var request = job.Request;
        var query = request.VisibilityQuery.Length > 0 ? BatchOperationRules.AdjustedQuery(request) : null;
        if (job.TotalEstimate is null)
        {
            var total = query is null
                ? BatchOperationRules.ListedExecutions(request).Count
                : (await engine.CountAsync(new CountWorkflowExecutionsRequest { Namespace = job.Namespace, Query = query }, stop).ConfigureAwait(false)).Count;
            engine.RecordBatchEstimate(job, total);
        }

        while (true)
        {
            stop.ThrowIfCancellationRequested();
            IReadOnlyList<WorkflowExecution> page;
            string? next;
            if (query is null)
            {
                page = BatchOperationRules.ListedExecutions(request);
                next = null;
            }
            else
            {
                var listed = await engine.ListAsync(new ListWorkflowExecutionsRequest
                {
                    Namespace = job.Namespace,
                    Query = query,
                    PageSize = PageSize,
                    NextPageToken = job.NextPageToken is { } token ? Google.Protobuf.ByteString.FromBase64(token) : Google.Protobuf.ByteString.Empty,
                }, stop).ConfigureAwait(false);
                page = listed.Executions.Select(e => e.Execution).ToList();
                next = listed.NextPageToken.IsEmpty ? null : listed.NextPageToken.ToBase64();
            }

            await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = stop }, async (execution, ct) =>
            {
                if (await ApplyWithAttemptsAsync(limiter, execution, ct).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref job.PageSucceeded);
                }
                else
                {
                    Interlocked.Increment(ref job.PageFailed);
                }
            }).ConfigureAwait(false);

            // The page's changes are in the store before the page is recorded as done.
            await engine.DurableAsync().ConfigureAwait(false);
            if (!engine.RecordBatchPage(job, next))
            {
                return true;
            }
        }
    }

    private async Task<bool> ApplyWithAttemptsAsync(RateLimiter limiter, WorkflowExecution execution, CancellationToken stop)
    {
        for (var attempt = 0; attempt <= settings.AttemptsOnRetryableError; attempt++)
        {
            using var lease = await limiter.AcquireAsync(1, stop).ConfigureAwait(false);
            try
            {
                await operation.ApplyAsync(execution, ClientIdentity, stop).ConfigureAwait(false);
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return true; // completed, deleted or moved on: nothing left to do, as the batcher counts it
            }
            catch (BatchExecutionNotApplicableException ex)
            {
                logger?.LogDebug("Batch {JobId}: {WorkflowId} skipped: {Reason}", job.JobId, execution.WorkflowId, ex.Message);
                return false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                if (attempt == settings.AttemptsOnRetryableError)
                {
                    logger?.LogInformation("Batch {JobId}: {WorkflowId} failed after {Attempts} attempts: {Error}",
                        job.JobId, execution.WorkflowId, attempt + 1, ex is RpcException rpc ? rpc.Status.Detail : ex.Message);
                }
            }
        }

        return false;
    }
}
