using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: ID conflict policy, ID reuse policy, start request-ID idempotency, WorkflowAlreadyStarted.</summary>
[Collection(ClientCollection.Name)]
public sealed class WorkflowIdPolicyTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private TemporalWorkerOptions Worker() =>
        WorkerOptions().AddWorkflow<BlockingWorkflow>().AddWorkflow<FailingWorkflow>().AddWorkflow<EchoWorkflow>();

    // No worker needed: the workflow stays running with its first task unclaimed.
    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdWhileRunning_ConflictFail_ThrowsWorkflowAlreadyStarted()
    {
        var options = Options("conflict-fail");
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);

        var error = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(
            () => Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Fresh(options, WorkflowIdConflictPolicy.Fail)));

        Assert.Equal(options.Id, error.WorkflowId);
        Assert.Equal(first.ResultRunId, error.RunId);
        await first.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdWhileRunning_DefaultConflictPolicy_ThrowsWorkflowAlreadyStarted()
    {
        var options = Options("conflict-default");
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);

        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(
            () => Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Fresh(options)));
        await first.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdWhileRunning_ConflictUseExisting_ReturnsTheRunningRun()
    {
        var options = Options("conflict-use-existing");
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);

        var second = await Client.StartWorkflowAsync(
            (BlockingWorkflow wf) => wf.RunAsync(), Fresh(options, WorkflowIdConflictPolicy.UseExisting));

        Assert.Equal(first.ResultRunId, second.ResultRunId);
        await first.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdWhileRunning_ConflictTerminateExisting_ReplacesTheRun()
    {
        var options = Options("conflict-terminate");
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);

        var second = await Client.StartWorkflowAsync(
            (BlockingWorkflow wf) => wf.RunAsync(), Fresh(options, WorkflowIdConflictPolicy.TerminateExisting));

        Assert.NotEqual(first.ResultRunId, second.ResultRunId);
        var old = await Client.GetWorkflowHandle(options.Id!, runId: first.ResultRunId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal(WorkflowExecutionStatus.Terminated, old.Status);
        await second.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWorkflowExecution_SameRequestIdTwice_ReturnsTheSameRunWithoutError()
    {
        // The SDK sets a fresh request ID per call and retries with the same one; the raw service
        // call is the way to send a retried start on purpose.
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = NewWorkflowId("request-id"),
            WorkflowType = new WorkflowType { Name = nameof(BlockingWorkflow) },
            TaskQueue = new TaskQueue { Name = TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            Identity = "conformance-test",
            WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.Fail,
        };
        var service = Client.Connection.WorkflowService;

        var first = await service.StartWorkflowExecutionAsync(request, Rpc);
        var retried = await service.StartWorkflowExecutionAsync(request.Clone(), Rpc);

        Assert.Equal(first.RunId, retried.RunId);
        var handle = Client.GetWorkflowHandle(request.WorkflowId, runId: first.RunId);
        var history = await handle.FetchHistoryAsync(HistoryRpc);
        Assert.Single(history.Events, e => e.EventType == EventType.WorkflowExecutionStarted);
        await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_AfterCompletion_ReuseAllowDuplicate_StartsNewRun()
    {
        var (firstRun, secondRun) = await WithWorkerAsync(Worker(), async () =>
        {
            var options = Options("reuse-allow");
            var first = await Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("one"), options);
            await first.GetResultAsync(rpcOptions: Rpc);
            var again = Fresh(options);
            again.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate;
            var second = await Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("two"), again);
            Assert.Equal("two", await second.GetResultAsync(rpcOptions: Rpc));
            return (first.ResultRunId, second.ResultRunId);
        });

        Assert.NotEqual(firstRun, secondRun);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_AfterCompletion_ReuseRejectDuplicate_ThrowsWorkflowAlreadyStarted()
    {
        await WithWorkerAsync(Worker(), async () =>
        {
            var options = Options("reuse-reject");
            var first = await Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("one"), options);
            await first.GetResultAsync(rpcOptions: Rpc);
            var again = Fresh(options);
            again.IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate;
            var error = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(
                () => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("two"), again));
            Assert.Equal(options.Id, error.WorkflowId);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_AfterSuccess_ReuseAllowDuplicateFailedOnly_ThrowsWorkflowAlreadyStarted()
    {
        await WithWorkerAsync(Worker(), async () =>
        {
            var options = Options("reuse-failed-only-success");
            var first = await Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("one"), options);
            await first.GetResultAsync(rpcOptions: Rpc);
            var again = Fresh(options);
            again.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly;
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(
                () => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("two"), again));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_AfterFailure_ReuseAllowDuplicateFailedOnly_StartsNewRun()
    {
        var result = await WithWorkerAsync(Worker(), async () =>
        {
            var options = Options("reuse-failed-only-failure");
            var first = await Client.StartWorkflowAsync((FailingWorkflow wf) => wf.RunAsync("first run"), options);
            await Assert.ThrowsAsync<WorkflowFailedException>(() => first.GetResultAsync(rpcOptions: Rpc));
            var again = Fresh(options);
            again.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly;
            var second = await Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("second run"), again);
            return await second.GetResultAsync(rpcOptions: Rpc);
        });

        Assert.Equal("second run", result);
    }

    /// <summary>Same workflow ID; the SDK gives every start call its own request ID.</summary>
    private static WorkflowOptions Fresh(WorkflowOptions original, WorkflowIdConflictPolicy? conflict = null)
    {
        var copy = (WorkflowOptions)original.Clone();
        if (conflict is { } policy)
        {
            copy.IdConflictPolicy = policy;
        }

        return copy;
    }
}
