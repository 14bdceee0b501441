using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: timers (Workflow.DelayAsync, WaitConditionAsync with timeout) on the real-time server.</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class TimerTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task DelayAsync_OneSecond_FiresAfterTheDelay()
    {
        var options = Options("timer");
        var (reading, history) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<TimerWorkflow>(),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(1), options);
                return (await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
            });

        Assert.True(reading.After - reading.Before >= TimeSpan.FromSeconds(1), $"{reading}");
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Contains(EventType.TimerStarted, types);
        Assert.Contains(EventType.TimerFired, types);
        var fired = history.Events.Single(e => e.EventType == EventType.TimerFired);
        var started = history.Events.Single(e => e.EventType == EventType.TimerStarted);
        Assert.Equal(started.EventId, fired.TimerFiredEventAttributes.StartedEventId);
        Assert.Equal(started.TimerStartedEventAttributes.TimerId, fired.TimerFiredEventAttributes.TimerId);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WaitConditionAsync_NoSignal_TimesOutAndReturnsFalse()
    {
        var reading = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<WaitConditionWorkflow>(),
            () => Client.ExecuteWorkflowAsync((WaitConditionWorkflow wf) => wf.RunAsync(1), Options("wait-timeout")));

        Assert.False(reading.ConditionMet);
        Assert.True(reading.After - reading.Before >= TimeSpan.FromSeconds(1), $"{reading}");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WaitConditionAsync_SignalBeforeTimeout_ReturnsTrueAndCancelsTimer()
    {
        var options = Options("wait-signal");
        var (reading, history) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<WaitConditionWorkflow>(),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((WaitConditionWorkflow wf) => wf.RunAsync(300), options);
                await handle.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
                return (await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
            });

        Assert.True(reading.ConditionMet);
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Contains(EventType.WorkflowExecutionSignaled, types);
        Assert.DoesNotContain(EventType.TimerFired, types);
        Assert.Equal(EventType.WorkflowExecutionCompleted, types[^1]);
    }
}
