using System.Diagnostics;
using Temporalio.Client.Schedules;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.TimeSkipping;

/// <summary>Issue 13: schedules run on the engine's clock, so a time-skipping test sees hours of actions at once.</summary>
[Collection(TimeSkippingCollection.Name)]
public sealed class ScheduleTimeSkippingTests(TimeSkippingEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task HourlySchedule_ThreeSkippedHours_StartThreeChainedRuns()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var action = ScheduleActionStartWorkflow.Create((ScheduledChainWorkflow wf) => wf.RunAsync(0), Options("hourly"));
            var handle = await Client.CreateScheduleAsync($"schedule-hourly-{Guid.NewGuid():N}", new(action, new() { Intervals = [new(TimeSpan.FromHours(1))] }));
            var wall = Stopwatch.StartNew();

            await Environment.DelayAsync(TimeSpan.FromHours(3));

            var described = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions == 3 && d.Info.RunningActions.Count == 0,
                "three hourly runs closed", cancellationToken: Deadline);
            wall.Stop();
            Assert.True(wall.Elapsed < TimeSpan.FromSeconds(30), $"three skipped hours took {wall.Elapsed} of wall time");
            var times = described.Info.RecentActions.Select(a => a.ScheduledAt).ToList();
            Assert.Equal([times[0], times[0].AddHours(1), times[0].AddHours(2)], times);
            var counts = new List<int>();
            foreach (var recent in described.Info.RecentActions)
            {
                var run = (ScheduleActionExecutionStartWorkflow)recent.Action;
                counts.Add((await Client.GetWorkflowHandle(run.WorkflowId, run.FirstExecutionRunId).GetResultAsync<ChainLink>(rpcOptions: Rpc)).Count);
            }

            Assert.Equal([1, 2, 3], counts);
            await handle.DeleteAsync();
        });
    }
}
