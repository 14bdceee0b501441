using Temporalio.Client.Schedules;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>Schedules on the PostgreSQL store survive a SIGKILL of the engine, catch up on what they missed and go on with their backfills.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class ScheduleRecoveryTests
{
    private static readonly TimeSpan CatchupWindow = TimeSpan.FromSeconds(10);

    // Longer than the catch-up window, so that the first missed times are too late to start.
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(14);

    [Fact(Timeout = 150_000)]
    public async Task Schedule_SurvivesAKill_StartsMissedTimesWithinTheCatchupWindow_AndKeepsItsLastResult()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-schedule-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<ScheduledChainWorkflow>(), deadline.Token);
        var action = ScheduleActionStartWorkflow.Create((ScheduledChainWorkflow wf) => wf.RunAsync(0), new($"chain-{Guid.NewGuid():N}", queue));
        var handle = await client.CreateScheduleAsync($"schedule-restart-{Guid.NewGuid():N}", new(action, new() { Intervals = [new(TimeSpan.FromSeconds(1))] })
        {
            Policy = new() { CatchupWindow = CatchupWindow },
            State = new() { Note = "kept across the restart" },
        });
        var before = await Eventually.UntilAsync(() => handle.DescribeAsync(), d => d.Info.NumActions >= 2 && d.Info.RunningActions.Count == 0,
            "two closed scheduled runs", cancellationToken: deadline.Token);

        await engine.KillAsync();
        var killedAt = DateTime.UtcNow;
        // The scenario itself, not a synchronisation: the engine stays down past the catch-up window.
        await Task.Delay(Downtime, deadline.Token);
        await engine.StartAsync(deadline.Token);

        var after = await Retry.WhileUnavailableAsync(
            () => Eventually.UntilAsync(() => handle.DescribeAsync(), d => d.Info.NumActionsMissedCatchupWindow > 0 && d.Info.RecentActions.Any(a => a.ScheduledAt > killedAt),
                "a caught-up action after the restart", cancellationToken: deadline.Token),
            deadline.Token);
        Assert.Equal("kept across the restart", after.Schedule.State.Note);
        Assert.Equal(CatchupWindow, after.Schedule.Policy.CatchupWindow);
        Assert.True(after.Info.NumActions > before.Info.NumActions);
        var caughtUp = after.Info.RecentActions.First(a => a.ScheduledAt > killedAt);
        // Times older than the catch-up window were missed; the first one inside it started, the rest overlapped it.
        Assert.True(caughtUp.ScheduledAt - killedAt >= Downtime - CatchupWindow - TimeSpan.FromSeconds(1), $"{caughtUp.ScheduledAt:O} vs kill at {killedAt:O}");
        Assert.True(after.Info.NumActionsSkippedOverlap > 0);

        // The run before the kill left its result to the first run after it.
        var lastBefore = (ScheduleActionExecutionStartWorkflow)after.Info.RecentActions.Last(a => a.ScheduledAt <= killedAt).Action;
        var firstAfter = (ScheduleActionExecutionStartWorkflow)caughtUp.Action;
        var previous = await client.GetWorkflowHandle(lastBefore.WorkflowId, lastBefore.FirstExecutionRunId).GetResultAsync<ChainLink>();
        var next = await Retry.WhileUnavailableAsync(() => client.GetWorkflowHandle(firstAfter.WorkflowId, firstAfter.FirstExecutionRunId).GetResultAsync<ChainLink>(), deadline.Token);
        Assert.Equal(previous.Count + 1, next.Count);
        await handle.DeleteAsync();
    }

    [Fact(Timeout = 150_000)]
    public async Task OngoingBackfill_SurvivesAKill_AndGoesOnTenActionsPerWakeUp()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        // No worker: the first run never closes, so only the restart and the test's patch wake the paused schedule.
        var action = ScheduleActionStartWorkflow.Create((ScheduledHoldWorkflow wf) => wf.RunAsync(), new($"hold-{Guid.NewGuid():N}", $"tq-backfill-{Guid.NewGuid():N}"));
        var handle = await client.CreateScheduleAsync($"schedule-backfill-{Guid.NewGuid():N}", new(action, new() { Intervals = [new(TimeSpan.FromMinutes(1))] })
        {
            State = new() { Paused = true },
        });
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc).AddDays(-1);
        await handle.BackfillAsync([new(minute, minute.AddMinutes(24), Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.BufferAll)]);
        var before = await DescribeAsync(client, handle.Id);
        Assert.Equal((1L, 9), (before.Info.ActionCount, before.Info.BufferSize)); // ten taken: one started, nine wait

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        // The restart woke it (ten more), the patch wakes it again (the last five): all 25 times, one started.
        var restarted = await Retry.WhileUnavailableAsync(() => DescribeAsync(client, handle.Id), deadline.Token);
        Assert.Equal((1L, 19), (restarted.Info.ActionCount, restarted.Info.BufferSize));
        await handle.PauseAsync("after the restart");
        var after = await DescribeAsync(client, handle.Id);
        Assert.Equal((1L, 24), (after.Info.ActionCount, after.Info.BufferSize));
        await handle.DeleteAsync();
        var running = after.Info.RunningWorkflows.Single();
        await client.GetWorkflowHandle(running.WorkflowId, running.RunId).TerminateAsync("test over");
    }

    private static Task<Temporalio.Api.WorkflowService.V1.DescribeScheduleResponse> DescribeAsync(Temporalio.Client.ITemporalClient client, string scheduleId) =>
        client.WorkflowService.DescribeScheduleAsync(new() { Namespace = client.Options.Namespace, ScheduleId = scheduleId });
}
