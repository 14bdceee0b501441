using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Batch operations and task queue configurations on the PostgreSQL store survive a SIGKILL of the engine: a running
/// batch goes on after the restart from its last finished page, as Temporal's batcher activity resumes from its last
/// heartbeat; a closed batch keeps its outcome and its job ID; a queue keeps its rate.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class BatchOperationRecoveryTests
{
    private const int Targets = 12;

    [Fact(Timeout = 150_000)]
    public async Task RunningBatch_FinishesAfterAKill_AndAClosedOneKeepsItsOutcome()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var ns = client.Options.Namespace;
        var queue = $"tq-batch-{Guid.NewGuid():N}";
        var handles = new List<WorkflowHandle>();
        for (var i = 0; i < Targets; i++)
        {
            handles.Add(await client.StartWorkflowAsync((CollectorWorkflow w) => w.RunAsync("batch"), new($"batch-target-{Guid.NewGuid():N}", queue)));
        }

        // A closed batch before the kill: a signal to every target.
        var signalJob = $"job-signal-{Guid.NewGuid():N}";
        await client.WorkflowService.StartBatchOperationAsync(new()
        {
            Namespace = ns, JobId = signalJob, Reason = "before the kill", VisibilityQuery = $"TaskQueue = '{queue}'", SignalOperation = new() { Signal = "Add" },
        });
        await Eventually.UntilAsync(() => client.WorkflowService.DescribeBatchOperationAsync(new() { Namespace = ns, JobId = signalJob }),
            d => d.State == BatchOperationState.Completed, "the signal batch done", cancellationToken: deadline.Token);

        // A running one at the kill: two terminations a second.
        var terminateJob = $"job-terminate-{Guid.NewGuid():N}";
        await client.WorkflowService.StartBatchOperationAsync(new()
        {
            Namespace = ns, JobId = terminateJob, Reason = "across the kill", MaxOperationsPerSecond = 2,
            VisibilityQuery = $"TaskQueue = '{queue}'", TerminationOperation = new() { Identity = "operator" },
        });
        await Eventually.UntilAsync(() => RunningAsync(client, queue), running => running < Targets, "a first termination", cancellationToken: deadline.Token);
        await engine.KillAsync();
        var runningAtKill = await RunningAfterRestartAsync(engine, client, queue, deadline.Token);
        Assert.True(runningAtKill > 0, "the batch was still under way at the kill");

        var done = await Retry.WhileUnavailableAsync(() => Eventually.UntilAsync(
            () => client.WorkflowService.DescribeBatchOperationAsync(new() { Namespace = ns, JobId = terminateJob }),
            d => d.State != BatchOperationState.Running, "the terminate batch closed after the restart", cancellationToken: deadline.Token), deadline.Token);

        Assert.Equal((BatchOperationState.Completed, 0L), (done.State, done.FailureOperationCount));
        Assert.Equal(0, await RunningAsync(client, queue));
        foreach (var handle in handles)
        {
            var events = (await handle.FetchHistoryAsync()).Events;
            Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionSignaled);
            Assert.Equal("across the kill", Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionTerminated).WorkflowExecutionTerminatedEventAttributes.Reason);
        }

        var signalled = await client.WorkflowService.DescribeBatchOperationAsync(new() { Namespace = ns, JobId = signalJob });
        Assert.Equal((BatchOperationState.Completed, (long)Targets, (long)Targets), (signalled.State, signalled.TotalOperationCount, signalled.CompleteOperationCount));
        var listed = await client.WorkflowService.ListBatchOperationsAsync(new() { Namespace = ns });
        Assert.Equal([terminateJob, signalJob], listed.OperationInfo.Select(b => b.JobId).Where(id => id == terminateJob || id == signalJob));
        var reused = await Assert.ThrowsAsync<RpcException>(() => client.WorkflowService.StartBatchOperationAsync(new()
        {
            Namespace = ns, JobId = signalJob, Reason = "again", VisibilityQuery = $"TaskQueue = '{queue}'", SignalOperation = new() { Signal = "Add" },
        }));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, reused.Code);
    }

    [Fact(Timeout = 120_000)]
    public async Task TaskQueueConfig_SurvivesAKill_WithItsRateAndReason()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var ns = client.Options.Namespace;
        var queue = $"tq-config-{Guid.NewGuid():N}";
        await client.WorkflowService.UpdateTaskQueueConfigAsync(new()
        {
            Namespace = ns, TaskQueue = queue, TaskQueueType = TaskQueueType.Activity, Identity = "operator",
            UpdateQueueRateLimit = new() { RateLimit = new() { RequestsPerSecond = 0 }, Reason = "paused for the night" },
        });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(() => client.WorkflowService.DescribeTaskQueueAsync(new()
        {
            Namespace = ns, TaskQueue = new() { Name = queue }, TaskQueueType = TaskQueueType.Activity, ReportConfig = true,
        }), deadline.Token);
        Assert.Equal((0f, RateLimitSource.Api), (described.EffectiveRateLimit.RequestsPerSecond, described.EffectiveRateLimit.RateLimitSource));
        Assert.Equal("paused for the night", described.Config.QueueRateLimit.Metadata.Reason);
    }

    private static async Task<long> RunningAsync(ITemporalClient client, string queue) =>
        (await client.CountWorkflowsAsync($"TaskQueue = '{queue}' AND ExecutionStatus = 'Running'")).Count;

    private static async Task<long> RunningAfterRestartAsync(EngineProcess engine, ITemporalClient client, string queue, CancellationToken cancellationToken)
    {
        // Read before the restarted engine resumes the batch: what the kill left running, from the store itself.
        await engine.StartAsync(cancellationToken);
        return await Retry.WhileUnavailableAsync(() => RunningAsync(client, queue), cancellationToken);
    }
}
