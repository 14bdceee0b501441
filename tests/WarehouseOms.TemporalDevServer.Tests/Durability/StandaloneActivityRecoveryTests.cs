using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Standalone activity executions on the PostgreSQL store survive a SIGKILL of the engine: a scheduled one runs when a
/// worker comes after the restart, a closed one still answers (and leaves at the end of its retention), its
/// schedule-to-close and retry timers still fire, and a paused one stays paused, with the options an operator gave it.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class StandaloneActivityRecoveryTests
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact(Timeout = 120_000)]
    public async Task ScheduledActivity_SurvivesAKill_AndRunsWhenAWorkerComesAfterTheRestart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var rpc = new RpcOptions { CancellationToken = deadline.Token };
        var queue = NewId("tq-standalone");
        var handle = await client.StartActivityAsync(
            () => StandaloneActivities.EchoAsync("kept"), new(NewId("standalone-scheduled"), queue) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(90) });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var scheduled = await Retry.WhileUnavailableAsync(() => handle.DescribeAsync(new() { Rpc = rpc }), deadline.Token);
        Assert.Equal((ActivityExecutionStatus.Running, PendingActivityState.Scheduled, 1), (scheduled.Status, scheduled.RunState, scheduled.Attempt));
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddActivity(StandaloneActivities.EchoAsync), deadline.Token);
        Assert.Equal("echo:kept", await Retry.WhileUnavailableAsync(() => handle.GetResultAsync(rpc), deadline.Token));
        Assert.Equal(["attempt:1"], ActivityJournal.For(handle.Id));
    }

    [Fact(Timeout = 120_000)]
    public async Task CompletedActivity_StillAnswersAfterAKill_AndStillHoldsItsId()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var rpc = new RpcOptions { CancellationToken = deadline.Token };
        var queue = NewId("tq-standalone");
        var id = NewId("standalone-completed");
        ActivityHandle<string> handle;
        await using (var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddActivity(StandaloneActivities.EchoAsync), deadline.Token))
        {
            handle = await client.StartActivityAsync(() => StandaloneActivities.EchoAsync("closed"), new(id, queue) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(60) });
            Assert.Equal("echo:closed", await handle.GetResultAsync(rpc));
        }

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(() => client.GetActivityHandle(id).DescribeAsync(new() { Rpc = rpc }), deadline.Token);
        Assert.Equal((handle.RunId, ActivityExecutionStatus.Completed), (described.ActivityRunId, described.Status));
        Assert.NotNull(described.CloseTime);
        Assert.Equal("echo:closed", await Retry.WhileUnavailableAsync(() => client.GetActivityHandle<string>(id, handle.RunId).GetResultAsync(rpc), deadline.Token));
        Assert.Equal(1, (await client.CountActivitiesAsync($"ActivityId = '{id}' AND ExecutionStatus = 'Completed'", new() { Rpc = rpc })).Count);
        var refused = await Assert.ThrowsAsync<ActivityAlreadyStartedException>(() => client.StartActivityAsync(
            () => StandaloneActivities.EchoAsync("again"),
            new(id, queue) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(60), IdReusePolicy = ActivityIdReusePolicy.RejectDuplicate, Rpc = rpc }));
        Assert.Equal(handle.RunId, refused.RunId);
    }

    [Fact(Timeout = 120_000)]
    public async Task ScheduleToCloseTimer_SurvivesAKill_AndTimesTheActivityOut()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var rpc = new RpcOptions { CancellationToken = deadline.Token };
        // No worker ever polls this queue: only the schedule-to-close timer can close the activity.
        var handle = await client.StartActivityAsync(
            () => StandaloneActivities.EchoAsync("never"), new(NewId("standalone-timeout"), NewId("tq-standalone")) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(10) });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var error = await Retry.WhileUnavailableAsync<ActivityFailedException?>(
            async () =>
            {
                try
                {
                    await handle.GetResultAsync(rpc);
                    return null;
                }
                catch (ActivityFailedException e)
                {
                    return e;
                }
            },
            deadline.Token);
        var timeout = Assert.IsType<TimeoutFailureException>(error?.InnerException);
        Assert.Equal(TimeoutType.ScheduleToClose, timeout.TimeoutType);
        var description = await handle.DescribeAsync(new() { Rpc = rpc });
        Assert.Equal(ActivityExecutionStatus.TimedOut, description.Status);
        Assert.True(description.CloseTime >= description.ScheduleTime + TimeSpan.FromSeconds(10), $"closed at {description.CloseTime:O}, scheduled at {description.ScheduleTime:O}");
    }

    [Fact(Timeout = 120_000)]
    public async Task PausedActivity_SurvivesAKill_WithItsUpdatedOptions_StaysHeld_AndRunsOnceUnpaused()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token, "--dynamic-config-value", StandaloneActivityOperatorCommandsEnvironmentFixture.Flag);
        var (engine, client) = (durable.Process, durable.Client);
        var (service, ns) = (client.Connection.WorkflowService, client.Options.Namespace);
        var rpc = new RpcOptions { CancellationToken = deadline.Token };
        var queue = NewId("tq-standalone");
        var handle = await client.StartActivityAsync(
            () => StandaloneActivities.EchoAsync("held"), new(NewId("standalone-paused"), queue) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(90) });
        await service.PauseActivityExecutionAsync(new() { Namespace = ns, ActivityId = handle.Id, Reason = "kept across a kill" }, rpc);
        await service.UpdateActivityExecutionOptionsAsync(new()
        {
            Namespace = ns,
            ActivityId = handle.Id,
            ActivityOptions = new() { HeartbeatTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(7)) },
            UpdateMask = new() { Paths = { "heartbeat_timeout" } },
        }, rpc);

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var paused = await Retry.WhileUnavailableAsync(() => handle.DescribeAsync(new() { Rpc = rpc }), deadline.Token);
        Assert.Equal((ActivityExecutionStatus.Paused, PendingActivityState.Paused, TimeSpan.FromSeconds(7)), (paused.Status, paused.RunState, paused.HeartbeatTimeout));
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddActivity(StandaloneActivities.EchoAsync), deadline.Token);
        // The scenario, not a synchronisation: the worker polls a while and is handed nothing.
        await Task.Delay(TimeSpan.FromSeconds(2), deadline.Token);
        Assert.Empty(ActivityJournal.For(handle.Id));
        await service.UnpauseActivityExecutionAsync(new() { Namespace = ns, ActivityId = handle.Id }, rpc);
        Assert.Equal("echo:held", await handle.GetResultAsync(rpc));
        Assert.Equal(["attempt:1"], ActivityJournal.For(handle.Id));
    }

    [Fact(Timeout = 120_000)]
    public async Task ClosedActivity_IsStillRemovedByRetention_AfterAKill()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token, "--retention", "4s");
        var (engine, client) = (durable.Process, durable.Client);
        var handle = await client.StartActivityAsync(
            () => StandaloneActivities.EchoAsync("retained"), new(NewId("standalone-retained"), NewId("tq-standalone")) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(60) });
        await handle.TerminateAsync(new() { Reason = "done", Rpc = new() { CancellationToken = deadline.Token } });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await handle.DescribeAsync(new() { Rpc = new() { CancellationToken = deadline.Token } });
                    return (RpcException.StatusCode?)null;
                }
                catch (RpcException e)
                {
                    return e.Code;
                }
            },
            code => code == RpcException.StatusCode.NotFound, "retention to remove the closed activity after the restart", cancellationToken: deadline.Token);
    }

    [Fact(Timeout = 120_000)]
    public async Task RetryBackoff_SurvivesAKill_AndTheNextAttemptRuns()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var rpc = new RpcOptions { CancellationToken = deadline.Token };
        var queue = NewId("tq-standalone");
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddActivity(StandaloneActivities.FailUntilAttemptAsync), deadline.Token);
        var handle = await client.StartActivityAsync(
            () => StandaloneActivities.FailUntilAttemptAsync(2),
            new(NewId("standalone-backoff"), queue)
            {
                ScheduleToCloseTimeout = TimeSpan.FromSeconds(90),
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromSeconds(5), MaximumAttempts = 3 },
            });
        await Eventually.UntilAsync(
            () => handle.DescribeAsync(new() { Rpc = rpc }), d => d.Attempt == 2 && d.RunState == PendingActivityState.Scheduled,
            "the first attempt to fail and the retry to wait", cancellationToken: deadline.Token);

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        Assert.Equal("succeeded on attempt 2", await Retry.WhileUnavailableAsync(() => handle.GetResultAsync(rpc), deadline.Token));
        Assert.Equal(["attempt:1", "attempt:2"], ActivityJournal.For(handle.Id));
    }
}
