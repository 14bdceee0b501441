using System.Diagnostics;
using Temporalio.Client;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.TimeSkipping;

/// <summary>
/// Issue 2: time skipping in the test-server form. The wall-clock bounds are generous (a 4-hour wait
/// in under 30 s) and only prove that time was skipped, not how fast.
/// </summary>
[Collection(TimeSkippingCollection.Name)]
public sealed class TimeSkippingTests(TimeSkippingEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private static readonly TimeSpan SkippedWallClockLimit = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DelayAsync_FifteenMinutes_SkipsAheadAndWorkflowClockFollows()
    {
        var wall = Stopwatch.StartNew();
        var reading = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<TimerWorkflow>(),
            () => Client.ExecuteWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(TimeSpan.FromMinutes(15).TotalSeconds), Options("approval-timeout")));
        wall.Stop();

        Assert.True(reading.After - reading.Before >= TimeSpan.FromMinutes(15), $"workflow clock moved {reading.After - reading.Before}");
        Assert.True(wall.Elapsed < SkippedWallClockLimit, $"a skipped 15-minute timer took {wall.Elapsed} of wall time");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WaitConditionAsync_FourHourPickTimeout_TimesOutWithoutWaiting()
    {
        var wall = Stopwatch.StartNew();
        var reading = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<WaitConditionWorkflow>(),
            () => Client.ExecuteWorkflowAsync((WaitConditionWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(4).TotalSeconds), Options("pick-timeout")));
        wall.Stop();

        Assert.False(reading.ConditionMet);
        Assert.True(reading.After - reading.Before >= TimeSpan.FromHours(4), $"workflow clock moved {reading.After - reading.Before}");
        Assert.True(wall.Elapsed < SkippedWallClockLimit, $"a skipped 4-hour timeout took {wall.Elapsed} of wall time");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WaitConditionAsync_SignalledBeforeResultRequested_NoSkipWhileLocked()
    {
        // The test server starts locked: time only skips while the client waits for a result, so a
        // signal sent before that must win over the 1-hour timeout.
        var reading = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<WaitConditionWorkflow>(),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync(
                    (WaitConditionWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1).TotalSeconds), Options("locked"));
                await handle.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
                return await handle.GetResultAsync(rpcOptions: Rpc);
            });

        Assert.True(reading.ConditionMet);
        Assert.True(reading.After - reading.Before < TimeSpan.FromHours(1), $"workflow clock moved {reading.After - reading.Before}");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ActivitiesAroundFourHourTimer_ActivitiesRunAndTimerIsSkipped()
    {
        var wall = Stopwatch.StartNew();
        var result = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<ActivityTimerActivityWorkflow>().AddActivity(TestActivities.Greet),
            () => Client.ExecuteWorkflowAsync(
                (ActivityTimerActivityWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(4).TotalSeconds), Options("activity-timer")));
        wall.Stop();

        Assert.Equal("Hello, before! Hello, after!", result);
        Assert.True(wall.Elapsed < SkippedWallClockLimit, $"took {wall.Elapsed} of wall time");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ActivityRetry_TenMinuteBackoff_IsSkipped()
    {
        var options = Options("retry-backoff");
        var wall = Stopwatch.StartNew();
        var result = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<RetryWorkflow>().AddActivity(TestActivities.FailUntilAttempt),
            () => Client.ExecuteWorkflowAsync(
                (RetryWorkflow wf) => wf.RunAsync(new RetryInput(SucceedOnAttempt: 2, MaximumAttempts: 3, InitialIntervalSeconds: 600)),
                options));
        wall.Stop();

        Assert.Equal("succeeded on attempt 2", result);
        Assert.Equal(2, ActivityJournal.For(options.Id!).Count);
        Assert.True(wall.Elapsed < SkippedWallClockLimit, $"a skipped 10-minute backoff took {wall.Elapsed} of wall time");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task EnvironmentDelayAsync_TwoHours_AdvancesServerClock()
    {
        var before = await Environment.GetCurrentTimeAsync();
        var wall = Stopwatch.StartNew();
        await Environment.DelayAsync(TimeSpan.FromHours(2), Deadline);
        wall.Stop();
        var after = await Environment.GetCurrentTimeAsync();

        Assert.True(Environment.SupportsTimeSkipping);
        Assert.True(after - before >= TimeSpan.FromHours(2), $"server clock moved {after - before}");
        Assert.True(wall.Elapsed < SkippedWallClockLimit, $"took {wall.Elapsed} of wall time");
    }
}
