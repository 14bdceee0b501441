using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// PauseActivity, UnpauseActivity, ResetActivity and UpdateActivityOptions through the public SDK's
/// workflow service, with real workers: what is dispatched, with which attempt, and what Describe shows.
/// "Not dispatched" is witnessed by a probe activity on the same task queue that completes while the
/// paused one stays unstarted (the paused task was queued first).
/// </summary>
[Collection(ActivitiesCollection.Name)]
public sealed class ActivityOperationsTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_paused_activity_finishes_its_running_attempt_but_is_not_retried_until_unpaused()
    {
        await WithWorkerAsync(HeldWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(TaskQueue), Options("pause-running"));
            var first = await TokenAsync(handle.Id, 1);

            await Service.PauseActivityAsync(new PauseActivityRequest
            {
                Namespace = Client.Options.Namespace,
                Execution = Ref(handle),
                Id = HeldActivityWorkflow.ActivityId,
                Identity = "operator-1",
                Reason = "supplier outage",
                RequestId = Guid.NewGuid().ToString(),
            }, Rpc);
            var running = await PendingAsync(handle);
            Assert.True(running.Paused);
            Assert.Equal(PendingActivityState.PauseRequested, running.State);
            Assert.Equal("supplier outage", running.PauseInfo.Manual.Reason);
            Assert.Equal("operator-1", running.PauseInfo.Manual.Identity);

            // The running attempt may still report: it fails, and its retry (due at once) is held.
            await first.FailAsync(new ApplicationFailureException("transient"), new() { Rpc = Rpc });
            var held = await Eventually.UntilAsync(() => PendingAsync(handle), p => p.State == PendingActivityState.Paused, "the retry to be held", cancellationToken: Deadline);
            Assert.Equal(2, held.Attempt);
            await ProbeAsync();
            Assert.Single(Attempts(handle.Id));

            await Service.UnpauseActivityAsync(new UnpauseActivityRequest
            {
                Namespace = Client.Options.Namespace,
                Execution = Ref(handle),
                Id = HeldActivityWorkflow.ActivityId,
                ResetAttempts = true,
                Jitter = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)),
            }, Rpc);
            var second = await TokenAsync(handle.Id, 2);
            Assert.StartsWith("attempt:1:", Attempts(handle.Id)[1], StringComparison.Ordinal);
            var resumed = await PendingAsync(handle);
            Assert.False(resumed.Paused);
            Assert.Equal(PendingActivityState.Started, resumed.State);

            await second.CompleteAsync("done", new() { Rpc = Rpc });
            Assert.Equal("done", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            var started = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList().Single(e => e.EventType == EventType.ActivityTaskStarted);
            Assert.Equal(1, started.ActivityTaskStartedEventAttributes.Attempt);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_scheduled_activity_paused_by_type_is_not_dispatched_until_unpaused()
    {
        var activityQueue = TaskQueue + "-activities";
        var workflows = WorkerOptions().AddWorkflow<HeldActivityWorkflow>().AddWorkflow<ProbeWorkflow>();
        await WithWorkerAsync(workflows, async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(activityQueue), Options("pause-scheduled"));
            await Eventually.UntilAsync(() => PendingOrNullAsync(handle), p => p is not null, "the activity to be scheduled", cancellationToken: Deadline);
            await Service.PauseActivityAsync(new PauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Type = "Hold", Reason = "hold it" }, Rpc);
            Assert.Equal(PendingActivityState.Paused, (await PendingAsync(handle)).State);

            await WithActivityWorkerAsync(activityQueue, async () =>
            {
                await ProbeAsync(activityQueue);
                Assert.Empty(Attempts(handle.Id));

                await Service.UnpauseActivityAsync(new UnpauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), UnpauseAll = true }, Rpc);
                var token = await TokenAsync(handle.Id, 1);
                await token.CompleteAsync("released", new() { Rpc = Rpc });
                Assert.Equal("released", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Resetting_a_paused_activity_dispatches_attempt_one_with_or_without_its_heartbeat_details()
    {
        await WithWorkerAsync(HeldWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(TaskQueue), Options("reset-activity"));
            var first = await TokenAsync(handle.Id, 1);
            await first.HeartbeatAsync(new() { Details = ["progress-1"], Rpc = Rpc });
            await Service.PauseActivityAsync(new PauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Id = HeldActivityWorkflow.ActivityId }, Rpc);
            await first.FailAsync(new ApplicationFailureException("transient"), new() { Rpc = Rpc });
            await Eventually.UntilAsync(() => PendingAsync(handle), p => p.State == PendingActivityState.Paused && p.Attempt == 2, "the retry to be held", cancellationToken: Deadline);

            // Kept paused: only the attempt count starts over.
            await Service.ResetActivityAsync(new ResetActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Id = HeldActivityWorkflow.ActivityId, KeepPaused = true }, Rpc);
            var kept = await PendingAsync(handle);
            Assert.Equal((1, true, PendingActivityState.Paused), (kept.Attempt, kept.Paused, kept.State));
            await ProbeAsync();
            Assert.Single(Attempts(handle.Id));

            // Unpaused by the reset: attempt 1 runs at once with the details kept.
            await Service.ResetActivityAsync(new ResetActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Id = HeldActivityWorkflow.ActivityId }, Rpc);
            var second = await TokenAsync(handle.Id, 2);
            Assert.StartsWith("attempt:1:details:progress-1:", Attempts(handle.Id)[1], StringComparison.Ordinal);

            // A reset of the running attempt with reset_heartbeat: the next attempt is the second, without details.
            await Service.ResetActivityAsync(new ResetActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), MatchAll = true, ResetHeartbeat = true }, Rpc);
            Assert.Equal(1, (await PendingAsync(handle)).Attempt);
            await second.FailAsync(new ApplicationFailureException("transient again"), new() { Rpc = Rpc });
            var third = await TokenAsync(handle.Id, 3);
            Assert.StartsWith("attempt:2:details:none:", Attempts(handle.Id)[2], StringComparison.Ordinal);
            await third.CompleteAsync("after resets", new() { Rpc = Rpc });
            Assert.Equal("after resets", await handle.GetResultAsync<string>(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Updated_options_move_a_waiting_activity_to_another_queue_with_new_timeouts_and_can_be_restored()
    {
        var unpolled = TaskQueue + "-nobody";
        var polled = TaskQueue + "-activities";
        await WithWorkerAsync(WorkerOptions().AddWorkflow<HeldActivityWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(unpolled), Options("update-options"));
            await Eventually.UntilAsync(() => PendingOrNullAsync(handle), p => p is not null, "the activity to be scheduled", cancellationToken: Deadline);

            var noMask = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateActivityOptionsAsync(new UpdateActivityOptionsRequest
            {
                Namespace = Client.Options.Namespace, Execution = Ref(handle), Id = HeldActivityWorkflow.ActivityId, ActivityOptions = new ActivityOptions(),
            }, Rpc));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, noMask.Code);

            var retry = new RetryPolicy { MaximumAttempts = 7, InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)) };
            var updated = await Service.UpdateActivityOptionsAsync(new UpdateActivityOptionsRequest
            {
                Namespace = Client.Options.Namespace,
                Execution = Ref(handle),
                Id = HeldActivityWorkflow.ActivityId,
                ActivityOptions = new ActivityOptions
                {
                    TaskQueue = new() { Name = unpolled + "-elsewhere" },
                    StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(42)),
                    RetryPolicy = retry,
                    Priority = new() { PriorityKey = 3, FairnessKey = "not-in-the-mask" },
                },
                UpdateMask = new FieldMask { Paths = { "task_queue.name", "start_to_close_timeout", "retry_policy.maximum_attempts", "priority.priority_key" } },
            }, Rpc);
            Assert.Equal(unpolled + "-elsewhere", updated.ActivityOptions.TaskQueue.Name);
            Assert.Equal(42, updated.ActivityOptions.StartToCloseTimeout.Seconds);
            Assert.Equal(7, updated.ActivityOptions.RetryPolicy.MaximumAttempts);
            Assert.Equal(TimeSpan.FromMilliseconds(1), updated.ActivityOptions.RetryPolicy.InitialInterval.ToTimeSpan()); // not in the mask: unchanged
            Assert.Equal((3, string.Empty), (updated.ActivityOptions.Priority.PriorityKey, updated.ActivityOptions.Priority.FairnessKey)); // one sub-field, as Temporal's merge
            var described = await PendingAsync(handle);
            Assert.Equal(updated.ActivityOptions, described.ActivityOptions);
            Assert.Equal(7, described.MaximumAttempts);

            var restored = await Service.UpdateActivityOptionsAsync(new UpdateActivityOptionsRequest
            {
                Namespace = Client.Options.Namespace, Execution = Ref(handle), MatchAll = true, RestoreOriginal = true,
            }, Rpc);
            Assert.Equal(unpolled, restored.ActivityOptions.TaskQueue.Name);
            Assert.Equal(30, restored.ActivityOptions.StartToCloseTimeout.Seconds);

            await Service.UpdateActivityOptionsAsync(new UpdateActivityOptionsRequest
            {
                Namespace = Client.Options.Namespace,
                Execution = Ref(handle),
                Type = "Hold",
                ActivityOptions = new ActivityOptions { TaskQueue = new() { Name = polled }, StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(42)) },
                UpdateMask = new FieldMask { Paths = { "taskQueue.name", "startToCloseTimeout" } },
            }, Rpc);
            await WithActivityWorkerAsync(polled, async () =>
            {
                var token = await TokenAsync(handle.Id, 1);
                Assert.Equal($"attempt:1:details:none:queue:{polled}:stc:42", Attempts(handle.Id)[0]);
                await token.CompleteAsync("moved", new() { Rpc = Rpc });
                Assert.Equal("moved", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_operations_refuse_unknown_activities_closed_workflows_and_a_second_pause()
    {
        await WithWorkerAsync(HeldWorker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(TaskQueue), Options("activity-refusals"));
            var token = await TokenAsync(handle.Id, 1);

            var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.PauseActivityAsync(new PauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Id = "nope" }, Rpc));
            Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);

            var pause = new PauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Id = HeldActivityWorkflow.ActivityId, RequestId = "pause-1" };
            await Service.PauseActivityAsync(pause, Rpc);
            await Service.PauseActivityAsync(pause, Rpc); // the same request again: no-op
            pause.RequestId = "pause-2";
            var again = await Assert.ThrowsAsync<RpcException>(() => Service.PauseActivityAsync(pause, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, again.Code);

            await token.CompleteAsync("finished while paused", new() { Rpc = Rpc });
            Assert.Equal("finished while paused", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            var closed = await Assert.ThrowsAsync<RpcException>(() => Service.ResetActivityAsync(new ResetActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), MatchAll = true }, Rpc));
            Assert.Equal(RpcException.StatusCode.NotFound, closed.Code);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_heartbeating_activity_hears_of_its_pause_and_its_attempt_is_held()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<WorkflowWithLongActivity>().AddActivity(TestActivities.HeartbeatUntilCancelledAsync), async () =>
        {
            var handle = await Client.StartWorkflowAsync((WorkflowWithLongActivity wf) => wf.RunAsync(0), Options("pause-heartbeat"));
            await Eventually.UntilAsync(() => ActivityJournal.For(handle.Id).Contains("started"), "the activity to start", cancellationToken: Deadline);

            await Service.PauseActivityAsync(new PauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Type = "HeartbeatUntilCancelled" }, Rpc);

            await Eventually.UntilAsync(() => ActivityJournal.For(handle.Id).Any(e => e.StartsWith("cancelled:", StringComparison.Ordinal)), "the worker to hear of the pause", cancellationToken: Deadline);
            var held = await Eventually.UntilAsync(() => PendingAsync(handle), p => p.State == PendingActivityState.Paused, "the attempt to end and its retry to be held", cancellationToken: Deadline);
            // The SDK cancels the attempt (reason Paused) and reports the failure Temporal's workers report.
            Assert.Contains("cancelled:Paused", ActivityJournal.For(handle.Id));
            Assert.Equal(2, held.Attempt);
            Assert.Equal("ActivityPause", held.LastFailure.ApplicationFailureInfo.Type);

            await Service.UnpauseActivityAsync(new UnpauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Type = "HeartbeatUntilCancelled" }, Rpc);
            await Eventually.UntilAsync(() => ActivityJournal.For(handle.Id).Count(e => e == "started") == 2, "the held attempt to run once unpaused", cancellationToken: Deadline);
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_paused_activitys_failed_attempt_is_held_even_past_its_maximum_attempts()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<WorkflowWithLongActivity>().AddActivity(TestActivities.HeartbeatUntilCancelledAsync), async () =>
        {
            var handle = await Client.StartWorkflowAsync((WorkflowWithLongActivity wf) => wf.RunAsync(1), Options("pause-single-attempt"));
            await Eventually.UntilAsync(() => ActivityJournal.For(handle.Id).Contains("started"), "the activity to start", cancellationToken: Deadline);

            await Service.PauseActivityAsync(new PauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Type = "HeartbeatUntilCancelled" }, Rpc);

            // The attempt ends with the pause; one attempt was allowed, yet the activity stays, as in Temporal.
            var held = await Eventually.UntilAsync(() => PendingOrNullAsync(handle), p => p is null || p.State == PendingActivityState.Paused, "the attempt to end", cancellationToken: Deadline);
            Assert.NotNull(held);
            Assert.Equal(2, held.Attempt);
            Assert.DoesNotContain((await handle.FetchHistoryAsync(HistoryRpc)).Events, e => e.EventType == Temporalio.Api.Enums.V1.EventType.ActivityTaskFailed);

            await Service.UnpauseActivityAsync(new UnpauseActivityRequest { Namespace = Client.Options.Namespace, Execution = Ref(handle), Type = "HeartbeatUntilCancelled" }, Rpc);
            await Eventually.UntilAsync(() => ActivityJournal.For(handle.Id).Count(e => e == "started") == 2, "the held attempt to run once unpaused", cancellationToken: Deadline);
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_commands_by_activity_id_act_on_a_workflows_activity_and_refuse_a_standalone_one_as_Temporal_does_by_default()
    {
        var activityQueue = TaskQueue + "-by-id";
        var ns = Client.Options.Namespace;
        await WithWorkerAsync(WorkerOptions().AddWorkflow<HeldActivityWorkflow>().AddWorkflow<ProbeWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(activityQueue), Options("by-activity-id"));
            await Eventually.UntilAsync(() => PendingOrNullAsync(handle), p => p is not null, "the activity to be scheduled", cancellationToken: Deadline);

            await Service.PauseActivityExecutionAsync(new() { Namespace = ns, WorkflowId = handle.Id, ActivityId = HeldActivityWorkflow.ActivityId, Reason = "by id" }, Rpc);
            Assert.Equal(PendingActivityState.Paused, (await PendingAsync(handle)).State);

            var updated = await Service.UpdateActivityExecutionOptionsAsync(new()
            {
                Namespace = ns,
                WorkflowId = handle.Id,
                ActivityId = HeldActivityWorkflow.ActivityId,
                ActivityOptions = new() { HeartbeatTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(7)) },
                UpdateMask = new() { Paths = { "heartbeat_timeout" } },
            }, Rpc);
            Assert.Equal(TimeSpan.FromSeconds(7), updated.ActivityOptions.HeartbeatTimeout.ToTimeSpan());

            await Service.ResetActivityExecutionAsync(new() { Namespace = ns, WorkflowId = handle.Id, ActivityId = HeldActivityWorkflow.ActivityId, KeepPaused = true }, Rpc);
            Assert.Equal((1, PendingActivityState.Paused), ((await PendingAsync(handle)).Attempt, (await PendingAsync(handle)).State));

            await WithActivityWorkerAsync(activityQueue, async () =>
            {
                await Service.UnpauseActivityExecutionAsync(new() { Namespace = ns, WorkflowId = handle.Id, ActivityId = HeldActivityWorkflow.ActivityId }, Rpc);
                var token = await TokenAsync(handle.Id, 1);
                await token.CompleteAsync("released by id", new() { Rpc = Rpc });
                Assert.Equal("released by id", await handle.GetResultAsync<string>(rpcOptions: Rpc));
            });
        });

        // No workflow ID: a standalone activity's operator commands, which Temporal keeps off by default.
        foreach (var command in new Func<Task>[]
        {
            () => Service.PauseActivityExecutionAsync(new() { Namespace = ns, ActivityId = "standalone" }, Rpc),
            () => Service.UnpauseActivityExecutionAsync(new() { Namespace = ns, ActivityId = "standalone" }, Rpc),
            () => Service.ResetActivityExecutionAsync(new() { Namespace = ns, ActivityId = "standalone" }, Rpc),
            () => Service.UpdateActivityExecutionOptionsAsync(new() { Namespace = ns, ActivityId = "standalone" }, Rpc),
        })
        {
            var standalone = await Assert.ThrowsAsync<RpcException>(command);
            Assert.Equal((RpcException.StatusCode.Unimplemented, "Standalone activity operator commands are disabled"), (standalone.Code, standalone.Message));
        }

        var noMask = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateActivityExecutionOptionsAsync(
            new() { Namespace = ns, WorkflowId = "w", ActivityId = "a", ActivityOptions = new() }, Rpc));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "UpdateMask is not provided"), (noMask.Code, noMask.Message));
        var badRun = await Assert.ThrowsAsync<RpcException>(() => Service.ResetActivityExecutionAsync(new() { Namespace = ns, WorkflowId = "w", ActivityId = "a", RunId = "not-a-uuid" }, Rpc));
        Assert.Equal("invalid run id: must be a valid UUID", badRun.Message);
    }

    private TemporalWorkerOptions HeldWorker() =>
        WorkerOptions().AddWorkflow<HeldActivityWorkflow>().AddWorkflow<ProbeWorkflow>()
            .AddActivity(OperatorActivities.HoldAsync).AddActivity(TestActivities.Greet);

    private async Task WithActivityWorkerAsync(string queue, Func<Task> body)
    {
        var options = new TemporalWorkerOptions(queue).AddActivity(OperatorActivities.HoldAsync).AddActivity(TestActivities.Greet);
        using var worker = new TemporalWorker(Client, options);
        await worker.ExecuteAsync(body, Deadline);
    }

    /// <summary>A greeting whose activity goes through <paramref name="activityQueue"/> (default: the test's queue) after the held task.</summary>
    private async Task ProbeAsync(string? activityQueue = null)
    {
        var probe = await Client.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync(activityQueue ?? TaskQueue), Options("probe"));
        Assert.Equal("Hello, probe!", await probe.GetResultAsync(rpcOptions: Rpc));
    }

    private static IReadOnlyList<string> Attempts(string workflowId) =>
        ActivityJournal.For(workflowId).Where(e => e.StartsWith("attempt:", StringComparison.Ordinal)).ToList();

    /// <summary>The async-completion handle of the <paramref name="count"/>th attempt handed to a worker.</summary>
    private async Task<AsyncActivityHandle> TokenAsync(string workflowId, int count)
    {
        var tokens = await Eventually.UntilAsync(
            () => Task.FromResult(ActivityJournal.For(workflowId).Where(e => e.StartsWith("token:", StringComparison.Ordinal)).ToList()),
            t => t.Count >= count, $"attempt {count} to reach a worker", cancellationToken: Deadline);
        Assert.Equal(count, tokens.Count);
        return Client.GetAsyncActivityHandle(Convert.FromBase64String(tokens[count - 1]["token:".Length..]));
    }

    private async Task<PendingActivityInfo> PendingAsync(WorkflowHandle handle) =>
        await PendingOrNullAsync(handle) ?? throw new InvalidOperationException("no pending activity");

    private async Task<PendingActivityInfo?> PendingOrNullAsync(WorkflowHandle handle) =>
        (await DescribeRawAsync(handle.Id, handle.ResultRunId!)).PendingActivities.SingleOrDefault();

    private static Temporalio.Api.Common.V1.WorkflowExecution Ref(WorkflowHandle handle) => new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? string.Empty };
}
