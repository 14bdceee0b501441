using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// ResetWorkflowExecution as Temporal's resetter does it: the new run replays the base run's history up
/// to the reset workflow task, fails that task with cause RESET_WORKFLOW, re-applies later signals, and
/// continues; the old run, if running, is terminated with the reason.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class ResetWorkflowTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    // ResettableWorkflow("a"): started, task, task started, task completed (4), greet a, ...
    private const long FirstWorkflowTaskCompleted = 4;

    private WorkflowService Service => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_running_workflow_is_reset_with_later_signals_reapplied_and_the_old_run_terminated()
    {
        await WithWorkerAsync(ResettableWorker(), async () =>
        {
            var (handle, oldRunId) = await StartWithOneSignalHandledAsync("reset-reapply");

            var newRunId = await ResetAsync(handle.Id, oldRunId, FirstWorkflowTaskCompleted, "bad deploy");

            Assert.NotEqual(oldRunId, newRunId);
            var old = (await Client.GetWorkflowHandle(handle.Id, oldRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            var terminated = old[^1];
            Assert.Equal(EventType.WorkflowExecutionTerminated, terminated.EventType);
            Assert.Equal("bad deploy", terminated.WorkflowExecutionTerminatedEventAttributes.Reason);
            Assert.Equal("history-resetter", terminated.WorkflowExecutionTerminatedEventAttributes.Identity);

            var reset = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            AssertResetPrefix(old, reset, FirstWorkflowTaskCompleted, oldRunId, newRunId, "bad deploy");
            Assert.Equal(EventType.WorkflowExecutionSignaled, reset[4].EventType);
            Assert.Equal("b", Single(reset[4].WorkflowExecutionSignaledEventAttributes.Input));
            Assert.Equal(EventType.WorkflowTaskScheduled, reset[5].EventType);
            // The prefix is the base run's own events (Temporal forks the branch), task IDs too; the rest are new.
            var taskIds = reset.Select(e => e.TaskId).ToList();
            Assert.Equal(taskIds.Order(), taskIds);
            Assert.True(reset[4].TaskId > old[^1].TaskId, "the reapplied signal is a new event, after the base run's last");

            // The handle without a run ID follows the current run: the reset one.
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            var result = await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc);
            Assert.Equal(["Hello, a!", "Hello, b!"], result);

            var described = await DescribeRawAsync(handle.Id, oldRunId);
            Assert.Equal(WorkflowExecutionStatus.Terminated, described.WorkflowExecutionInfo.Status);
            Assert.Equal(newRunId, described.WorkflowExtendedInfo.ResetRunId);
            var resetDescribed = await DescribeRawAsync(handle.Id, newRunId);
            Assert.NotNull(resetDescribed.WorkflowExtendedInfo.LastResetTime);
            Assert.Equal(old[0].EventTime, resetDescribed.WorkflowExtendedInfo.OriginalStartTime);
            Assert.Equal(oldRunId, resetDescribed.WorkflowExecutionInfo.FirstRunId);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_reset_with_reapply_type_none_drops_the_later_signals()
    {
        await WithWorkerAsync(ResettableWorker(), async () =>
        {
            var (handle, oldRunId) = await StartWithOneSignalHandledAsync("reset-none");

            var newRunId = await ResetAsync(handle.Id, oldRunId, FirstWorkflowTaskCompleted, "no signals", ResetReapplyType.None);

            var reset = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.DoesNotContain(reset, e => e.EventType == EventType.WorkflowExecutionSignaled);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal(["Hello, a!"], await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_completed_run_is_reset_to_its_auto_reset_point_and_runs_again()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("again"), Options("reset-completed"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            var oldRunId = handle.ResultRunId!;

            var points = (await DescribeRawAsync(handle.Id, handle.ResultRunId!)).WorkflowExecutionInfo.AutoResetPoints.Points;
            var point = Assert.Single(points);
            Assert.Equal(oldRunId, point.RunId);
            Assert.Equal(FirstWorkflowTaskCompleted, point.FirstWorkflowTaskCompletedId);
            Assert.True(point.Resettable);

            var newRunId = await ResetAsync(handle.Id, point.RunId, point.FirstWorkflowTaskCompletedId, "run it again");

            Assert.Equal("Hello, again!", await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>(rpcOptions: Rpc));
            Assert.Equal(2, ActivityJournal.For(handle.Id).Count(e => e.StartsWith("greet:again", StringComparison.Ordinal)));
            var old = (await Client.GetWorkflowHandle(handle.Id, oldRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.Equal(EventType.WorkflowExecutionCompleted, old[^1].EventType);
            var reset = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            AssertResetPrefix(old, reset, FirstWorkflowTaskCompleted, oldRunId, newRunId, "run it again");
            Assert.Equal(EventType.WorkflowExecutionCompleted, reset[^1].EventType);
            Assert.Equal(newRunId, (await DescribeRawAsync(handle.Id, oldRunId)).WorkflowExtendedInfo.ResetRunId);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_run_closed_long_enough_to_have_left_memory_is_reset_like_any_other()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("later"), Options("reset-evicted"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            // On the PostgreSQL store a closed run leaves memory within a second or two of its close; a reset
            // must still find it and the workflow ID's current run (once an internal error).
            await Task.Delay(TimeSpan.FromSeconds(3), Deadline);

            var newRunId = await ResetAsync(handle.Id, handle.ResultRunId!, FirstWorkflowTaskCompleted, "after eviction");

            Assert.Equal("Hello, later!", await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>(rpcOptions: Rpc));
            Assert.Equal(newRunId, (await DescribeRawAsync(handle.Id, handle.ResultRunId!)).WorkflowExtendedInfo.ResetRunId);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_failed_run_reset_to_its_workflow_task_started_event_gets_the_task_started_by_the_server_first()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<FailingWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((FailingWorkflow wf) => wf.RunAsync("stock"), Options("reset-failed"));
            await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            var oldRunId = handle.ResultRunId!;

            // Event 3 is the first WorkflowTaskStarted: the prefix ends with the task scheduled.
            var newRunId = await ResetAsync(handle.Id, oldRunId, 3, "retry the decision");

            var newHandle = Client.GetWorkflowHandle(handle.Id, newRunId);
            await Assert.ThrowsAsync<WorkflowFailedException>(() => newHandle.GetResultAsync<string>(rpcOptions: Rpc));
            var reset = (await newHandle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.Equal(
                [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskFailed, EventType.WorkflowTaskScheduled],
                reset.Take(5).Select(e => e.EventType));
            Assert.Equal("history-service", reset[2].WorkflowTaskStartedEventAttributes.Identity);
            Assert.Equal(WorkflowTaskFailedCause.ResetWorkflow, reset[3].WorkflowTaskFailedEventAttributes.Cause);
            Assert.Equal(EventType.WorkflowExecutionFailed, reset[^1].EventType);
            var old = await DescribeRawAsync(handle.Id, oldRunId);
            Assert.Equal(WorkflowExecutionStatus.Failed, old.WorkflowExecutionInfo.Status);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_repeated_reset_request_returns_the_same_new_run()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("once"), Options("reset-dedupe"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            var requestId = Guid.NewGuid().ToString();

            var first = await ResetAsync(handle.Id, handle.ResultRunId!, FirstWorkflowTaskCompleted, "once", requestId: requestId);
            var second = await ResetAsync(handle.Id, handle.ResultRunId!, FirstWorkflowTaskCompleted, "once", requestId: requestId);

            Assert.Equal(first, second);
            await Client.GetWorkflowHandle(handle.Id, first).GetResultAsync<string>(rpcOptions: Rpc);
            Assert.Equal(2, (await Client.CountWorkflowsAsync($"WorkflowId = '{handle.Id}'", new() { Rpc = Rpc })).Count);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_reset_point_that_does_not_finish_a_workflow_task_is_an_invalid_argument()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("invalid"), Options("reset-invalid"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
            var activityScheduled = events.Single(e => e.EventType == EventType.ActivityTaskScheduled).EventId;

            foreach (var eventId in new[] { 1, activityScheduled, activityScheduled + 1, events.Count + 1 })
            {
                var refused = await Assert.ThrowsAsync<RpcException>(() => ResetAsync(handle.Id, handle.ResultRunId!, eventId, "invalid"));
                Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
            }

            Assert.Equal(1, (await Client.CountWorkflowsAsync($"WorkflowId = '{handle.Id}'", new() { Rpc = Rpc })).Count);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_activity_pending_at_the_reset_point_is_scheduled_again_as_attempt_one()
    {
        var options = WorkerOptions().AddWorkflow<HeldActivityWorkflow>().AddActivity(OperatorActivities.HoldAsync);
        await WithWorkerAsync(options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(TaskQueue), Options("reset-pending-activity"));
            await Eventually.UntilAsync(() => Tokens(handle.Id).Count == 1, "the activity to start", cancellationToken: Deadline);
            // A signal nobody handles still makes a workflow task: the reset point after the activity was scheduled.
            await Client.GetWorkflowHandle(handle.Id).SignalAsync("unhandled", [], SignalRpc);
            var completed = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.Where(e => e.EventType == EventType.WorkflowTaskCompleted).ToList(),
                tasks => tasks.Count == 2, "the signal's workflow task to complete", cancellationToken: Deadline);

            var newRunId = await ResetAsync(handle.Id, handle.ResultRunId!, completed[1].EventId, "activity again");

            await Eventually.UntilAsync(() => Tokens(handle.Id).Count == 2, "the activity to run in the new run", cancellationToken: Deadline);
            Assert.StartsWith("attempt:1:", ActivityJournal.For(handle.Id).Where(e => e.StartsWith("attempt:", StringComparison.Ordinal)).Last(), StringComparison.Ordinal);
            var stale = Client.GetAsyncActivityHandle(Convert.FromBase64String(Tokens(handle.Id)[0]["token:".Length..]));
            Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => stale.CompleteAsync("old run", new() { Rpc = Rpc }))).Code);
            await Client.GetAsyncActivityHandle(Convert.FromBase64String(Tokens(handle.Id)[1]["token:".Length..])).CompleteAsync("new run", new() { Rpc = Rpc });
            Assert.Equal("new run", await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>(rpcOptions: Rpc));
            var reset = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            var scheduled = reset.Single(e => e.EventType == EventType.ActivityTaskScheduled);
            Assert.True(scheduled.EventId < completed[1].EventId, "the activity was scheduled before the reset point");
            Assert.Equal(scheduled.EventId, reset.Single(e => e.EventType == EventType.ActivityTaskCompleted).ActivityTaskCompletedEventAttributes.ScheduledEventId);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_child_pending_at_the_reset_point_keeps_running_and_reports_to_the_new_run_even_after_the_old_run_left_memory()
    {
        await WithWorkerAsync(ResetParentWorker(), async () =>
        {
            var (handle, childId, point) = await StartParentPastItsChildStartAsync("reset-child-pending");
            var oldRunId = handle.ResultRunId!;

            var newRunId = await ResetAsync(handle.Id, oldRunId, point, "child pending");

            // The old run's parent close policy (TERMINATE) was not applied: the child is now the new run's.
            var child = await DescribeRawAsync(childId, string.Empty);
            Assert.Equal(WorkflowExecutionStatus.Running, child.WorkflowExecutionInfo.Status);
            Assert.Equal(oldRunId, child.WorkflowExecutionInfo.ParentExecution.RunId);
            Assert.Equal(childId, Assert.Single((await DescribeRawAsync(handle.Id, newRunId)).PendingChildren).WorkflowId);
            // On the PostgreSQL store the terminated old run leaves memory within a second or two of its close;
            // the child's close must still reach the new run.
            await Task.Delay(TimeSpan.FromSeconds(3), Deadline);

            await Client.GetWorkflowHandle<ReleasableChildWorkflow>(childId).SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
            await Client.GetWorkflowHandle<ResetParentWorkflow>(handle.Id).SignalAsync(wf => wf.GoAsync(), SignalRpc);

            Assert.Equal("released by parent", await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>(rpcOptions: Rpc));
            var reset = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            var started = reset.Single(e => e.EventType == EventType.ChildWorkflowExecutionStarted);
            Assert.True(started.EventId < point, "the child was started before the reset point");
            Assert.Equal(started.EventId, reset.Single(e => e.EventType == EventType.ChildWorkflowExecutionCompleted).ChildWorkflowExecutionCompletedEventAttributes.StartedEventId);
            var old = (await Client.GetWorkflowHandle(handle.Id, oldRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.Equal(EventType.WorkflowExecutionTerminated, old[^1].EventType);
            Assert.DoesNotContain(old, e => e.EventType is EventType.ChildWorkflowExecutionCompleted or EventType.ChildWorkflowExecutionTerminated);
            Assert.Equal(1, await CountAsync($"WorkflowId = '{childId}'"));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_child_that_closed_after_the_reset_point_is_reapplied_to_the_new_run_and_not_run_again()
    {
        await WithWorkerAsync(ResetParentWorker(), async () =>
        {
            var (handle, childId, point) = await StartParentPastItsChildStartAsync("reset-child-closed");
            await Client.GetWorkflowHandle<ReleasableChildWorkflow>(childId).SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
            await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                h => h.Any(e => e.EventType == EventType.ChildWorkflowExecutionCompleted) && h[^1].EventType == EventType.WorkflowTaskCompleted,
                "the parent to hear of its child's completion", cancellationToken: Deadline);

            var newRunId = await ResetAsync(handle.Id, handle.ResultRunId!, point, "child done");

            var reset = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.Equal(EventType.WorkflowTaskFailed, reset[(int)point - 1].EventType);
            var completed = reset[(int)point];
            Assert.Equal(EventType.ChildWorkflowExecutionCompleted, completed.EventType);
            var started = reset.Single(e => e.EventType == EventType.ChildWorkflowExecutionStarted);
            Assert.Equal(started.EventId, completed.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId);
            Assert.Equal(EventType.WorkflowTaskScheduled, reset[(int)point + 1].EventType);

            await Client.GetWorkflowHandle<ResetParentWorkflow>(handle.Id).SignalAsync(wf => wf.GoAsync(), SignalRpc);
            Assert.Equal("released by parent", await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>(rpcOptions: Rpc));
            Assert.Equal(1, await CountAsync($"WorkflowId = '{childId}'"));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_child_started_after_the_reset_point_keeps_running_and_the_new_run_cannot_start_it_again()
    {
        await WithWorkerAsync(ResetParentWorker(), async () =>
        {
            var (handle, childId, _) = await StartParentPastItsChildStartAsync("reset-child-later");
            var oldRunId = handle.ResultRunId!;

            // Before the child was initiated: the new run has no child, the old run's child is left running (as
            // Temporal: its re-start of children after the reset point is not enabled).
            var newRunId = await ResetAsync(handle.Id, oldRunId, FirstWorkflowTaskCompleted, "before the child");

            var child = await DescribeRawAsync(childId, string.Empty);
            Assert.Equal(WorkflowExecutionStatus.Running, child.WorkflowExecutionInfo.Status);
            Assert.Equal(oldRunId, child.WorkflowExecutionInfo.ParentExecution.RunId);
            Assert.Equal($"already started: {childId}", await Client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>(rpcOptions: Rpc));
            var failed = (await Client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync(HistoryRpc)).Events
                .Single(e => e.EventType == EventType.StartChildWorkflowExecutionFailed).StartChildWorkflowExecutionFailedEventAttributes;
            Assert.Equal(StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists, failed.Cause);
            await Client.GetWorkflowHandle(childId).TerminateAsync("test over", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_reset_child_reports_to_its_parent_from_the_new_run_only()
    {
        await WithWorkerAsync(ResetParentWorker(), async () =>
        {
            var (handle, childId, _) = await StartParentPastItsChildStartAsync("reset-of-child");
            var child = Client.GetWorkflowHandle<ReleasableChildWorkflow>(childId);
            await Eventually.UntilAsync(
                async () => (await child.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                h => h.Count >= FirstWorkflowTaskCompleted && h[(int)FirstWorkflowTaskCompleted - 1].EventType == EventType.WorkflowTaskCompleted,
                "the child's first workflow task to complete", cancellationToken: Deadline);
            var oldChildRunId = (await DescribeRawAsync(childId, string.Empty)).WorkflowExecutionInfo.Execution.RunId;

            // The old child run is terminated by the reset: its parent does not hear of that, the new run closes for it.
            var newChildRunId = await ResetAsync(childId, oldChildRunId, FirstWorkflowTaskCompleted, "child again");

            await child.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
            await handle.SignalAsync(wf => wf.GoAsync(), SignalRpc);
            Assert.Equal("released by parent", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            var parent = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.DoesNotContain(parent, e => e.EventType == EventType.ChildWorkflowExecutionTerminated);
            var completed = parent.Single(e => e.EventType == EventType.ChildWorkflowExecutionCompleted).ChildWorkflowExecutionCompletedEventAttributes;
            Assert.Equal(newChildRunId, completed.WorkflowExecution.RunId);
            Assert.Equal(handle.ResultRunId, (await DescribeRawAsync(childId, newChildRunId)).WorkflowExecutionInfo.ParentExecution.RunId);
        });
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(ResetReapplyType.Unspecified, "", "signal:s1,update:u1,signal:s2")]
    [InlineData(ResetReapplyType.Unspecified, "Signal", "update:u1")]
    [InlineData(ResetReapplyType.Unspecified, "Update", "signal:s1,signal:s2")]
    [InlineData(ResetReapplyType.Signal, "", "signal:s1,signal:s2")]
    [InlineData(ResetReapplyType.None, "", "")]
    public async Task Signals_and_updates_after_the_reset_point_are_reapplied_in_their_order_unless_excluded(ResetReapplyType reapply, string exclude, string expected)
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ReapplyWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((ReapplyWorkflow wf) => wf.RunAsync(), Options("reset-reapply-update"));
            await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                h => h.Count == FirstWorkflowTaskCompleted && h[^1].EventType == EventType.WorkflowTaskCompleted,
                "the first workflow task to complete", cancellationToken: Deadline);
            await handle.SignalAsync(wf => wf.AddBySignalAsync("s1"), SignalRpc);
            await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Count, QueryRpc), n => n == 1, "the first signal", cancellationToken: Deadline);
            var updateId = $"u1-{Guid.NewGuid():N}";
            Assert.Equal(2, await handle.ExecuteUpdateAsync(wf => wf.AddByUpdateAsync("u1"), new(updateId) { Rpc = Rpc }));
            await handle.SignalAsync(wf => wf.AddBySignalAsync("s2"), SignalRpc);
            await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Count, QueryRpc), n => n == 3, "the second signal", cancellationToken: Deadline);
            var excluded = exclude.Length == 0 ? [] : new[] { Enum.Parse<ResetReapplyExcludeType>(exclude) };

            var newRunId = await ResetAsync(handle.Id, handle.ResultRunId!, FirstWorkflowTaskCompleted, "reapply", reapply, exclude: excluded);

            var newRun = Client.GetWorkflowHandle<ReapplyWorkflow>(handle.Id, newRunId);
            var reset = (await newRun.FetchHistoryAsync(HistoryRpc)).Events.ToList();
            var admitted = reset.Where(e => e.EventType == EventType.WorkflowExecutionUpdateAdmitted).ToList();
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal(expected, await newRun.GetResultAsync<string>(rpcOptions: Rpc));
            if (!expected.Contains("update", StringComparison.Ordinal))
            {
                Assert.Empty(admitted);
                return;
            }

            // Re-admitted through the history (origin REAPPLY); the worker accepts it from there, so the accepted
            // event does not repeat the request; its outcome is the new run's.
            var attributes = Assert.Single(admitted).WorkflowExecutionUpdateAdmittedEventAttributes;
            Assert.Equal(UpdateAdmittedEventOrigin.Reapply, attributes.Origin);
            Assert.Equal(updateId, attributes.Request.Meta.UpdateId);
            Assert.Equal("AddByUpdate", attributes.Request.Input.Name);
            var accepted = (await newRun.FetchHistoryAsync(HistoryRpc)).Events.Single(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).WorkflowExecutionUpdateAcceptedEventAttributes;
            Assert.Equal(updateId, accepted.ProtocolInstanceId);
            Assert.Null(accepted.AcceptedRequest);
            Assert.Equal(Array.IndexOf(expected.Split(','), "update:u1") + 1, await newRun.GetUpdateHandle<int>(updateId).GetResultAsync(Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_update_accepted_and_not_completed_at_the_reset_is_accepted_again_and_completed_by_the_new_run()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ReapplyWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((ReapplyWorkflow wf) => wf.RunAsync(), Options("reset-update-in-flight"));
            var updateId = $"held-{Guid.NewGuid():N}";
            var held = await handle.StartUpdateAsync(wf => wf.AddWhenReleasedAsync("held"), new(updateId, WorkflowUpdateStage.Accepted) { Rpc = Rpc });

            var newRunId = await ResetAsync(handle.Id, handle.ResultRunId!, FirstWorkflowTaskCompleted, "update in flight");

            // The old run closed before completing it: Temporal's failure for that, on the old run.
            var outlived = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => held.GetResultAsync(Rpc));
            Assert.Equal("AcceptedUpdateCompletedWorkflow", Assert.IsType<ApplicationFailureException>(outlived.InnerException).ErrorType);
            var newRun = Client.GetWorkflowHandle<ReapplyWorkflow>(handle.Id, newRunId);
            await Eventually.UntilAsync(
                async () => (await newRun.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                h => h.Any(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted),
                "the new run to accept the update again", cancellationToken: Deadline);
            await newRun.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
            Assert.Equal(1, await newRun.GetUpdateHandle<int>(updateId).GetResultAsync(Rpc));
            await newRun.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal("update:held", await newRun.GetResultAsync<string>(rpcOptions: Rpc));
        });
    }

    private TemporalWorkerOptions ResetParentWorker() =>
        WorkerOptions().AddWorkflow<ResetParentWorkflow>().AddWorkflow<ReleasableChildWorkflow>();

    /// <summary>ResetParentWorkflow with its child started and the task after that completed: that completion is the reset point.</summary>
    private async Task<(WorkflowHandle<ResetParentWorkflow> Handle, string ChildId, long Point)> StartParentPastItsChildStartAsync(string prefix)
    {
        var childId = NewWorkflowId(prefix + "-child");
        var handle = await Client.StartWorkflowAsync((ResetParentWorkflow wf) => wf.RunAsync(childId), Options(prefix));
        var history = await Eventually.UntilAsync(
            async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
            h => h.SkipWhile(e => e.EventType != EventType.ChildWorkflowExecutionStarted).Any(e => e.EventType == EventType.WorkflowTaskCompleted),
            "the workflow task after the child's start to complete", cancellationToken: Deadline);
        var point = history.SkipWhile(e => e.EventType != EventType.ChildWorkflowExecutionStarted).First(e => e.EventType == EventType.WorkflowTaskCompleted).EventId;
        return (handle, childId, point);
    }

    private static List<string> Tokens(string workflowId) =>
        ActivityJournal.For(workflowId).Where(e => e.StartsWith("token:", StringComparison.Ordinal)).ToList();

    private TemporalWorkerOptions ResettableWorker() =>
        WorkerOptions().AddWorkflow<ResettableWorkflow>().AddActivity(TestActivities.Greet);

    /// <summary>ResettableWorkflow("a") past its first activity, with signal "b" handled (after the first task).</summary>
    private async Task<(WorkflowHandle<ResettableWorkflow> Handle, string RunId)> StartWithOneSignalHandledAsync(string prefix)
    {
        var handle = await Client.StartWorkflowAsync((ResettableWorkflow wf) => wf.RunAsync("a"), Options(prefix));
        // The first task has completed once its activity ran: the signal lands after the reset point.
        await Eventually.UntilAsync(() => ActivityJournal.For(handle.Id).Count > 0, "the first activity to run", cancellationToken: Deadline);
        await handle.SignalAsync(wf => wf.AddAsync("b"), SignalRpc);
        await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Received, QueryRpc), received => received == 1, "the signal to be handled", cancellationToken: Deadline);
        return (handle, handle.ResultRunId!);
    }

    private async Task<string> ResetAsync(
        string workflowId, string runId, long eventId, string reason, ResetReapplyType reapply = ResetReapplyType.Unspecified, string? requestId = null,
        IEnumerable<ResetReapplyExcludeType>? exclude = null)
    {
        var response = await Service.ResetWorkflowExecutionAsync(new ResetWorkflowExecutionRequest
        {
            ResetReapplyExcludeTypes = { exclude ?? [] },
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = workflowId, RunId = runId },
            WorkflowTaskFinishEventId = eventId,
            Reason = reason,
            RequestId = requestId ?? Guid.NewGuid().ToString(),
#pragma warning disable CS0612 // Deprecated in favour of options, still what the CLI's --reapply-type sends.
            ResetReapplyType = reapply,
#pragma warning restore CS0612
        }, Rpc);
        return response.RunId;
    }

    /// <summary>The new run repeats the base run's events before the reset point, then fails that task for the reset.</summary>
    private static void AssertResetPrefix(IReadOnlyList<HistoryEvent> old, IReadOnlyList<HistoryEvent> reset, long resetEventId, string oldRunId, string newRunId, string reason)
    {
        var shared = (int)resetEventId - 1;
        Assert.Equal(old.Take(shared), reset.Take(shared));
        Assert.Equal(oldRunId, reset[0].WorkflowExecutionStartedEventAttributes.OriginalExecutionRunId);
        var failed = reset[shared];
        Assert.Equal(EventType.WorkflowTaskFailed, failed.EventType);
        var attributes = failed.WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.ResetWorkflow, attributes.Cause);
        Assert.Equal(oldRunId, attributes.BaseRunId);
        Assert.Equal(newRunId, attributes.NewRunId);
        Assert.Equal(reason, attributes.Failure.Message);
        Assert.NotNull(attributes.Failure.ResetWorkflowFailureInfo);
        Assert.Equal(reset[shared - 1].EventId, attributes.StartedEventId);
    }

    private static string Single(Payloads? payloads) =>
        System.Text.Json.JsonSerializer.Deserialize<string>(Assert.Single(payloads!.Payloads_).Data.Span)!;
}
