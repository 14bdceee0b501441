using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// What a workflow task completion hands straight back to its worker, as Temporal does (ADR 0035): the
/// activities it asked to run eagerly (request_eager_execution, on unless the dynamic config turns it off)
/// and, when it asks for it (return_new_workflow_task), the next workflow task it made necessary.
/// </summary>
[Collection(ActivitiesCollection.Name)]
public sealed class EagerDispatchTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    private StickyExecutionAttributes Sticky() => new()
    {
        WorkerTaskQueue = new TaskQueue { Name = $"{TaskQueue}-sticky", Kind = TaskQueueKind.Sticky, NormalName = TaskQueue },
        ScheduleToStartTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
    };

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnActivityAskedForEagerly_IsStartedAndReturnedWithTheCompletion()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("eager-activity"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);

        var completed = await Raw.CompleteAsync(first, RawWorker.ScheduleActivity("a1", TaskQueue, eager: true));

        var task = Assert.Single(completed.ActivityTasks);
        Assert.Equal(("a1", 1, handle.Id), (task.ActivityId, task.Attempt, task.WorkflowExecution.WorkflowId));
        Assert.NotNull(task.StartedTime);
        await Raw.CompleteActivityAsync(task.TaskToken);

        var second = await Raw.PollAsync(TaskQueue);
        var events = second.History.Events;
        var started = events.Single(e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes;
        Assert.Equal((RawWorker.Identity, 1), (started.Identity, started.Attempt));
        Assert.Contains(events, e => e.EventType == EventType.ActivityTaskCompleted);
        await Raw.CompleteAsync(second, RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnActivityNotAskedForEagerly_GoesToItsTaskQueue()
    {
        await Raw.StartAsync(NewWorkflowId("queued-activity"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);

        var completed = await Raw.CompleteAsync(first, RawWorker.ScheduleActivity("a1", TaskQueue, eager: false));

        Assert.Empty(completed.ActivityTasks);
        var polled = await Raw.PollActivityAsync(TaskQueue);
        Assert.Equal("a1", polled.ActivityId);
        await Raw.CompleteActivityAsync(polled.TaskToken);
        await Raw.CompleteAsync(await Raw.PollAsync(TaskQueue), RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnEagerActivityOfAWorkflowTheSameCompletionCloses_IsNotReturned()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("eager-closed"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);

        var completed = await Raw.CompleteAsync(first, RawWorker.ScheduleActivity("a1", TaskQueue, eager: true), RawWorker.CompleteWorkflow());

        Assert.Empty(completed.ActivityTasks);
        var history = await handle.FetchHistoryAsync(HistoryRpc);
        Assert.Equal(EventType.WorkflowExecutionCompleted, history.Events.Last().EventType);
        Assert.DoesNotContain(history.Events, e => e.EventType == EventType.ActivityTaskStarted);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ACompletionAskingForItsNextTask_GetsItStartedWithOnlyTheNewEvents()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("inline-task"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);

        // A local activity's heartbeat: the worker forces a new task and wants it back at once.
        var completed = await Raw.CompleteReturningNextAsync(first, Sticky(), forceNewTask: true);

        var next = completed.WorkflowTask;
        Assert.NotNull(next);
        Assert.NotEmpty(next.TaskToken);
        Assert.Equal(first.StartedEventId, next.PreviousStartedEventId);
        Assert.Equal(
            [EventType.WorkflowTaskCompleted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted],
            next.History.Events.Select(e => e.EventType));
        var scheduled = next.History.Events[1].WorkflowTaskScheduledEventAttributes;
        Assert.Equal((TaskQueueKind.Sticky, TaskQueue), (scheduled.TaskQueue.Kind, scheduled.TaskQueue.NormalName));
        Assert.Equal(RawWorker.Identity, next.History.Events[2].WorkflowTaskStartedEventAttributes.Identity);

        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
        var history = await handle.FetchHistoryAsync(HistoryRpc);
        Assert.Equal(EventType.WorkflowExecutionCompleted, history.Events.Last().EventType);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ASignalThatArrivesDuringATask_ComesBackInTheNextTaskReturnedWithTheCompletion()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("inline-signal"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);

        var completed = await Raw.CompleteReturningNextAsync(first, Sticky(), forceNewTask: false);

        var next = completed.WorkflowTask;
        Assert.NotNull(next);
        Assert.Contains(next.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ACompletionWithoutAStickyQueue_DoesNotGetItsNextTask_ItGoesToTheQueue()
    {
        await Raw.StartAsync(NewWorkflowId("no-inline"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);

        // Without a sticky queue the worker has nothing cached: a partial history would be useless to it.
        var completed = await Raw.CompleteReturningNextAsync(first, sticky: null, forceNewTask: true);

        Assert.Null(completed.WorkflowTask);
        var next = await Raw.PollAsync(TaskQueue);
        Assert.Equal(1L, next.History.Events[0].EventId);
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }
}

/// <summary><c>system.enableActivityEagerExecution=false</c>: every activity goes through its task queue.</summary>
[Collection(NoEagerActivitiesCollection.Name)]
public sealed class EagerActivitiesOffTests(NoEagerActivitiesEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnActivityAskedForEagerly_GoesToItsTaskQueue()
    {
        await Raw.StartAsync(NewWorkflowId("eager-off"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);

        var completed = await Raw.CompleteAsync(first, RawWorker.ScheduleActivity("a1", TaskQueue, eager: true));

        Assert.Empty(completed.ActivityTasks);
        var polled = await Raw.PollActivityAsync(TaskQueue);
        Assert.Equal("a1", polled.ActivityId);
        await Raw.CompleteActivityAsync(polled.TaskToken);
        await Raw.CompleteAsync(await Raw.PollAsync(TaskQueue), RawWorker.CompleteWorkflow());
    }
}
