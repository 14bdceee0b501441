using Temporalio.Api.Batch.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Batch operations (StartBatchOperation and the calls that follow one), as Temporal's frontend and batcher worker
/// run them: the operation applied to every running match of a query or to every listed execution, the progress and
/// outcome described and listed, one running batch per namespace, a stop, and Temporal's refusals. Every test waits
/// for its batch to close: the namespace allows one running batch at a time, as Temporal's default does.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class BatchOperationTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Rpcs => Client.Connection.WorkflowService;

    private string Ns => Client.Options.Namespace;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_ByQuery_EndsEveryRunningMatch_WithTheBatchReason_AndDescribesTheCounts()
    {
        var running = await StartCollectorsAsync("batch-terminate", 3);
        var earlier = await StartCollectorsAsync("batch-terminate-closed", 1);
        await earlier[0].TerminateAsync("closed before the batch", new() { Rpc = Rpc });
        var jobId = NewWorkflowId("job-terminate");

        await Rpcs.StartBatchOperationAsync(new()
        {
            Namespace = Ns, JobId = jobId, Reason = "clear the queue", VisibilityQuery = $"TaskQueue = '{TaskQueue}'",
            TerminationOperation = new() { Identity = "operator-1" },
        }, Rpc);
        var done = await ClosedAsync(jobId);

        Assert.Equal((BatchOperationType.TerminateWorkflow, BatchOperationState.Completed), (done.OperationType, done.State));
        // The run closed before the batch is not matched: terminate acts on running executions only.
        Assert.Equal((3L, 3L, 0L), (done.TotalOperationCount, done.CompleteOperationCount, done.FailureOperationCount));
        Assert.Equal(("operator-1", "clear the queue", jobId), (done.Identity, done.Reason, done.JobId));
        Assert.True(done.CloseTime.ToDateTime() >= done.StartTime.ToDateTime());
        foreach (var handle in running)
        {
            var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events;
            Assert.Equal("clear the queue", events.Last().WorkflowExecutionTerminatedEventAttributes.Reason);
        }

        var closed = (await earlier[0].FetchHistoryAsync(HistoryRpc)).Events;
        Assert.Equal("closed before the batch", closed.Last().WorkflowExecutionTerminatedEventAttributes.Reason);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Signal_ToListedExecutions_SignalsEach_AndCountsAGoneExecutionAsDone()
    {
        var targets = await StartCollectorsAsync("batch-signal", 2);
        var input = new Temporalio.Api.Common.V1.Payloads();
        input.Payloads_.Add(DataConverter.Default.PayloadConverter.ToPayload("from the batch"));
        var request = new StartBatchOperationRequest
        {
            Namespace = Ns, JobId = NewWorkflowId("job-signal"), Reason = "nudge",
            SignalOperation = new() { Signal = "Add", Input = input, Identity = "operator-2" },
        };
        request.TargetExecutions.AddRange(targets.Select(t => new Temporalio.Api.Common.V1.Execution { Type = ExecutionType.Workflow, BusinessId = t.Id }));
        request.TargetExecutions.Add(new Temporalio.Api.Common.V1.Execution { Type = ExecutionType.Workflow, BusinessId = NewWorkflowId("never-started") });

        await Rpcs.StartBatchOperationAsync(request, Rpc);
        var done = await ClosedAsync(request.JobId);

        Assert.Equal((BatchOperationType.SignalWorkflow, BatchOperationState.Completed), (done.OperationType, done.State));
        Assert.Equal((3L, 3L, 0L), (done.TotalOperationCount, done.CompleteOperationCount, done.FailureOperationCount));
        foreach (var handle in targets)
        {
            var signaled = Assert.Single((await handle.FetchHistoryAsync(HistoryRpc)).Events, e => e.WorkflowExecutionSignaledEventAttributes is not null)
                .WorkflowExecutionSignaledEventAttributes;
            Assert.Equal(("Add", "operator-2"), (signaled.SignalName, signaled.Identity));
            Assert.Equal("from the batch", DataConverter.Default.PayloadConverter.ToValue<string>(signaled.Input.Payloads_[0]));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_ByQuery_RequestsCancellationOfTheRunningMatches()
    {
        var targets = await StartCollectorsAsync("batch-cancel", 2);
        var jobId = NewWorkflowId("job-cancel");

        await Rpcs.StartBatchOperationAsync(new()
        {
            Namespace = Ns, JobId = jobId, Reason = "stop them", VisibilityQuery = $"TaskQueue = '{TaskQueue}' AND ExecutionStatus = 'Running'",
            CancellationOperation = new() { Identity = "operator-3" },
        }, Rpc);
        var done = await ClosedAsync(jobId);

        Assert.Equal((BatchOperationType.CancelWorkflow, 2L, 2L), (done.OperationType, done.TotalOperationCount, done.CompleteOperationCount));
        foreach (var handle in targets)
        {
            Assert.Single((await handle.FetchHistoryAsync(HistoryRpc)).Events, e => e.EventType == EventType.WorkflowExecutionCancelRequested);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Delete_ByQuery_RemovesClosedRunsToo()
    {
        var targets = await StartCollectorsAsync("batch-delete", 2);
        await targets[0].TerminateAsync("closed first", new() { Rpc = Rpc });
        var jobId = NewWorkflowId("job-delete");

        await Rpcs.StartBatchOperationAsync(new()
        {
            Namespace = Ns, JobId = jobId, Reason = "purge", VisibilityQuery = $"TaskQueue = '{TaskQueue}'",
            DeletionOperation = new() { Identity = "operator-4" },
        }, Rpc);
        var done = await ClosedAsync(jobId);

        Assert.Equal((BatchOperationType.DeleteWorkflow, 2L, 2L), (done.OperationType, done.TotalOperationCount, done.CompleteOperationCount));
        await Eventually.UntilAsync(() => CountAsync($"TaskQueue = '{TaskQueue}'"), count => count == 0, "the deleted runs gone from visibility", cancellationToken: Deadline);
        foreach (var handle in targets)
        {
            var gone = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync(new() { Rpc = Rpc }));
            Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Reset_ByQuery_ToTheFirstWorkflowTask_StartsANewRunThatKeepsTheSignals()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow w) => w.RunAsync("reset"), Options("batch-reset"));
            await handle.SignalAsync(w => w.AddAsync("kept"), SignalRpc);
            await Eventually.UntilAsync(() => handle.QueryAsync(w => w.Count, QueryRpc), count => count == 1, "the signal handled", cancellationToken: Deadline);
            var firstRun = (await handle.DescribeAsync(new() { Rpc = Rpc })).RunId;
            var jobId = NewWorkflowId("job-reset");

            await Rpcs.StartBatchOperationAsync(new()
            {
                Namespace = Ns, JobId = jobId, Reason = "replay from the start", VisibilityQuery = $"WorkflowId = '{handle.Id}'",
                ResetOperation = new() { Identity = "operator-5", Options = new() { FirstWorkflowTask = new() } },
            }, Rpc);
            var done = await ClosedAsync(jobId);

            Assert.Equal((BatchOperationType.ResetWorkflow, 1L, 1L), (done.OperationType, done.TotalOperationCount, done.CompleteOperationCount));
            var old = await Client.GetWorkflowHandle(handle.Id, firstRun).DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal(WorkflowExecutionStatus.Terminated, old.Status);
            var current = Client.GetWorkflowHandle<CollectorWorkflow>(handle.Id);
            Assert.NotEqual(firstRun, (await current.DescribeAsync(new() { Rpc = Rpc })).RunId);
            await current.SignalAsync(w => w.FinishAsync(), SignalRpc);
            var result = await current.GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc);
            Assert.Equal(["reset", "kept"], result);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SecondRunningBatch_IsRefused_StopEndsTheFirst_AndItsJobIdStaysTaken()
    {
        var targets = await StartCollectorsAsync("batch-slow", 3);
        var slow = new StartBatchOperationRequest
        {
            // One operation every 5 s: the batch is still running when the calls below are made.
            Namespace = Ns, JobId = NewWorkflowId("job-slow"), Reason = "slowly", MaxOperationsPerSecond = 0.2f,
            VisibilityQuery = $"TaskQueue = '{TaskQueue}'", TerminationOperation = new() { Identity = "operator-6" },
        };
        await Rpcs.StartBatchOperationAsync(slow, Rpc);

        var second = slow.Clone();
        second.JobId = NewWorkflowId("job-second");
        var refused = await Assert.ThrowsAsync<RpcException>(() => Rpcs.StartBatchOperationAsync(second, Rpc));
        Assert.Equal((RpcException.StatusCode.ResourceExhausted, "Max concurrent batch operations is reached"), (refused.Code, refused.Message));
        var detail = refused.GrpcStatus.Value!.Details[0].Unpack<ResourceExhaustedFailure>();
        Assert.Equal((ResourceExhaustedCause.ConcurrentLimit, ResourceExhaustedScope.Namespace), (detail.Cause, detail.Scope));
        // The batch counts its targets after it starts (as Temporal's batcher does): wait for the count, not a moment.
        var running = await Eventually.UntilAsync(() => DescribeAsync(slow.JobId), d => d.TotalOperationCount > 0 || d.State != BatchOperationState.Running,
            "the slow batch to count its targets", cancellationToken: Deadline);
        Assert.Equal((BatchOperationState.Running, 3L), (running.State, running.TotalOperationCount));
        Assert.Null(running.CloseTime);

        await Rpcs.StopBatchOperationAsync(new() { Namespace = Ns, JobId = slow.JobId, Reason = "enough", Identity = "operator-6" }, Rpc);

        var stopped = await DescribeAsync(slow.JobId);
        Assert.Equal(BatchOperationState.Failed, stopped.State);
        Assert.NotNull(stopped.CloseTime);
        var stillRunning = 0;
        foreach (var handle in targets)
        {
            stillRunning += (await handle.DescribeAsync(new() { Rpc = Rpc })).Status == WorkflowExecutionStatus.Running ? 1 : 0;
        }

        Assert.True(stillRunning >= 1, "the stop ended the batch before it reached every execution");
        var again = await Assert.ThrowsAsync<RpcException>(() => Rpcs.StopBatchOperationAsync(new() { Namespace = Ns, JobId = slow.JobId, Reason = "again" }, Rpc));
        Assert.Equal((RpcException.StatusCode.NotFound, "workflow execution already completed"), (again.Code, again.Message));
        var reused = await Assert.ThrowsAsync<RpcException>(() => Rpcs.StartBatchOperationAsync(slow, Rpc));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, reused.Code);
        Assert.StartsWith($"Workflow execution already finished. WorkflowId: {slow.JobId}, RunId: ", reused.Message);

        // With the first closed, another may start.
        await Rpcs.StartBatchOperationAsync(second, Rpc);
        await ClosedAsync(second.JobId);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task List_ShowsTheNamespacesBatches_RunningFirst_ThenNewestClosed_InPages()
    {
        await StartCollectorsAsync("batch-list", 1);
        var first = NewWorkflowId("job-list-a");
        var second = NewWorkflowId("job-list-b");
        foreach (var jobId in new[] { first, second })
        {
            await Rpcs.StartBatchOperationAsync(new()
            {
                Namespace = Ns, JobId = jobId, Reason = "list me", VisibilityQuery = $"TaskQueue = '{TaskQueue}'", SignalOperation = new() { Signal = "Add" },
            }, Rpc);
            await ClosedAsync(jobId);
        }

        var page1 = await Rpcs.ListBatchOperationsAsync(new() { Namespace = Ns, PageSize = 1 }, Rpc);
        var page2 = await Rpcs.ListBatchOperationsAsync(new() { Namespace = Ns, PageSize = 1, NextPageToken = page1.NextPageToken }, Rpc);

        var newest = Assert.Single(page1.OperationInfo);
        Assert.Equal((second, BatchOperationState.Completed), (newest.JobId, newest.State));
        Assert.NotNull(newest.CloseTime);
        Assert.Equal(first, Assert.Single(page2.OperationInfo).JobId);
        var all = await Rpcs.ListBatchOperationsAsync(new() { Namespace = Ns }, Rpc);
        Assert.Contains(all.OperationInfo, b => b.JobId == first);
        Assert.Contains(all.OperationInfo, b => b.JobId == second);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("no reason", "must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)")]
    [InlineData("no target", "must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)")]
    [InlineData("no job", "JobId is not set on request.")]
    [InlineData("two targets", "visibility query, executions, and target executions are mutually exclusive")]
    [InlineData("no signal name", "must provide signal name")]
    [InlineData("bad query", "invalid visibility query: ")]
    [InlineData("no reset target", "batch reset missing target")]
    public async Task InvalidStart_IsRefusedWithTemporalsMessage(string problem, string message)
    {
        var request = new StartBatchOperationRequest
        {
            Namespace = Ns, JobId = NewWorkflowId("job-invalid"), Reason = "check", VisibilityQuery = $"TaskQueue = '{TaskQueue}'",
            TerminationOperation = new(),
        };
        switch (problem)
        {
            case "no reason": request.Reason = string.Empty; break;
            case "no target": request.VisibilityQuery = string.Empty; break;
            case "no job": request.JobId = string.Empty; break;
            case "two targets": request.TargetExecutions.Add(new Temporalio.Api.Common.V1.Execution { Type = ExecutionType.Workflow, BusinessId = "x" }); break;
            case "no signal name": request.SignalOperation = new(); break;
            case "bad query": request.VisibilityQuery = "TaskQueue = "; break;
            case "no reset target": request.ResetOperation = new() { Options = new() }; break;
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => Rpcs.StartBatchOperationAsync(request, Rpc));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
        Assert.StartsWith(message, refused.Message);
        var listed = await Rpcs.ListBatchOperationsAsync(new() { Namespace = Ns }, Rpc);
        Assert.DoesNotContain(listed.OperationInfo, b => b.JobId == request.JobId);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeAndStop_OfAnUnknownJob_AreNotFound_AndNeedTheirFields()
    {
        var unknown = NewWorkflowId("job-unknown");

        var described = await Assert.ThrowsAsync<RpcException>(() => Rpcs.DescribeBatchOperationAsync(new() { Namespace = Ns, JobId = unknown }, Rpc));
        var stopped = await Assert.ThrowsAsync<RpcException>(() => Rpcs.StopBatchOperationAsync(new() { Namespace = Ns, JobId = unknown, Reason = "x" }, Rpc));
        var noJob = await Assert.ThrowsAsync<RpcException>(() => Rpcs.DescribeBatchOperationAsync(new() { Namespace = Ns }, Rpc));
        var noReason = await Assert.ThrowsAsync<RpcException>(() => Rpcs.StopBatchOperationAsync(new() { Namespace = Ns, JobId = unknown }, Rpc));

        Assert.Equal((RpcException.StatusCode.NotFound, RpcException.StatusCode.NotFound), (described.Code, stopped.Code));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "JobId is not set on request."), (noJob.Code, noJob.Message));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "Reason is not set on request."), (noReason.Code, noReason.Message));
    }

    private async Task<List<WorkflowHandle<CollectorWorkflow>>> StartCollectorsAsync(string prefix, int count)
    {
        var handles = new List<WorkflowHandle<CollectorWorkflow>>();
        for (var i = 0; i < count; i++)
        {
            handles.Add(await Client.StartWorkflowAsync((CollectorWorkflow w) => w.RunAsync(prefix), Options(prefix)));
        }

        return handles;
    }

    private async Task<DescribeBatchOperationResponse> DescribeAsync(string jobId) =>
        await Rpcs.DescribeBatchOperationAsync(new() { Namespace = Ns, JobId = jobId }, Rpc);

    private Task<DescribeBatchOperationResponse> ClosedAsync(string jobId) =>
        Eventually.UntilAsync(() => DescribeAsync(jobId), d => d.State != BatchOperationState.Running, $"batch {jobId} closed", cancellationToken: Deadline);
}
