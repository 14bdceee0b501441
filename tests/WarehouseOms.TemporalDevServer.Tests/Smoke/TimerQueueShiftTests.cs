using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Smoke;

/// <summary>
/// Temporal lets no new timer task fall behind the last read of the shard's queues plus
/// history.timerProcessorMaxTimeShift (1 s): a sub-second timer started within a second of another timer task coming
/// due, or of a transaction that gave the immediate queues a task (a start, a dispatch), fires after that second.
/// Each test has an engine of its own, so no other test's tasks move the floor.
/// </summary>
public sealed class TimerQueueShiftTests
{
    // 2 s rather than Temporal's 1 s, so that a loaded machine's slow workflow task still falls within it.
    private static readonly TimeSpan Shift = TimeSpan.FromSeconds(2);

    [Fact(Timeout = 60_000)]
    public async Task A_sub_second_timer_started_within_the_shift_of_a_timer_queue_read_fires_after_the_shift()
    {
        var (_, firstFired, secondStarted, secondFired) = await TwoTimersAsync(WithShift(Shift));

        Assert.True(secondStarted < firstFired + Shift, $"the second timer started {secondStarted - firstFired} after the first fired");
        Assert.True(secondFired >= firstFired + Shift, $"fired {secondFired - firstFired} after the first timer");
    }

    [Fact(Timeout = 60_000)]
    public async Task With_no_shift_configured_the_same_timer_fires_at_its_time()
    {
        var (_, _, secondStarted, secondFired) = await TwoTimersAsync(WithShift(TimeSpan.Zero));

        // With the default shift it would wait for a second after the first timer's read; here its 10 ms only.
        Assert.True(secondFired < secondStarted + TimeSpan.FromMilliseconds(500), $"fired {secondFired - secondStarted} after it started");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_workflow_start_makes_the_queues_read_so_a_timer_its_first_task_starts_fires_after_the_shift()
    {
        // Idle past the engine's own start-up read first, so that only the start's read can move the timer.
        var history = await TwoTimersAsync(WithShift(Shift), firstTimer: 0.01, idleFirst: Shift + TimeSpan.FromSeconds(0.5));

        Assert.True(history.FirstFired >= history.Started + Shift, $"the first timer fired {history.FirstFired - history.Started} after the start");
    }

    // As the CLI takes it: --dynamic-config-value history.timerProcessorMaxTimeShift=<n>ms.
    private static TemporalDevServerOptions WithShift(TimeSpan shift) =>
        new TemporalDevServerOptions { Port = 0 }.WithDynamicConfig("history.timerProcessorMaxTimeShift", $"{shift.TotalMilliseconds}ms");

    // A 200 ms timer, then a 10 ms one started by the task its firing brings: when the first fired (the queue read
    // then), when the second started and fired.
    private static async Task<Timeline> TwoTimersAsync(TemporalDevServerOptions options, double firstTimer = 0.2, TimeSpan idleFirst = default)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        await using var server = await TemporalDevServer.StartAsync(options, deadline.Token);
        await Task.Delay(idleFirst, deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
        var queue = $"shift-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<TwoTimersWorkflow>());
        var events = await worker.ExecuteAsync(
            async () =>
            {
                var handle = await client.StartWorkflowAsync((TwoTimersWorkflow wf) => wf.RunAsync(firstTimer, 0.01), new($"timers-{Guid.NewGuid():N}", queue));
                await handle.GetResultAsync();
                return (await handle.FetchHistoryAsync()).Events;
            },
            deadline.Token);
        var started = events.Where(e => e.EventType == EventType.TimerStarted).Select(e => e.EventTime.ToDateTime()).ToList();
        var fired = events.Where(e => e.EventType == EventType.TimerFired).Select(e => e.EventTime.ToDateTime()).ToList();
        return new(events.First().EventTime.ToDateTime(), fired[0], started[1], fired[1]);
    }

    private sealed record Timeline(DateTime Started, DateTime FirstFired, DateTime SecondStarted, DateTime SecondFired);
}
