using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// The operator-facing RPCs: history pages (forwards and backwards), deleting a run, task queue pollers,
/// cancelling an activity by ID, and the worker deployment RPCs when no deployment exists.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class OperationsRpcTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task History_comes_in_pages_of_the_maximum_page_size_forwards_and_backwards()
    {
        var handle = await WithWorkerAsync(WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), async () =>
        {
            var h = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("pages"), Options("pages"));
            await h.GetResultAsync(rpcOptions: Rpc);
            return h;
        });
        var all = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Select(e => e.EventId).ToList();
        Assert.True(all.Count > 4);

        var forward = new List<long>();
        var request = new GetWorkflowExecutionHistoryRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), MaximumPageSize = 3 };
        var pages = 0;
        do
        {
            var page = await Service.GetWorkflowExecutionHistoryAsync(request, Rpc);
            Assert.InRange(page.History.Events.Count, 1, 3);
            forward.AddRange(page.History.Events.Select(e => e.EventId));
            request.NextPageToken = page.NextPageToken;
            pages++;
        }
        while (!request.NextPageToken.IsEmpty);

        Assert.Equal(all, forward);
        Assert.Equal((all.Count + 2) / 3, pages);

        var backward = new List<long>();
        var reverse = new GetWorkflowExecutionHistoryReverseRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), MaximumPageSize = 2 };
        do
        {
            var page = await Service.GetWorkflowExecutionHistoryReverseAsync(reverse, Rpc);
            Assert.InRange(page.History.Events.Count, 1, 2);
            backward.AddRange(page.History.Events.Select(e => e.EventId));
            reverse.NextPageToken = page.NextPageToken;
        }
        while (!reverse.NextPageToken.IsEmpty);

        Assert.Equal(all.AsEnumerable().Reverse(), backward);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task History_pages_hold_at_most_256_events_without_a_page_size_or_with_a_larger_one_both_ways(int pageSize)
    {
        // No worker: the run stays at its first task, and each signal adds one event.
        var handle = await Client.StartWorkflowAsync("NoWorkerForThisType", [], Options("page-cap"));
        for (var i = 0; i < 300; i++)
        {
            await handle.SignalAsync("tick", [], new() { Rpc = Rpc });
        }

        var forward = await Service.GetWorkflowExecutionHistoryAsync(
            new() { Namespace = Client.Options.Namespace, Execution = Ref(handle), MaximumPageSize = pageSize }, Rpc);
        var reverse = await Service.GetWorkflowExecutionHistoryReverseAsync(
            new() { Namespace = Client.Options.Namespace, Execution = Ref(handle), MaximumPageSize = pageSize }, Rpc);

        // As Temporal's frontend (limit.historyMaxPageSize, 256): a full page and the token of the next.
        Assert.Equal((256, 1L, false), (forward.History.Events.Count, forward.History.Events[0].EventId, forward.NextPageToken.IsEmpty));
        Assert.Equal((256, 302L, false), (reverse.History.Events.Count, reverse.History.Events[0].EventId, reverse.NextPageToken.IsEmpty));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Deleting_a_workflow_removes_it_running_or_closed()
    {
        var running = await Client.StartWorkflowAsync((KeywordUpsertWorkflow wf) => wf.RunAsync("CustomKeywordField", "x"), Options("delete-open"));
        var closed = await Client.StartWorkflowAsync((KeywordUpsertWorkflow wf) => wf.RunAsync("CustomKeywordField", "x"), Options("delete-closed"));
        await closed.TerminateAsync("closed first", new() { Rpc = Rpc });

        foreach (var handle in new[] { running, closed })
        {
            await Service.DeleteWorkflowExecutionAsync(new() { Namespace = Client.Options.Namespace, WorkflowExecution = Ref(handle) }, Rpc);
            var gone = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync(new() { Rpc = Rpc }));
            Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
            Assert.Equal(0, (await Client.CountWorkflowsAsync($"WorkflowId = '{handle.Id}'", new() { Rpc = Rpc })).Count);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeTaskQueue_lists_the_pollers_with_their_last_access_time()
    {
        var before = DateTime.UtcNow.AddMinutes(-1);
        var options = WorkerOptions().AddWorkflow<EchoWorkflow>();
        options.Identity = "poller-" + Guid.NewGuid().ToString("N")[..8];
        await WithWorkerAsync(options, async () =>
        {
            var request = new DescribeTaskQueueRequest
            {
                Namespace = Client.Options.Namespace,
                TaskQueue = new() { Name = TaskQueue },
                TaskQueueType = TaskQueueType.Workflow,
            };
            var described = await Eventually.UntilAsync(
                () => Service.DescribeTaskQueueAsync(request, Rpc),
                r => r.Pollers.Any(p => p.Identity == options.Identity),
                "the worker to show up as a poller",
                cancellationToken: Deadline);
            Assert.True(described.Pollers.Single(p => p.Identity == options.Identity).LastAccessTime.ToDateTime() > before);

            var unknown = await Service.DescribeTaskQueueAsync(new() { Namespace = Client.Options.Namespace, TaskQueue = new() { Name = "nobody-" + TaskQueue } }, Rpc);
            Assert.Empty(unknown.Pollers);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_activity_is_cancelled_by_id_only_after_the_workflow_asked_for_it()
    {
        var options = Options("cancel-by-id");
        var (early, result, history) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<AsyncCancellableActivityWorkflow>().AddActivity(TestActivities.CompleteAsynchronously),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((AsyncCancellableActivityWorkflow wf) => wf.RunAsync(), options);
                await Eventually.UntilAsync(
                    () => ActivityJournal.For(options.Id!).Any(e => e.StartsWith("token:", StringComparison.Ordinal)),
                    "the activity to start", cancellationToken: Deadline);
                var scheduled = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Single(e => e.EventType == EventType.ActivityTaskScheduled);
                var activity = Client.GetAsyncActivityHandle(handle.Id, handle.ResultRunId!, scheduled.ActivityTaskScheduledEventAttributes.ActivityId);
                var early = await Assert.ThrowsAsync<RpcException>(() => activity.ReportCancellationAsync(new() { Rpc = Rpc }));

                await handle.SignalAsync(wf => wf.CancelActivityAsync(), SignalRpc);
                await Eventually.UntilAsync(
                    () => handle.FetchHistoryAsync(HistoryRpc),
                    h => h.Events.Any(e => e.EventType == EventType.ActivityTaskCancelRequested),
                    "the workflow to request the activity's cancellation",
                    cancellationToken: Deadline);
                await activity.ReportCancellationAsync(new() { Rpc = Rpc });
                return (early, await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
            });

        Assert.Equal(RpcException.StatusCode.InvalidArgument, early.Code);
        Assert.Equal("activity canceled", result);
        Assert.Contains(history.Events, e => e.EventType == EventType.ActivityTaskCanceled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Worker_deployment_rpcs_answer_as_temporal_does_with_no_deployment()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => Service.DescribeWorkerDeploymentAsync(
            new() { Namespace = Client.Options.Namespace, DeploymentName = "orders" }, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);
        Assert.Equal("no Worker Deployment found with name 'orders'; does your Worker Deployment have pollers?", missing.Message);
        var listed = await Service.ListWorkerDeploymentsAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
        Assert.Empty(listed.WorkerDeployments);
    }

    private static Temporalio.Api.Common.V1.WorkflowExecution Ref(WorkflowHandle handle) => new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? string.Empty };
}
