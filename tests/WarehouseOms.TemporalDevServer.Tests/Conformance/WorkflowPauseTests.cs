using System.Text.Json;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// PauseWorkflowExecution and UnpauseWorkflowExecution (ADR 0056) through the SDK's raw workflow service, with
/// frontend.WorkflowPauseEnabled on, against what Temporal's functional tests (tests/pause_workflow_execution_test.go)
/// expect: a paused run records what arrives but gets no workflow task, its waiting activities are not offered,
/// queries and updates are refused, and the unpause schedules a task that sees everything.
/// </summary>
[Collection(WorkflowPauseCollection.Name)]
public sealed class WorkflowPauseTests(WorkflowPauseEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const string Identity = "operator-7";
    private const string Reason = "stock count in progress";

    private WorkflowService Service => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_signal_sent_while_paused_is_recorded_but_handled_only_after_the_unpause()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("pause-signal"));
            await FirstTaskCompletedAsync(handle);
            var requestId = Guid.NewGuid().ToString();
            await PauseAsync(handle.Id, requestId);

            await handle.SignalAsync(wf => wf.AddAsync("while-paused"), SignalRpc);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await Task.Delay(TimeSpan.FromSeconds(1.5), Deadline); // a worker polls the queue all along: nothing reaches it
            var paused = await DescribeRawAsync(handle.Id);
            Assert.Equal(WorkflowExecutionStatus.Paused, paused.WorkflowExecutionInfo.Status);
            Assert.Null(paused.PendingWorkflowTask);
            Assert.Equal((Identity, Reason), (paused.WorkflowExtendedInfo.PauseInfo.Identity, paused.WorkflowExtendedInfo.PauseInfo.Reason));
            Assert.NotNull(paused.WorkflowExtendedInfo.PauseInfo.PausedTime);
            Assert.Equal([$"Workflow:{handle.Id}", $"Reason:{Reason}"], PauseInfoAttribute(paused));
            var whilePaused = await EventsAsync(handle);
            Assert.Equal(
                [EventType.WorkflowExecutionPaused, EventType.WorkflowExecutionSignaled, EventType.WorkflowExecutionSignaled],
                whilePaused.SkipWhile(e => e.EventType != EventType.WorkflowExecutionPaused).Select(e => e.EventType));
            var pausedEvent = whilePaused.Single(e => e.EventType == EventType.WorkflowExecutionPaused).WorkflowExecutionPausedEventAttributes;
            Assert.Equal((Identity, Reason, requestId), (pausedEvent.Identity, pausedEvent.Reason, pausedEvent.RequestId));

            await Service.UnpauseWorkflowExecutionAsync(new()
            {
                Namespace = Client.Options.Namespace,
                WorkflowId = handle.Id,
                Identity = Identity,
                Reason = "count done",
                RequestId = "unpause-1",
            }, Rpc);
            Assert.Equal(["start", "while-paused"], await handle.GetResultAsync(rpcOptions: Rpc));
            var history = await EventsAsync(handle);
            var unpaused = history.Single(e => e.EventType == EventType.WorkflowExecutionUnpaused);
            Assert.Equal((Identity, "count done", "unpause-1"), (unpaused.WorkflowExecutionUnpausedEventAttributes.Identity,
                unpaused.WorkflowExecutionUnpausedEventAttributes.Reason, unpaused.WorkflowExecutionUnpausedEventAttributes.RequestId));
            Assert.Equal(EventType.WorkflowTaskScheduled, history[(int)unpaused.EventId].EventType); // the unpause's task, next
            var closed = await DescribeRawAsync(handle.Id);
            Assert.Null(closed.WorkflowExtendedInfo.PauseInfo);
            Assert.Empty(PauseInfoAttribute(closed));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_paused_run_is_listed_and_counted_as_Paused_and_refuses_queries_and_updates()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<UpdatableWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("pause-visibility"));
            await FirstTaskCompletedAsync(handle);
            await PauseAsync(handle.Id, Guid.NewGuid().ToString());

            var listed = Assert.Single(await ListAsync($"WorkflowId = '{handle.Id}' AND ExecutionStatus = 'Paused'"));
            Assert.Equal(WorkflowExecutionStatus.Paused, listed.Status);
            Assert.Null(listed.CloseTime);
            Assert.Equal(0, await CountAsync($"WorkflowId = '{handle.Id}' AND ExecutionStatus = 'Running'"));
            Assert.Equal(1, await CountAsync($"WorkflowId = '{handle.Id}' AND TemporalPauseInfo = 'Workflow:{handle.Id}'"));
            var grouped = await Client.CountWorkflowsAsync($"WorkflowId = '{handle.Id}' GROUP BY ExecutionStatus", new() { Rpc = Rpc });
            Assert.Equal("Paused", (string)Assert.Single(Assert.Single(grouped.Groups).GroupValues)!);

            var query = await Service.QueryWorkflowAsync(new()
            {
                Namespace = Client.Options.Namespace,
                Execution = new() { WorkflowId = handle.Id },
                Query = new() { QueryType = "__stack_trace" },
            }, Rpc);
            Assert.Equal(WorkflowExecutionStatus.Paused, query.QueryRejected.Status);
            var update = await Assert.ThrowsAsync<RpcException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync("while-paused"), new() { Rpc = Rpc }));
            Assert.Equal((RpcException.StatusCode.FailedPrecondition, "Workflow is paused. Cannot update the workflow."), (update.Code, update.Message));

            await UnpauseAsync(handle.Id);
            Assert.Equal(1, await handle.ExecuteUpdateAsync(wf => wf.AddAsync("after"), new() { Rpc = Rpc }));
            Assert.Equal(WorkflowExecutionStatus.Running, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_timer_fires_while_paused_but_the_workflow_sees_it_only_after_the_unpause()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<TimerWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(1), Options("pause-timer"));
            await FirstTaskCompletedAsync(handle);
            await PauseAsync(handle.Id, Guid.NewGuid().ToString());

            await Eventually.UntilAsync(() => EventsAsync(handle), h => h.Any(e => e.EventType == EventType.TimerFired), "the timer to fire", cancellationToken: Deadline);
            await Task.Delay(TimeSpan.FromSeconds(1), Deadline);
            Assert.Equal(WorkflowExecutionStatus.Paused, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);
            Assert.DoesNotContain(
                (await EventsAsync(handle)).SkipWhile(e => e.EventType != EventType.WorkflowExecutionPaused),
                e => e.EventType == EventType.WorkflowTaskScheduled);

            await UnpauseAsync(handle.Id);
            Assert.True((await handle.GetResultAsync(rpcOptions: Rpc)).ConditionMet);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_workflow_task_not_yet_started_is_failed_by_the_pause_and_scheduled_again_by_the_unpause()
    {
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("pause-pending-task")); // no worker yet
        await PauseAsync(handle.Id, Guid.NewGuid().ToString());
        await UnpauseAsync(handle.Id);

        var history = await EventsAsync(handle);
        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskFailed,
             EventType.WorkflowExecutionPaused, EventType.WorkflowExecutionUnpaused, EventType.WorkflowTaskScheduled],
            history.Select(e => e.EventType));
        var failed = history[2].WorkflowTaskFailedEventAttributes;
        Assert.Equal((WorkflowTaskFailedCause.WorkflowPauseRequestedBeforeTaskStarted, 2L, "history-service"), (failed.Cause, failed.ScheduledEventId, failed.Identity));
        Assert.Equal(1, history[5].WorkflowTaskScheduledEventAttributes.Attempt);

        await WithWorkerAsync(WorkerOptions().AddWorkflow<BlockingWorkflow>(), async () =>
        {
            await handle.SignalAsync(wf => wf.ReleaseAsync("released"), SignalRpc);
            Assert.Equal("released", await handle.GetResultAsync(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_started_workflow_task_may_still_complete_and_the_paused_event_follows_it()
    {
        var raw = new RawWorker(Client, Rpc);
        var handle = await raw.StartAsync(NewWorkflowId("pause-inflight"), TaskQueue);
        var task = await raw.PollAsync(TaskQueue);
        await PauseAsync(handle.Id, Guid.NewGuid().ToString());
        Assert.Equal(WorkflowExecutionStatus.Paused, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);

        // Completing it cannot ask for another task while paused; completing it plainly is accepted.
        var force = await Assert.ThrowsAsync<RpcException>(() => raw.CompleteReturningNextAsync(task, null, forceNewTask: true));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "Workflow is paused and force create new workflow task is not allowed."), (force.Code, force.Message));
        await raw.CompleteAsync(task);

        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionPaused],
            (await EventsAsync(handle)).Select(e => e.EventType));
        var described = await DescribeRawAsync(handle.Id);
        Assert.Equal(WorkflowExecutionStatus.Paused, described.WorkflowExecutionInfo.Status);
        Assert.Null(described.PendingWorkflowTask);

        await UnpauseAsync(handle.Id);
        await raw.CompleteAsync(await raw.PollAsync(TaskQueue), RawWorker.CompleteWorkflow());
        Assert.Equal(WorkflowExecutionStatus.Completed, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_scheduled_activity_is_not_offered_while_paused_and_runs_after_the_unpause()
    {
        var activityQueue = TaskQueue + "-activities";
        await WithWorkerAsync(WorkerOptions().AddWorkflow<HeldActivityWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(activityQueue), Options("pause-activity"));
            await Eventually.UntilAsync(() => DescribeRawAsync(handle.Id), d => d.PendingActivities.Count == 1, "the activity to be scheduled", cancellationToken: Deadline);
            await PauseAsync(handle.Id, Guid.NewGuid().ToString());

            using var activities = new TemporalWorker(Client, new TemporalWorkerOptions(activityQueue).AddActivity(OperatorActivities.HoldAsync));
            var running = activities.ExecuteAsync(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5), Deadline);
                Assert.Empty(ActivityJournal.For(handle.Id)); // queued before the pause, stale since: never handed out
                var pending = (await DescribeRawAsync(handle.Id)).PendingActivities.Single();
                Assert.Equal((false, PendingActivityState.Scheduled), (pending.Paused, pending.State)); // not an activity pause

                await UnpauseAsync(handle.Id);
                var token = await Eventually.UntilAsync(
                    () => Task.FromResult(ActivityJournal.For(handle.Id).FirstOrDefault(e => e.StartsWith("token:", StringComparison.Ordinal))),
                    t => t is not null, "the activity to run after the unpause", cancellationToken: Deadline);
                await Client.GetAsyncActivityHandle(Convert.FromBase64String(token!["token:".Length..])).CompleteAsync("after unpause", new() { Rpc = Rpc });
                Assert.Equal("after unpause", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            }, Deadline);
            await running;
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_repeated_pause_with_the_same_request_ID_changes_nothing_and_the_errors_are_Temporals()
    {
        var ns = Client.Options.Namespace;
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("pause-errors"));
        var requestId = Guid.NewGuid().ToString();
        await PauseAsync(handle.Id, requestId);
        await PauseAsync(handle.Id, requestId); // the same request again: nothing happens
        Assert.Single(await EventsAsync(handle), e => e.EventType == EventType.WorkflowExecutionPaused);

        var again = await Assert.ThrowsAsync<RpcException>(() => PauseAsync(handle.Id, Guid.NewGuid().ToString()));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "workflow is already paused."), (again.Code, again.Message));
        var tooLong = new string('x', 1001);
        foreach (var (request, message) in new (PauseWorkflowExecutionRequest, string)[]
        {
            (new() { Namespace = ns, WorkflowId = handle.Id, Reason = tooLong }, "reason is too long."),
            (new() { Namespace = ns, WorkflowId = handle.Id, RequestId = tooLong }, "request id is too long."),
            (new() { Namespace = ns, WorkflowId = handle.Id, Identity = tooLong }, "identity is too long."),
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Service.PauseWorkflowExecutionAsync(request, Rpc));
            Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (error.Code, error.Message));
        }

        var unpauseTooLong = await Assert.ThrowsAsync<RpcException>(() => Service.UnpauseWorkflowExecutionAsync(new() { Namespace = ns, WorkflowId = "anything", Identity = tooLong }, Rpc));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "identity is too long."), (unpauseTooLong.Code, unpauseTooLong.Message));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => PauseAsync(NewWorkflowId("none"), Guid.NewGuid().ToString()));
        Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);

        await UnpauseAsync(handle.Id);
        var notPaused = await Assert.ThrowsAsync<RpcException>(() => UnpauseAsync(handle.Id));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "workflow is not paused."), (notPaused.Code, notPaused.Message));

        await PauseAsync(handle.Id, Guid.NewGuid().ToString());
        await handle.TerminateAsync("terminated while paused", new() { Rpc = Rpc }); // terminate is not held
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);
        var closedPause = await Assert.ThrowsAsync<RpcException>(() => PauseAsync(handle.Id, Guid.NewGuid().ToString()));
        var closedUnpause = await Assert.ThrowsAsync<RpcException>(() => UnpauseAsync(handle.Id));
        Assert.Equal((RpcException.StatusCode.NotFound, "workflow execution already completed"), (closedPause.Code, closedPause.Message));
        Assert.Equal((RpcException.StatusCode.NotFound, "workflow execution already completed"), (closedUnpause.Code, closedUnpause.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_namespace_reports_the_workflow_pause_capability()
    {
        var described = await Service.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
        Assert.True(described.NamespaceInfo.Capabilities.WorkflowPause);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_cancel_request_while_paused_is_recorded_and_handled_after_the_unpause()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<BlockingWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("pause-cancel"));
            await FirstTaskCompletedAsync(handle);
            await PauseAsync(handle.Id, Guid.NewGuid().ToString());
            await handle.CancelAsync(new() { Rpc = Rpc });
            await Task.Delay(TimeSpan.FromSeconds(1), Deadline);
            Assert.Equal(WorkflowExecutionStatus.Paused, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);
            Assert.Contains(await EventsAsync(handle), e => e.EventType == EventType.WorkflowExecutionCancelRequested);

            await UnpauseAsync(handle.Id);
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            Assert.IsType<CanceledFailureException>(error.InnerException);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_paused_run_still_times_out_and_a_reset_of_one_starts_a_run_that_is_not_paused()
    {
        var options = Options("pause-timeout");
        options.RunTimeout = TimeSpan.FromSeconds(2);
        var timingOut = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), options);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<BlockingWorkflow>(), async () =>
        {
            var reset = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("pause-reset"));
            await FirstTaskCompletedAsync(reset);
            await PauseAsync(timingOut.Id, Guid.NewGuid().ToString());
            await PauseAsync(reset.Id, Guid.NewGuid().ToString());

            var completed = (await EventsAsync(reset)).Last(e => e.EventType == EventType.WorkflowTaskCompleted);
            var response = await Service.ResetWorkflowExecutionAsync(new()
            {
                Namespace = Client.Options.Namespace,
                WorkflowExecution = new() { WorkflowId = reset.Id, RunId = reset.ResultRunId },
                WorkflowTaskFinishEventId = completed.EventId,
                Reason = "reset while paused",
                RequestId = Guid.NewGuid().ToString(),
            }, Rpc);
            Assert.Equal(WorkflowExecutionStatus.Terminated, (await DescribeRawAsync(reset.Id, reset.ResultRunId)).WorkflowExecutionInfo.Status);
            var fresh = await DescribeRawAsync(reset.Id, response.RunId);
            Assert.Equal(WorkflowExecutionStatus.Running, fresh.WorkflowExecutionInfo.Status);
            Assert.Null(fresh.WorkflowExtendedInfo.PauseInfo);
            await Client.GetWorkflowHandle<BlockingWorkflow>(reset.Id, response.RunId).SignalAsync(wf => wf.ReleaseAsync("after reset"), SignalRpc);
            Assert.Equal("after reset", await Client.GetWorkflowHandle(reset.Id).GetResultAsync<string>(rpcOptions: Rpc));
        });

        // The run timeout is not held by the pause (no worker ever took its first task, which the pause failed).
        await Eventually.UntilAsync(() => DescribeRawAsync(timingOut.Id), d => d.WorkflowExecutionInfo.Status == WorkflowExecutionStatus.TimedOut,
            "the paused run to time out", cancellationToken: Deadline);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_activity_unpaused_while_its_run_is_paused_runs_and_its_result_waits_for_the_run()
    {
        var activityQueue = TaskQueue + "-activities";
        await WithWorkerAsync(WorkerOptions().AddWorkflow<HeldActivityWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(activityQueue), Options("pause-both"));
            var type = (await Eventually.UntilAsync(() => DescribeRawAsync(handle.Id), d => d.PendingActivities.Count == 1, "the activity to be scheduled", cancellationToken: Deadline))
                .PendingActivities[0].ActivityType.Name;
            await Service.PauseActivityAsync(new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id }, Id = HeldActivityWorkflow.ActivityId, Identity = Identity }, Rpc);
            await PauseAsync(handle.Id, Guid.NewGuid().ToString());
            Assert.Equal([$"Workflow:{handle.Id}", $"Reason:{Reason}", $"property:activityType={type}"], PauseInfoAttribute(await DescribeRawAsync(handle.Id)));

            using var activities = new TemporalWorker(Client, new TemporalWorkerOptions(activityQueue).AddActivity(OperatorActivities.HoldAsync));
            await activities.ExecuteAsync(async () =>
            {
                // As Temporal: UnpauseActivity gives the activity a new task, which runs although the run is paused.
                await Service.UnpauseActivityAsync(new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id }, Id = HeldActivityWorkflow.ActivityId }, Rpc);
                var token = await Eventually.UntilAsync(
                    () => Task.FromResult(ActivityJournal.For(handle.Id).FirstOrDefault(e => e.StartsWith("token:", StringComparison.Ordinal))),
                    t => t is not null, "the unpaused activity to run", cancellationToken: Deadline);
                await Client.GetAsyncActivityHandle(Convert.FromBase64String(token!["token:".Length..])).CompleteAsync("done while paused", new() { Rpc = Rpc });
            }, Deadline);

            var paused = await DescribeRawAsync(handle.Id);
            Assert.Equal(WorkflowExecutionStatus.Paused, paused.WorkflowExecutionInfo.Status);
            Assert.Empty(paused.PendingActivities);
            Assert.Equal([$"Workflow:{handle.Id}", $"Reason:{Reason}"], PauseInfoAttribute(paused));
            Assert.Equal(EventType.ActivityTaskCompleted, (await EventsAsync(handle)).Last().EventType); // and no workflow task

            await UnpauseAsync(handle.Id);
            Assert.Equal("done while paused", await handle.GetResultAsync<string>(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_batch_terminate_by_query_reaches_a_paused_run_as_Temporals_batcher_does()
    {
        var running = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("pause-batch"));
        var paused = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), Options("pause-batch"));
        await PauseAsync(paused.Id, Guid.NewGuid().ToString());
        var jobId = NewWorkflowId("job-pause");

        await Service.StartBatchOperationAsync(new()
        {
            Namespace = Client.Options.Namespace,
            JobId = jobId,
            Reason = "stop them",
            VisibilityQuery = $"TaskQueue = '{TaskQueue}'",
            TerminationOperation = new() { Identity = Identity },
        }, Rpc);

        var done = await Eventually.UntilAsync(
            () => Service.DescribeBatchOperationAsync(new() { Namespace = Client.Options.Namespace, JobId = jobId }, Rpc),
            d => d.State == BatchOperationState.Completed, "the batch to finish", cancellationToken: Deadline);
        Assert.Equal((2L, 2L), (done.TotalOperationCount, done.CompleteOperationCount));
        foreach (var handle in new[] { running, paused })
        {
            Assert.Equal(WorkflowExecutionStatus.Terminated, (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.Status);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeSchedule_leaves_a_paused_run_out_of_its_running_workflows_until_the_unpause()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var action = ScheduleActionStartWorkflow.Create((CollectorWorkflow wf) => wf.RunAsync("scheduled"), Options("pause-schedule"));
            var schedule = await Client.CreateScheduleAsync(
                $"pause-schedule-{Guid.NewGuid():N}",
                new(action, new() { Intervals = [new(TimeSpan.FromDays(1))] }) { State = new() { Paused = true } });
            await schedule.TriggerAsync();
            var started = await Eventually.UntilAsync(() => schedule.DescribeAsync(Rpc), d => d.Info.RunningActions.Count == 1, "the triggered run", cancellationToken: Deadline);
            var handle = Client.GetWorkflowHandle(Assert.IsType<ScheduleActionExecutionStartWorkflow>(started.Info.RunningActions.Single()).WorkflowId);
            await FirstTaskCompletedAsync(handle);

            await PauseAsync(handle.Id, Guid.NewGuid().ToString());
            Assert.Empty((await schedule.DescribeAsync(Rpc)).Info.RunningActions);

            await Service.UnpauseWorkflowExecutionAsync(new() { Namespace = Client.Options.Namespace, WorkflowId = handle.Id });
            Assert.Equal(handle.Id, Assert.IsType<ScheduleActionExecutionStartWorkflow>(Assert.Single((await schedule.DescribeAsync(Rpc)).Info.RunningActions)).WorkflowId);
            await schedule.DeleteAsync();
            await handle.TerminateAsync("done");
        });
    }

    private Task PauseAsync(string workflowId, string requestId) =>
        Service.PauseWorkflowExecutionAsync(new()
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = workflowId,
            Identity = Identity,
            Reason = Reason,
            RequestId = requestId,
        }, Rpc);

    private Task UnpauseAsync(string workflowId) =>
        Service.UnpauseWorkflowExecutionAsync(new() { Namespace = Client.Options.Namespace, WorkflowId = workflowId, RequestId = Guid.NewGuid().ToString() }, Rpc);

    private Task FirstTaskCompletedAsync(WorkflowHandle handle) =>
        Eventually.UntilAsync(() => EventsAsync(handle), h => h.Any(e => e.EventType == EventType.WorkflowTaskCompleted), "the first workflow task to complete", cancellationToken: Deadline);

    private async Task<List<HistoryEvent>> EventsAsync(WorkflowHandle handle) => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();

    private static string[] PauseInfoAttribute(DescribeWorkflowExecutionResponse described) =>
        described.WorkflowExecutionInfo.SearchAttributes?.IndexedFields.TryGetValue("TemporalPauseInfo", out var payload) == true
            ? JsonSerializer.Deserialize<string[]>(payload.Data.ToStringUtf8()) ?? []
            : [];
}
