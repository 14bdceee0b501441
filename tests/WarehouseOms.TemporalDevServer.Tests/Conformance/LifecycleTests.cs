using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: cancel, terminate, describe, fetch history, workflow failure and execution timeout.</summary>
[Collection(ClientCollection.Name)]
public sealed class LifecycleTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private TemporalWorkerOptions Worker() => WorkerOptions()
        .AddWorkflow<BlockingWorkflow>()
        .AddWorkflow<FailingWorkflow>()
        .AddWorkflow<GreetingWorkflow>()
        .AddWorkflow<FlakyWorkflow>()
        .AddActivity(TestActivities.Greet);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_RunningWorkflow_ClosesAsCanceled()
    {
        var (error, description) = await WithWorkerAsync(Worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("cancel"));
            await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Stage, QueryRpc), s => s == "waiting", "the workflow to run");
            await handle.CancelAsync(new() { Rpc = Rpc });
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            return (error, await handle.DescribeAsync(new() { Rpc = Rpc }));
        });

        Assert.IsType<CanceledFailureException>(error.InnerException);
        Assert.Equal(WorkflowExecutionStatus.Canceled, description.Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_CompletedWorkflow_IsAcceptedAsNoOp()
    {
        await WithWorkerAsync(Worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("x"), Options("cancel-closed"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            await handle.CancelAsync(new() { Rpc = Rpc });
            Assert.Equal(WorkflowExecutionStatus.Completed, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_RunningWorkflow_ClosesAsTerminatedWithReason()
    {
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("terminate"));
        await handle.TerminateAsync("operator stopped it", new() { Rpc = Rpc });

        var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
        var terminated = Assert.IsType<TerminatedFailureException>(error.InnerException);
        Assert.Equal("operator stopped it", terminated.Message);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_ClosedWorkflow_ThrowsNotFound()
    {
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("terminate-twice"));
        await handle.TerminateAsync("first", new() { Rpc = Rpc });

        var error = await Assert.ThrowsAsync<RpcException>(() => handle.TerminateAsync("second", new() { Rpc = Rpc }));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_RunningThenCompleted_ReportsStatusTypeQueueAndTimes()
    {
        var before = DateTime.UtcNow.AddSeconds(-5);
        var (running, completed) = await WithWorkerAsync(Worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("describe"));
            var running = await handle.DescribeAsync(new() { Rpc = Rpc });
            await handle.SignalAsync(wf => wf.ReleaseAsync("done"), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
            return (running, await handle.DescribeAsync(new() { Rpc = Rpc }));
        });

        Assert.Equal(WorkflowExecutionStatus.Running, running.Status);
        Assert.Equal(nameof(BlockingWorkflow), running.WorkflowType);
        Assert.Equal(TaskQueue, running.TaskQueue);
        Assert.InRange(running.StartTime, before, DateTime.UtcNow.AddSeconds(5));
        Assert.Null(running.CloseTime);

        Assert.Equal(WorkflowExecutionStatus.Completed, completed.Status);
        Assert.Equal(running.RunId, completed.RunId);
        Assert.Equal(running.StartTime, completed.StartTime);
        Assert.NotNull(completed.CloseTime);
        Assert.True(completed.CloseTime >= completed.StartTime);
        Assert.True(completed.HistoryLength > running.HistoryLength);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_StartedWithMemo_ReturnsMemo()
    {
        var options = Options("memo");
        options.Memo = new Dictionary<string, object> { ["orderId"] = "ORD-42", ["lines"] = 3 };
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);

        var description = await handle.DescribeAsync(new() { Rpc = Rpc });
        await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });

        Assert.Equal("ORD-42", await description.Memo["orderId"].ToValueAsync<string>());
        Assert.Equal(3, await description.Memo["lines"].ToValueAsync<int>());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_UnknownWorkflow_ThrowsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => Client.GetWorkflowHandle(NewWorkflowId("never-started")).DescribeAsync(new() { Rpc = Rpc }));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task FetchHistory_CompletedWorkflow_ContiguousAndReplaysDeterministically()
    {
        var history = await WithWorkerAsync(Worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("replay"), Options("history"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            return await handle.FetchHistoryAsync(HistoryRpc);
        });

        Assert.Equal(Enumerable.Range(1, history.Events.Count).Select(i => (long)i), history.Events.Select(e => e.EventId));
        Assert.Equal(EventType.WorkflowExecutionStarted, history.Events.First().EventType);
        Assert.Equal(EventType.WorkflowExecutionCompleted, history.Events.Last().EventType);
        Assert.All(history.Events, e => Assert.NotNull(e.EventTime));

        // The SDK's replayer is the strictest reader of a history: it fails on any event it did not expect.
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<GreetingWorkflow>());
        var replay = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(replay.ReplayFailure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Workflow_ThrowsApplicationFailure_ClientSeesTypeMessageAndDetails()
    {
        var (error, status) = await WithWorkerAsync(Worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((FailingWorkflow wf) => wf.RunAsync("out of stock"), Options("fail"));
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            return (error, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
        });

        var failure = Assert.IsType<ApplicationFailureException>(error.InnerException);
        Assert.Equal("OrderRejected", failure.ErrorType);
        Assert.Equal("order rejected: out of stock", failure.Message);
        Assert.Equal("out of stock", failure.Details.ElementAt<string>(0));
        Assert.Equal(WorkflowExecutionStatus.Failed, status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Workflow_ExecutionTimeoutElapses_TimesOut()
    {
        var (error, status) = await WithWorkerAsync(Worker(), async () =>
        {
            var options = Options("execution-timeout");
            options.ExecutionTimeout = TimeSpan.FromSeconds(2);
            var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            return (error, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
        });

        Assert.IsType<TimeoutFailureException>(error.InnerException);
        Assert.Equal(WorkflowExecutionStatus.TimedOut, status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Workflow_RetryPolicy_FailedFirstRunRetriedAndClientFollowsToResult()
    {
        var options = Options("workflow-retry");
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 3 };
        var (result, first) = await WithWorkerAsync(Worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((FlakyWorkflow wf) => wf.RunAsync(), options);
            var result = await handle.GetResultAsync(rpcOptions: Rpc);
            return (result, await Client.GetWorkflowHandle(options.Id!, runId: handle.ResultRunId).DescribeAsync(new() { Rpc = Rpc }));
        });

        Assert.Equal("succeeded on attempt 2", result);
        Assert.Equal(WorkflowExecutionStatus.Failed, first.Status);
    }
}
