using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// ShutdownWorker with <c>frontend.enableCancelWorkerPollsOnShutdown=true</c> (the SDK's own test environment
/// sets it): the shutting-down worker's waiting polls end, named by its worker instance key, so no task is
/// handed to a worker that is going away; other workers' polls on the queue go on.
/// </summary>
[Collection(CancelPollsOnShutdownCollection.Name)]
public sealed class WorkerShutdownTests(CancelPollsOnShutdownEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_namespace_says_polls_complete_on_shutdown()
    {
        // As Temporal's createNamespaceResponse: the capability follows frontend.enableCancelWorkerPollsOnShutdown.
        var described = await Client.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);

        Assert.True(described.NamespaceInfo.Capabilities.WorkerPollCompleteOnShutdown);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ShutdownWorker_ends_that_workers_polls_and_the_next_task_goes_to_another_worker()
    {
        using var polls = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        var staying = PollAsync("worker-staying", polls.Token);
        var leaving = PollAsync("worker-leaving", polls.Token);

        // Once its poll waits, the shutdown ends it at once (without the cancellation it would wait out its 60 s).
        var shutdown = new ShutdownWorkerRequest
        {
            Namespace = Client.Options.Namespace,
            Identity = RawWorker.Identity,
            TaskQueue = TaskQueue,
            WorkerInstanceKey = "worker-leaving",
            StickyTaskQueue = $"{TaskQueue}-sticky-leaving",
        };
        await Raw.ShutDownUntilEndedAsync(shutdown, leaving, Deadline);

        Assert.Empty((await leaving).TaskToken);
        Assert.False(staying.IsCompleted);
        var handle = await Raw.StartAsync(NewWorkflowId("shutdown-polls"), TaskQueue);
        var task = await staying;
        Assert.Equal(handle.Id, task.WorkflowExecution.WorkflowId);
        await Raw.CompleteAsync(task, RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ShutdownWorker_naming_the_nexus_type_ends_that_workers_nexus_polls()
    {
        using var polls = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        Task<PollNexusTaskQueueResponse> NexusPoll(string key) => Raw.Service.PollNexusTaskQueueAsync(
            new() { Namespace = Client.Options.Namespace, TaskQueue = new TaskQueue { Name = TaskQueue, Kind = TaskQueueKind.Normal }, Identity = RawWorker.Identity, WorkerInstanceKey = key },
            new RpcOptions { CancellationToken = polls.Token, Retry = false });
        var staying = NexusPoll("nexus-staying");
        var leaving = NexusPoll("nexus-leaving");

        var shutdown = new ShutdownWorkerRequest
        {
            Namespace = Client.Options.Namespace,
            Identity = RawWorker.Identity,
            TaskQueue = TaskQueue,
            WorkerInstanceKey = "nexus-leaving",
            TaskQueueTypes = { TaskQueueType.Workflow, TaskQueueType.Activity, TaskQueueType.Nexus },
        };
        await Raw.ShutDownUntilEndedAsync(shutdown, leaving, Deadline);

        Assert.Empty((await leaving).TaskToken);
        Assert.False(staying.IsCompleted);
        await polls.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => staying);
    }

    private Task<PollWorkflowTaskQueueResponse> PollAsync(string workerInstanceKey, CancellationToken cancel) =>
        Raw.Service.PollWorkflowTaskQueueAsync(
            new()
            {
                Namespace = Client.Options.Namespace,
                TaskQueue = new TaskQueue { Name = TaskQueue, Kind = TaskQueueKind.Normal },
                Identity = RawWorker.Identity,
                WorkerInstanceKey = workerInstanceKey,
            },
            new RpcOptions { CancellationToken = cancel, Retry = false });
}
