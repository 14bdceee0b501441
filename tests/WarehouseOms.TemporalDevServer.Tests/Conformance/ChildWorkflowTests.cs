using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: child workflows with their IDs, cancellation and termination of children with the parent.</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class ChildWorkflowTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private TemporalWorkerOptions FamilyWorker() => WorkerOptions()
        .AddWorkflow<ParentWorkflow>()
        .AddWorkflow<ChildWorkflow>()
        .AddWorkflow<BlockedChildWorkflow>()
        .AddWorkflow<ChildConflictWorkflow>()
        .AddWorkflow<ParentOfFailingChildWorkflow>()
        .AddWorkflow<FailingWorkflow>();

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildWorkflow_GivenId_RunsUnderThatIdAndKnowsItsParent()
    {
        var parent = Options("parent");
        var childId = parent.Id + "-child";
        var (result, child, history) = await WithWorkerAsync(FamilyWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync(new ChildRequest(childId, Blocked: false)), parent);
            var result = await handle.GetResultAsync(rpcOptions: Rpc);
            return (result, await Client.GetWorkflowHandle(childId).DescribeAsync(new() { Rpc = Rpc }), await handle.FetchHistoryAsync(HistoryRpc));
        });

        var initiated = Assert.Single(history.Events, e => e.EventType == EventType.StartChildWorkflowExecutionInitiated);
        var started = Assert.Single(history.Events, e => e.EventType == EventType.ChildWorkflowExecutionStarted);
        var completed = Assert.Single(history.Events, e => e.EventType == EventType.ChildWorkflowExecutionCompleted);
        Assert.Equal(childId, initiated.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowId);
        Assert.Equal(initiated.EventId, started.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId);
        Assert.Equal(initiated.EventId, completed.ChildWorkflowExecutionCompletedEventAttributes.InitiatedEventId);
        Assert.Equal(started.EventId, completed.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId);
        Assert.Equal(child.RunId, completed.ChildWorkflowExecutionCompletedEventAttributes.WorkflowExecution.RunId);

        Assert.Equal($"child result from {childId} (parent {parent.Id})", result);
        Assert.Equal(WorkflowExecutionStatus.Completed, child.Status);
        Assert.Equal(parent.Id, child.ParentId);
        Assert.Equal(nameof(ChildWorkflow), child.WorkflowType);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildWorkflow_ParentCancelled_ChildCancelledToo()
    {
        var parent = Options("parent-cancel");
        var childId = parent.Id + "-child";
        var (parentError, childStatus) = await WithWorkerAsync(FamilyWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync(new ChildRequest(childId, Blocked: true)), parent);
            var child = Client.GetWorkflowHandle(childId);
            await Eventually.UntilAsync(() => StatusOrNullAsync(child), s => s == WorkflowExecutionStatus.Running, "the child to start");
            await handle.CancelAsync(new() { Rpc = Rpc });
            var parentError = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            var childStatus = await Eventually.UntilAsync(
                () => StatusOrNullAsync(child), s => s != WorkflowExecutionStatus.Running, "the child to close");
            return (parentError, childStatus);
        });

        Assert.IsType<CanceledFailureException>(parentError.InnerException);
        Assert.Equal(WorkflowExecutionStatus.Canceled, childStatus);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildWorkflow_ParentTerminated_ChildTerminatedByParentClosePolicy()
    {
        var parent = Options("parent-terminate");
        var childId = parent.Id + "-child";
        var childStatus = await WithWorkerAsync(FamilyWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync(new ChildRequest(childId, Blocked: true)), parent);
            var child = Client.GetWorkflowHandle(childId);
            await Eventually.UntilAsync(() => StatusOrNullAsync(child), s => s == WorkflowExecutionStatus.Running, "the child to start");
            await handle.TerminateAsync("test ends the parent", new() { Rpc = Rpc });
            return await Eventually.UntilAsync(
                () => StatusOrNullAsync(child), s => s != WorkflowExecutionStatus.Running, "the child to close");
        });

        Assert.Equal(WorkflowExecutionStatus.Terminated, childStatus);
        var terminated = (await Client.GetWorkflowHandle(childId).FetchHistoryAsync(HistoryRpc)).Events.Last().WorkflowExecutionTerminatedEventAttributes;
        Assert.Equal("by parent close policy", terminated.Reason);
        Assert.Equal("history-service", terminated.Identity);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildWorkflow_IdAlreadyRunning_StartFailsWithWorkflowAlreadyStarted()
    {
        var existing = Options("existing");
        var result = await WithWorkerAsync(FamilyWorker(), async () =>
        {
            var blocker = await Client.StartWorkflowAsync((BlockedChildWorkflow wf) => wf.RunAsync(), existing);
            var result = await Client.ExecuteWorkflowAsync(
                (ChildConflictWorkflow wf) => wf.RunAsync(existing.Id!), Options("child-conflict"));
            await blocker.TerminateAsync("test cleanup", new() { Rpc = Rpc });
            return result;
        });

        Assert.Equal($"already started: {existing.Id}", result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildWorkflow_Fails_ParentSeesChildFailureWithCause()
    {
        var parent = Options("parent-of-failing");
        var childId = parent.Id + "-child";
        var result = await WithWorkerAsync(FamilyWorker(), () =>
            Client.ExecuteWorkflowAsync((ParentOfFailingChildWorkflow wf) => wf.RunAsync(childId), parent));

        Assert.Equal($"{childId}: OrderRejected: order rejected: child broke", result);
    }

    private async Task<WorkflowExecutionStatus?> StatusOrNullAsync(WorkflowHandle handle)
    {
        try
        {
            return (await handle.DescribeAsync(new() { Rpc = Rpc })).Status;
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return null;
        }
    }
}
