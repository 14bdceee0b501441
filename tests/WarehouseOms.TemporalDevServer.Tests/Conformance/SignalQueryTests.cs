using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: signals, signal-with-start, queries (also replayed by a fresh worker, and on a closed workflow).</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class SignalQueryTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private TemporalWorkerOptions CollectorWorker() => WorkerOptions().AddWorkflow<CollectorWorkflow>();

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Signal_ThreeSignals_DeliveredInOrder()
    {
        var result = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("signals"));
            foreach (var item in new[] { "a", "b", "c" })
            {
                await handle.SignalAsync(wf => wf.AddAsync(item), SignalRpc);
            }

            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return await handle.GetResultAsync(rpcOptions: Rpc);
        });

        Assert.Equal(["start", "a", "b", "c"], result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_NoRunningWorkflow_StartsItWithTheSignal()
    {
        var options = Options("signal-with-start");
        options.SignalWithStart((CollectorWorkflow wf) => wf.AddAsync("from signal-with-start"));
        var (result, history) = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), options);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return (await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
        });

        // Spec 2.2: a new run starts with Started, Signaled, WorkflowTaskScheduled.
        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionSignaled, EventType.WorkflowTaskScheduled],
            history.Events.Take(3).Select(e => e.EventType));

        Assert.Equal(["start", "from signal-with-start"], result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_WorkflowRunning_SignalsTheExistingRun()
    {
        var id = NewWorkflowId("signal-with-start-existing");
        var (first, second, result) = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var first = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), new(id, TaskQueue));
            var options = new WorkflowOptions(id, TaskQueue);
            options.SignalWithStart((CollectorWorkflow wf) => wf.AddAsync("second"));
            var second = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("ignored"), options);
            await first.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return (first, second, await first.GetResultAsync(rpcOptions: Rpc));
        });

        Assert.Equal(first.ResultRunId, second.ResultRunId);
        Assert.Equal(["start", "second"], result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Query_RunningWorkflow_ReturnsCurrentState()
    {
        var items = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("query"));
            await handle.SignalAsync(wf => wf.AddAsync("x"), SignalRpc);
            var items = await handle.QueryAsync(wf => wf.Items, QueryRpc);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return items;
        });

        // Signal before query from the same client: the query sees the signal.
        Assert.Equal(["x"], items);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Query_CompletedWorkflow_AnsweredFromReplayedHistory()
    {
        var count = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("query-closed"));
            await handle.SignalAsync(wf => wf.AddAsync("y"), SignalRpc);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
            return await handle.QueryAsync(wf => wf.Count, QueryRpc);
        });

        Assert.Equal(1, count);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Query_FreshWorkerAfterFirstWorkerStopped_ReplaysHistoryToAnswer()
    {
        var options = Options("query-fresh-worker");
        var handle = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), options);
            await handle.SignalAsync(wf => wf.AddAsync("before restart"), SignalRpc);
            await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Count, QueryRpc), c => c == 1, "the first worker to apply the signal");
            return handle;
        });

        // The first worker is gone together with its cache; a new one must rebuild state from history.
        var items = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var items = await handle.QueryAsync(wf => wf.Items, QueryRpc);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
            return items;
        });

        Assert.Equal(["before restart"], items);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Query_CompletedWorkflowWithRejectNotOpen_RejectedWithStatus()
    {
        var error = await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("query-reject"));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
            return await Assert.ThrowsAsync<WorkflowQueryRejectedException>(
                () => handle.QueryAsync(wf => wf.Count, new() { Rpc = Rpc, RejectCondition = QueryRejectCondition.NotOpen }));
        });

        Assert.Equal(WorkflowExecutionStatus.Completed, error.WorkflowStatus);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Query_UnknownQueryName_ThrowsWorkflowQueryFailedException()
    {
        await WithWorkerAsync(CollectorWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("query-unknown"));
            await Assert.ThrowsAsync<WorkflowQueryFailedException>(
                () => handle.QueryAsync<string>("no-such-query", [], QueryRpc));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Signal_CompletedWorkflow_ThrowsNotFound()
    {
        var error = await WithWorkerAsync(WorkerOptions().AddWorkflow<EchoWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("done"), Options("signal-closed"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            return await Assert.ThrowsAsync<RpcException>(() => handle.SignalAsync("anything", [], SignalRpc));
        });

        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }
}
