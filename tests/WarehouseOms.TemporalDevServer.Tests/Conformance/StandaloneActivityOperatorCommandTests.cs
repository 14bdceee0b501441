using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using TaskQueue = Temporalio.Api.TaskQueue.V1.TaskQueue;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// The operator commands on standalone activities, with <c>history.enableStandaloneActivityOperatorCommands=true</c>
/// (ADR 0051): a pause holds a waiting attempt or retry and is told to a running attempt on its heartbeat; unpause
/// dispatches what was held; a reset restarts at attempt 1, at once or when the running attempt ends; an options update
/// moves the activity and re-times it; Temporal's refusals. Attempts are taken by hand (raw polls, heartbeats and
/// failures), so what the server hands out, and when, is seen exactly.
/// </summary>
[Collection(StandaloneActivityOperatorCommandsCollection.Name)]
public sealed class StandaloneActivityOperatorCommandTests(StandaloneActivityOperatorCommandsEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private static readonly RetryPolicy RetryAfterASecond = new() { InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), BackoffCoefficient = 1 };

    private WorkflowService Service => Client.Connection.WorkflowService;

    private string Namespace => Client.Options.Namespace;

    private RawWorker Raw => new(Client, Rpc);

    private static Duration Seconds(double seconds) => Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds));

    /// <summary>Starts an activity no worker runs until the test polls for it.</summary>
    private async Task<string> StartAsync(string prefix, RetryPolicy? retry = null, TimeSpan? scheduleToClose = null)
    {
        var id = $"{prefix}-{Guid.NewGuid():N}";
        await Service.StartActivityExecutionAsync(new()
        {
            Namespace = Namespace,
            ActivityId = id,
            ActivityType = new ActivityType { Name = "Echo" },
            TaskQueue = new TaskQueue { Name = TaskQueue },
            StartToCloseTimeout = Seconds(30),
            ScheduleToCloseTimeout = scheduleToClose is { } limit ? Duration.FromTimeSpan(limit) : null,
            RetryPolicy = retry,
            RequestId = Guid.NewGuid().ToString(),
        }, Rpc);
        return id;
    }

    private Task PauseAsync(string id, string requestId = "") =>
        Service.PauseActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = id, Identity = "operator", Reason = "hold on", RequestId = requestId }, Rpc);

    private Task UnpauseAsync(string id, string requestId = "") =>
        Service.UnpauseActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = id, Identity = "operator", RequestId = requestId }, Rpc);

    private Task ResetAsync(string id, bool keepPaused = false, bool resetHeartbeat = false) =>
        Service.ResetActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = id, KeepPaused = keepPaused, ResetHeartbeat = resetHeartbeat }, Rpc);

    private Task<UpdateActivityExecutionOptionsResponse> UpdateAsync(string id, ActivityOptions options, params string[] paths) =>
        UpdateAsync(new() { Namespace = Namespace, ActivityId = id, ActivityOptions = options, UpdateMask = new() { Paths = { paths } } });

    private Task<UpdateActivityExecutionOptionsResponse> UpdateAsync(UpdateActivityExecutionOptionsRequest request) =>
        Service.UpdateActivityExecutionOptionsAsync(request, Rpc);

    private Task CancelAsync(string id) =>
        Service.RequestCancelActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = id, Reason = "no longer wanted" }, Rpc);

    private Task TerminateAsync(string id) =>
        Service.TerminateActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = id, Reason = "test over" }, Rpc);

    private async Task<ActivityExecutionInfo> InfoAsync(string id) =>
        (await Service.DescribeActivityExecutionAsync(
            new() { Namespace = Namespace, ActivityId = id, IncludeLastFailure = true, IncludeHeartbeatDetails = true }, Rpc)).Info;

    private Task<PollActivityTaskQueueResponse> PollAsync(string? queue = null) => Raw.PollActivityAsync(queue ?? TaskQueue);

    /// <summary>A poll of a few seconds: the task handed out in them, or null.</summary>
    private async Task<PollActivityTaskQueueResponse?> PollBrieflyAsync(string? queue = null)
    {
        try
        {
            var task = await Service.PollActivityTaskQueueAsync(
                new() { Namespace = Namespace, TaskQueue = new TaskQueue { Name = queue ?? TaskQueue, Kind = TaskQueueKind.Normal }, Identity = RawWorker.Identity },
                new RpcOptions { Timeout = TimeSpan.FromSeconds(3), Retry = false, CancellationToken = Deadline });
            return task.TaskToken.IsEmpty ? null : task;
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.DeadlineExceeded)
        {
            return null;
        }
    }

    private Task<RecordActivityTaskHeartbeatResponse> HeartbeatAsync(PollActivityTaskQueueResponse task, string? details = null)
    {
        var request = new RecordActivityTaskHeartbeatRequest { Namespace = Namespace, TaskToken = task.TaskToken, Identity = RawWorker.Identity };
        if (details is not null)
        {
            request.Details = new Payloads { Payloads_ = { Temporalio.Converters.DataConverter.Default.PayloadConverter.ToPayload(details) } };
        }

        return Service.RecordActivityTaskHeartbeatAsync(request, Rpc);
    }

    private Task FailAsync(PollActivityTaskQueueResponse task, bool nonRetryable = false) =>
        Service.RespondActivityTaskFailedAsync(new()
        {
            Namespace = Namespace,
            TaskToken = task.TaskToken,
            Identity = RawWorker.Identity,
            Failure = new Failure { Message = "attempt failed", ApplicationFailureInfo = new ApplicationFailureInfo { Type = "Transient", NonRetryable = nonRetryable } },
        }, Rpc);

    private static async Task<(RpcException.StatusCode Code, string Message)> RefusalAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        return (refused.Code, refused.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeNamespace_ReportsTheOperatorCommands()
    {
        var ns = (await Service.DescribeNamespaceAsync(new() { Namespace = Namespace }, Rpc)).NamespaceInfo;

        Assert.True(ns.Capabilities.StandaloneActivities && ns.Capabilities.StandaloneActivityOperatorCommands);
    }

    // ---- pause and unpause ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Pause_OfAWaitingActivity_HoldsIt_DescribeAndListShowItPaused_AndUnpauseRunsIt()
    {
        var options = new StartActivityOptions($"pause-waiting-{Guid.NewGuid():N}", TaskQueue) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(50), Rpc = Rpc };
        var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("held"), options);

        await PauseAsync(handle.Id);

        var paused = await InfoAsync(handle.Id);
        Assert.Equal((ActivityExecutionStatus.Paused, PendingActivityState.Paused, 1), (paused.Status, paused.RunState, paused.Attempt));
        Assert.Null(paused.NextAttemptScheduleTime);
        Assert.Equal(1, (await Client.CountActivitiesAsync($"ActivityId = '{handle.Id}' AND ExecutionStatus = 'Paused'", new() { Rpc = Rpc })).Count);
        var (attemptsWhilePaused, result) = await WithWorkerAsync(WorkerOptions().AddActivity(StandaloneActivities.EchoAsync), async () =>
        {
            // The scenario, not a synchronisation: a worker polls a while, and is handed nothing.
            await Task.Delay(TimeSpan.FromSeconds(2), Deadline);
            var attempts = ActivityJournal.For(handle.Id).Count;
            await UnpauseAsync(handle.Id);
            return (attempts, await handle.GetResultAsync(Rpc));
        });

        Assert.Equal((0, "echo:held"), (attemptsWhilePaused, result));
        Assert.Equal(["attempt:1"], ActivityJournal.For(handle.Id));
        Assert.Equal(ActivityExecutionStatus.Completed, (await InfoAsync(handle.Id)).Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Pause_DuringARetryBackoff_HoldsTheRetry_AndUnpauseDispatchesIt()
    {
        var id = await StartAsync("pause-retry", RetryAfterASecond);
        await FailAsync(await PollAsync());

        await PauseAsync(id);

        Assert.Null(await PollBrieflyAsync()); // well past the one-second backoff
        var held = await InfoAsync(id);
        Assert.Equal((ActivityExecutionStatus.Paused, PendingActivityState.Paused, 2, "attempt failed"), (held.Status, held.RunState, held.Attempt, held.LastFailure.Message));
        Assert.Null(held.NextAttemptScheduleTime);
        await UnpauseAsync(id);
        var retry = await PollAsync();
        Assert.Equal(2, retry.Attempt);
        await Raw.CompleteActivityAsync(retry.TaskToken);
        Assert.Equal(ActivityExecutionStatus.Completed, (await InfoAsync(id)).Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Pause_OfARunningAttempt_IsToldOnItsHeartbeat_ItsRetryIsHeld_AndUnpauseRunsTheNextAttempt()
    {
        var id = await StartAsync("pause-running", RetryAfterASecond);
        var first = await PollAsync();

        await PauseAsync(id);

        var requested = await InfoAsync(id);
        Assert.Equal((ActivityExecutionStatus.Running, PendingActivityState.PauseRequested), (requested.Status, requested.RunState));
        var beat = await HeartbeatAsync(first);
        Assert.Equal((true, false, false), (beat.ActivityPaused, beat.CancelRequested, beat.ActivityReset));
        await FailAsync(first);
        var held = await InfoAsync(id);
        Assert.Equal((ActivityExecutionStatus.Paused, PendingActivityState.Paused, 2), (held.Status, held.RunState, held.Attempt));
        Assert.Null(await PollBrieflyAsync());
        await UnpauseAsync(id);
        Assert.Equal(2, (await PollAsync()).Attempt);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Unpause_OfARunningAttempt_ClearsTheRequest_AndACancel_TakesThePlaceOfAPause()
    {
        var id = await StartAsync("unpause-running");
        var task = await PollAsync();
        await PauseAsync(id);

        await UnpauseAsync(id);

        Assert.Equal(PendingActivityState.Started, (await InfoAsync(id)).RunState);
        Assert.False((await HeartbeatAsync(task)).ActivityPaused);
        await PauseAsync(id);
        await CancelAsync(id);
        var beat = await HeartbeatAsync(task);
        Assert.Equal((true, false), (beat.CancelRequested, beat.ActivityPaused));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-unpausable state CancelRequested"), await RefusalAsync(() => UnpauseAsync(id)));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-pausable state CancelRequested"), await RefusalAsync(() => PauseAsync(id)));

        // No attempt running: a paused activity is canceled at once.
        var waiting = await StartAsync("cancel-paused");
        await PauseAsync(waiting);
        await CancelAsync(waiting);
        Assert.Equal(ActivityExecutionStatus.Canceled, (await InfoAsync(waiting)).Status);
    }

    // ---- reset ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Reset_OfAnActivityWaitingForItsRetry_DispatchesAttemptOneAtOnce_AndDropsTheHeartbeatWhenAsked()
    {
        var id = await StartAsync("reset-waiting", new RetryPolicy { InitialInterval = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), BackoffCoefficient = 1 });
        var first = await PollAsync();
        await HeartbeatAsync(first, "checkpoint");
        await FailAsync(first);
        var waiting = await InfoAsync(id);
        Assert.Equal((PendingActivityState.Scheduled, 2, TimeSpan.FromMinutes(10)), (waiting.RunState, waiting.Attempt, waiting.CurrentRetryInterval.ToTimeSpan()));

        await ResetAsync(id, resetHeartbeat: true);

        var again = await PollBrieflyAsync();
        Assert.NotNull(again);
        Assert.Equal(1, again.Attempt);
        Assert.Null(again.HeartbeatDetails);
        var info = await InfoAsync(id);
        Assert.Equal((1, PendingActivityState.Started), (info.Attempt, info.RunState));
        Assert.Null(info.HeartbeatDetails);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Reset_OfARunningAttempt_WaitsForItsWorker_ThenAttemptOne_EvenAfterANonRetryableFailure()
    {
        var id = await StartAsync("reset-running", RetryAfterASecond);
        await FailAsync(await PollAsync());
        var second = await PollAsync();
        Assert.Equal(2, second.Attempt);

        await ResetAsync(id);

        var info = await InfoAsync(id);
        Assert.Equal((PendingActivityState.Started, 2), (info.RunState, info.Attempt));
        var beat = await HeartbeatAsync(second);
        Assert.Equal((true, false), (beat.ActivityReset, beat.ActivityPaused));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "cannot reset an activity with a pending reset"), await RefusalAsync(() => ResetAsync(id)));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-pausable state ResetRequested"), await RefusalAsync(() => PauseAsync(id)));
        Assert.Equal(
            (RpcException.StatusCode.FailedPrecondition, "Cannot update options for activity in state ResetRequested"),
            await RefusalAsync(() => UpdateAsync(id, new ActivityOptions { HeartbeatTimeout = Seconds(5) }, "heartbeat_timeout")));
        await FailAsync(second, nonRetryable: true);
        var restarted = await PollBrieflyAsync();
        Assert.NotNull(restarted);
        Assert.Equal(1, restarted.Attempt);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Reset_KeepPaused_OfAPausedRunningAttempt_LandsPausedAtAttemptOne()
    {
        var id = await StartAsync("reset-keep-paused", RetryAfterASecond);
        await FailAsync(await PollAsync());
        var second = await PollAsync();
        await PauseAsync(id);

        await ResetAsync(id, keepPaused: true);

        Assert.Equal(PendingActivityState.PauseRequested, (await InfoAsync(id)).RunState);
        var beat = await HeartbeatAsync(second);
        Assert.Equal((true, false), (beat.ActivityReset, beat.ActivityPaused));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-unpausable state ResetRequested"), await RefusalAsync(() => UnpauseAsync(id)));
        await FailAsync(second);
        var held = await InfoAsync(id);
        Assert.Equal((ActivityExecutionStatus.Paused, PendingActivityState.Paused, 1), (held.Status, held.RunState, held.Attempt));
        await UnpauseAsync(id);
        Assert.Equal(1, (await PollAsync()).Attempt);
    }

    // ---- options ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateOptions_MovesTheActivityToAnotherQueue_AndNewTimeoutsApplyToTheRunningAttempt()
    {
        var id = await StartAsync("update-queue", new RetryPolicy { MaximumAttempts = 1 }, scheduleToClose: TimeSpan.FromSeconds(50));
        var moved = $"{TaskQueue}-moved";

        var answer = (await UpdateAsync(
            id, new ActivityOptions { TaskQueue = new TaskQueue { Name = moved }, StartToCloseTimeout = Seconds(20), HeartbeatTimeout = Seconds(10) },
            "task_queue.name", "start_to_close_timeout", "heartbeat_timeout")).ActivityOptions;

        Assert.Equal((moved, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(50)),
            (answer.TaskQueue.Name, answer.StartToCloseTimeout.ToTimeSpan(), answer.HeartbeatTimeout.ToTimeSpan(), answer.ScheduleToCloseTimeout.ToTimeSpan()));
        Assert.Equal(moved, (await InfoAsync(id)).TaskQueue);
        Assert.Null(await PollBrieflyAsync()); // the old queue's copy went stale
        var task = await PollAsync(moved);
        Assert.Equal((TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10)), (task.StartToCloseTimeout.ToTimeSpan(), task.HeartbeatTimeout.ToTimeSpan()));

        // The running attempt keeps its task token through an update, and its timers follow the new timeouts.
        await UpdateAsync(id, new ActivityOptions { HeartbeatTimeout = Seconds(15) }, "heartbeatTimeout");
        await HeartbeatAsync(task);
        await UpdateAsync(id, new ActivityOptions { StartToCloseTimeout = Seconds(1) }, "startToCloseTimeout", "heartbeatTimeout");
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Client.GetActivityHandle(id).GetResultAsync(Rpc));
        Assert.Equal(TimeoutType.StartToClose, Assert.IsType<TimeoutFailureException>(error.InnerException).TimeoutType);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateOptions_OfTheRetryPolicy_MovesAWaitingRetry()
    {
        var id = await StartAsync("update-retry", new RetryPolicy { InitialInterval = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), BackoffCoefficient = 1 });
        await FailAsync(await PollAsync());
        Assert.Equal(TimeSpan.FromMinutes(10), (await InfoAsync(id)).CurrentRetryInterval.ToTimeSpan());

        var answer = await UpdateAsync(id, new ActivityOptions { RetryPolicy = new RetryPolicy { InitialInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(10)) } }, "retry_policy.initial_interval");

        Assert.Equal(TimeSpan.FromMilliseconds(10), answer.ActivityOptions.RetryPolicy.InitialInterval.ToTimeSpan());
        var retry = await PollBrieflyAsync();
        Assert.NotNull(retry);
        Assert.Equal(2, retry.Attempt);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateOptions_WhilePaused_AShorterScheduleToClose_TimesItOut()
    {
        var id = await StartAsync("update-paused", scheduleToClose: TimeSpan.FromSeconds(50));
        await PauseAsync(id);

        await UpdateAsync(id, new ActivityOptions { ScheduleToCloseTimeout = Seconds(1) }, "schedule_to_close_timeout");

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Client.GetActivityHandle(id).GetResultAsync(Rpc));
        Assert.Equal(TimeoutType.ScheduleToClose, Assert.IsType<TimeoutFailureException>(error.InnerException).TimeoutType);
        Assert.Equal(ActivityExecutionStatus.TimedOut, (await InfoAsync(id)).Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RestoringTheOriginalOptions_ByUpdateOrByReset_BringsBackTheStartOptions()
    {
        var id = await StartAsync("restore");
        await UpdateAsync(id, new ActivityOptions { StartToCloseTimeout = Seconds(7) }, "start_to_close_timeout");

        var restored = await UpdateAsync(new() { Namespace = Namespace, ActivityId = id, RestoreOriginal = true });

        Assert.Equal(TimeSpan.FromSeconds(30), restored.ActivityOptions.StartToCloseTimeout.ToTimeSpan());
        await UpdateAsync(id, new ActivityOptions { StartToCloseTimeout = Seconds(7) }, "start_to_close_timeout");
        await Service.ResetActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = id, RestoreOriginalOptions = true }, Rpc);
        var task = await PollAsync();
        Assert.Equal((1, TimeSpan.FromSeconds(30)), (task.Attempt, task.StartToCloseTimeout.ToTimeSpan()));
    }

    // ---- refusals and repeats ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Commands_RefuseUnknownAndClosedActivities_AndBadRequests_AsTemporalDoes()
    {
        var unknown = $"unknown-{Guid.NewGuid():N}";
        var notFound = (RpcException.StatusCode.NotFound, $"activity not found for ID: {unknown}");
        Assert.Equal(notFound, await RefusalAsync(() => PauseAsync(unknown)));
        Assert.Equal(notFound, await RefusalAsync(() => UnpauseAsync(unknown)));
        Assert.Equal(notFound, await RefusalAsync(() => ResetAsync(unknown)));
        Assert.Equal(notFound, await RefusalAsync(() => UpdateAsync(unknown, new ActivityOptions { HeartbeatTimeout = Seconds(5) }, "heartbeat_timeout")));

        var closed = await StartAsync("closed");
        await TerminateAsync(closed);
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-pausable state Terminated"), await RefusalAsync(() => PauseAsync(closed)));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in terminal state Terminated"), await RefusalAsync(() => UnpauseAsync(closed)));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity execution is not running"), await RefusalAsync(() => ResetAsync(closed)));
        Assert.Equal(
            (RpcException.StatusCode.FailedPrecondition, "Cannot update options for activity in state Terminated"),
            await RefusalAsync(() => UpdateAsync(closed, new ActivityOptions { HeartbeatTimeout = Seconds(5) }, "heartbeat_timeout")));

        var running = await StartAsync("states");
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-unpausable state Scheduled"), await RefusalAsync(() => UnpauseAsync(running)));
        Assert.Equal(
            (RpcException.StatusCode.FailedPrecondition, "cannot update start_delay: the first activity attempt has already been dispatched"),
            await RefusalAsync(() => UpdateAsync(running, new ActivityOptions { StartDelay = Seconds(5) }, "start_delay")));
        await PauseAsync(running);
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in non-pausable state Paused"), await RefusalAsync(() => PauseAsync(running)));

        var invalid = RpcException.StatusCode.InvalidArgument;
        Assert.Equal((invalid, "activity ID is required"), await RefusalAsync(() => PauseAsync(string.Empty)));
        Assert.Equal((invalid, "invalid run id: must be a valid UUID"),
            await RefusalAsync(() => Service.UnpauseActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = running, RunId = "not-a-uuid" }, Rpc)));
        Assert.Equal((invalid, "invalid jitter: negative duration"),
            await RefusalAsync(() => Service.ResetActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = running, Jitter = Seconds(-1) }, Rpc)));
        Assert.Equal((invalid, "unsupported update_mask path: \"task_queue\""),
            await RefusalAsync(() => UpdateAsync(running, new ActivityOptions { TaskQueue = new TaskQueue { Name = "elsewhere" } }, "task_queue")));
        Assert.Equal((invalid, "UpdateMask is not provided"),
            await RefusalAsync(() => UpdateAsync(new() { Namespace = Namespace, ActivityId = running, ActivityOptions = new() })));
        Assert.Equal((invalid, "Both UpdateMask and RestoreOriginal are provided"),
            await RefusalAsync(() => UpdateAsync(new() { Namespace = Namespace, ActivityId = running, RestoreOriginal = true, UpdateMask = new() { Paths = { "heartbeat_timeout" } } })));
        await TerminateAsync(running);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RepeatedRequestIds_ChangeNothing_EvenAfterLaterCommands()
    {
        var id = await StartAsync("repeats");
        await PauseAsync(id, requestId: "pause-1");
        await UnpauseAsync(id, requestId: "unpause-1");

        await PauseAsync(id, requestId: "pause-1"); // late: it must not pause again

        Assert.Equal(PendingActivityState.Scheduled, (await InfoAsync(id)).RunState);
        var update = new UpdateActivityExecutionOptionsRequest
        {
            Namespace = Namespace,
            ActivityId = id,
            RequestId = "update-1",
            ActivityOptions = new() { HeartbeatTimeout = Seconds(9) },
            UpdateMask = new() { Paths = { "heartbeat_timeout" } },
        };
        await UpdateAsync(update);
        await TerminateAsync(id);
        var repeated = await UpdateAsync(update); // closed since, yet a repeat answers the options
        Assert.Equal(TimeSpan.FromSeconds(9), repeated.ActivityOptions.HeartbeatTimeout.ToTimeSpan());
    }
}
