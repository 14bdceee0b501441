using Temporalio.Client.Schedules;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>Schedules on the PostgreSQL store survive a SIGKILL of the engine and catch up on what they missed.</summary>
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
}
