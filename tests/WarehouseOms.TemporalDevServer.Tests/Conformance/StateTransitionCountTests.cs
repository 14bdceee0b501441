using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// StateTransitionCount counts the transactions that changed a run, as Temporal's mutable state does: one per start,
/// signal, task started and task completed, however many events each wrote. Visibility records it when the run closes.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class StateTransitionCountTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task EachTransactionCountsOnce_AndVisibilityHasItAtClose()
    {
        var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("transitions"));
        Assert.Equal(1, await CountOfAsync(handle.Id));

        await handle.SignalAsync(wf => wf.AddAsync("a"), SignalRpc);
        await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
        Assert.Equal(3, await CountOfAsync(handle.Id));
        Assert.Equal(0, await CountAsync($"WorkflowId = '{handle.Id}' AND StateTransitionCount > 0"));

        // One task sees both signals: its start is one transaction, its completion (the run's close) another.
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), () => handle.GetResultAsync(rpcOptions: Rpc));
        Assert.Equal(5, await CountOfAsync(handle.Id));

        Assert.Equal(1, await CountAsync($"WorkflowId = '{handle.Id}' AND StateTransitionCount = 5"));
        Assert.Equal(0, await CountAsync($"WorkflowId = '{handle.Id}' AND StateTransitionCount > 5"));
        var listed = await Client.Connection.WorkflowService.ListWorkflowExecutionsAsync(
            new ListWorkflowExecutionsRequest { Namespace = Client.Options.Namespace, Query = $"WorkflowId = '{handle.Id}'" }, Rpc);
        Assert.Equal(5, Assert.Single(listed.Executions).StateTransitionCount);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AOneActivityWorkflow_CountsSix_WithTheActivityStartedEagerly()
    {
        // Start; first task started; its completion, which starts the activity eagerly in the same transaction;
        // the activity's completion; second task started; its completion, which closes the run.
        var result = await WithWorkerAsync(WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("count"), Options("transitions-activity"));
            return (Greeting: await handle.GetResultAsync(rpcOptions: Rpc), Transitions: await CountOfAsync(handle.Id));
        });

        Assert.Equal(("Hello, count!", 6L), result);
    }

    private async Task<long> CountOfAsync(string workflowId)
    {
        var described = await Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = workflowId },
        }, Rpc);
        return described.WorkflowExecutionInfo.StateTransitionCount;
    }
}
