using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Sticky task queues as Temporal runs them: a worker that has a run cached gets its next tasks on its
/// own queue with only the new events; nobody taking such a task in time, ResetStickyTaskQueue or the
/// worker's shutdown send the run back to the normal queue with the full history.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class StickyQueueTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    private StickyExecutionAttributes Sticky(string name, TimeSpan scheduleToStart) => new()
    {
        WorkerTaskQueue = new TaskQueue { Name = name, Kind = TaskQueueKind.Sticky, NormalName = TaskQueue },
        ScheduleToStartTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(scheduleToStart),
    };

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RealWorker_GetsItsLaterTasksOnItsStickyQueue()
    {
        var (result, history) = await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("p"), Options("sticky"));
            await handle.SignalAsync(wf => wf.AddAsync("a"), SignalRpc);
            await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Count, QueryRpc), n => n == 1, "the first item");
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return (await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
        });

        Assert.Equal(["p", "a"], result);
        var queues = history.Events.Where(e => e.EventType == EventType.WorkflowTaskScheduled).Select(e => e.WorkflowTaskScheduledEventAttributes.TaskQueue).ToList();
        Assert.Equal(TaskQueueKind.Normal, queues[0].Kind);
        Assert.All(queues.Skip(1), q => Assert.Equal((TaskQueueKind.Sticky, TaskQueue), (q.Kind, q.NormalName)));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StickyTask_CarriesOnlyNewEvents_AndFallsBackToTheNormalQueueAfterItsScheduleToStartTimeout()
    {
        var sticky = $"{TaskQueue}-sticky";
        var handle = await Raw.StartAsync(NewWorkflowId("sticky-raw"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(first, Sticky(sticky, TimeSpan.FromSeconds(1)));
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);

        var second = await Raw.PollAsync(sticky, normalName: TaskQueue);

        Assert.Equal(first.StartedEventId, second.PreviousStartedEventId);
        Assert.Equal(second.PreviousStartedEventId + 1, second.History.Events[0].EventId);
        Assert.Equal(second.StartedEventId, second.History.Events[^1].EventId);

        // The cached worker goes quiet: its next task waits one second on the sticky queue, then comes
        // to the normal queue with the whole history.
        await Raw.CompleteAsync(second, Sticky(sticky, TimeSpan.FromSeconds(1)));
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);
        var fallback = await Raw.PollAsync(TaskQueue);

        Assert.Equal(1L, fallback.History.Events[0].EventId);
        var timedOut = fallback.History.Events.Single(e => e.EventType == EventType.WorkflowTaskTimedOut).WorkflowTaskTimedOutEventAttributes;
        Assert.Equal(TimeoutType.ScheduleToStart, timedOut.TimeoutType);
        Assert.Equal(0, timedOut.StartedEventId);
        Assert.Equal(1, fallback.Attempt);
        await Raw.CompleteAsync(fallback, RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AQuery_GoesToTheWorkerThatHasTheRunCached_WithoutHistory_AndToTheNormalQueueIfItIsNotTakenInTime()
    {
        var sticky = $"{TaskQueue}-sticky-query";
        var handle = await Raw.StartAsync(NewWorkflowId("sticky-query"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(first, Sticky(sticky, TimeSpan.FromSeconds(1)));

        // No task outstanding: the query goes straight to the cached worker, which answers from its state.
        var answered = QueryAsync(handle.Id);
        var onSticky = await Raw.PollAsync(sticky, normalName: TaskQueue);
        Assert.Equal(("state", 0), (onSticky.Query?.QueryType, onSticky.History.Events.Count));
        await AnswerAsync(onSticky, "\"cached\"");
        Assert.Equal("\"cached\"", (await answered).QueryResult.Payloads_[0].Data.ToStringUtf8());

        // The cached worker goes quiet: after the sticky timeout the query comes to the normal queue with the
        // whole history, and the run has lost its stickiness (its next task goes there too).
        var fallenBack = QueryAsync(handle.Id);
        var onNormal = await Raw.PollAsync(TaskQueue);
        Assert.Equal(("state", 1L), (onNormal.Query?.QueryType, onNormal.History.Events[0].EventId));
        await AnswerAsync(onNormal, "\"replayed\"");
        await fallenBack;
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);
        var next = await Raw.PollAsync(TaskQueue);
        Assert.Equal(1L, next.History.Events[0].EventId);
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ShutdownWorker_EndsThePollsWaitingOnItsStickyQueue()
    {
        var sticky = $"{TaskQueue}-sticky-shutdown";
        var handle = await Raw.StartAsync(NewWorkflowId("sticky-unload"), TaskQueue);
        await Raw.CompleteAsync(await Raw.PollAsync(TaskQueue), Sticky(sticky, TimeSpan.FromMinutes(1)));
        var waiting = Raw.Service.PollWorkflowTaskQueueAsync(new()
        {
            Namespace = Client.Options.Namespace,
            TaskQueue = new TaskQueue { Name = sticky, Kind = TaskQueueKind.Sticky, NormalName = TaskQueue },
            Identity = RawWorker.Identity,
        }, new Temporalio.Client.RpcOptions { CancellationToken = Deadline, Retry = false });

        // As Temporal unloads the worker's sticky queue: its waiting poll ends instead of waiting out its 60 s.
        await Raw.ShutDownUntilEndedAsync(new() { Namespace = Client.Options.Namespace, Identity = RawWorker.Identity, StickyTaskQueue = sticky }, waiting, Deadline);

        Assert.Empty((await waiting).TaskToken);
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);
        var next = await Raw.PollAsync(TaskQueue);
        Assert.Equal(1L, next.History.Events[0].EventId);
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }

    private Task<Temporalio.Api.WorkflowService.V1.QueryWorkflowResponse> QueryAsync(string workflowId) =>
        Raw.Service.QueryWorkflowAsync(new()
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = workflowId },
            Query = new() { QueryType = "state" },
        }, Rpc);

    private Task AnswerAsync(Temporalio.Api.WorkflowService.V1.PollWorkflowTaskQueueResponse task, string json) =>
        Raw.Service.RespondQueryTaskCompletedAsync(new()
        {
            Namespace = Client.Options.Namespace,
            TaskToken = task.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new() { Payloads_ = { new Temporalio.Api.Common.V1.Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8(json) } } },
        }, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ResetStickyTaskQueue_SendsTheNextTaskToTheNormalQueue()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("sticky-reset"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(first, Sticky($"{TaskQueue}-sticky", TimeSpan.FromMinutes(1)));

        await Raw.Service.ResetStickyTaskQueueAsync(new()
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id },
        }, Rpc);
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);
        var next = await Raw.PollAsync(TaskQueue);

        Assert.Equal(1L, next.History.Events[0].EventId);
        Assert.DoesNotContain(next.History.Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WorkerShutdown_SendsItsRunsBackToTheNormalQueue_WithoutWaitingForTheStickyTimeout()
    {
        var handle = await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var started = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("p"), Options("sticky-shutdown"));
            await started.SignalAsync(wf => wf.AddAsync("a"), SignalRpc);
            await Eventually.UntilAsync(() => started.QueryAsync(wf => wf.Count, QueryRpc), n => n == 1, "the first item");
            return started;
        });

        var result = await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return await handle.GetResultAsync(rpcOptions: Rpc);
        });

        Assert.Equal(["p", "a"], result);
        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events;
        Assert.DoesNotContain(events, e => e.EventType == EventType.WorkflowTaskTimedOut);
        Assert.Equal(TaskQueueKind.Normal, events.Last(e => e.EventType == EventType.WorkflowTaskScheduled).WorkflowTaskScheduledEventAttributes.TaskQueue.Kind);
    }
}
