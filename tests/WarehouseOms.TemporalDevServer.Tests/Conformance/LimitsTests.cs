using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Temporal's payload and history limits, with its errors, on a server whose limits are set small
/// through <c>--dynamic-config-value</c> (<see cref="SmallLimitsEnvironmentFixture"/>).
/// </summary>
[Collection(LimitsCollection.Name)]
public sealed class LimitsTests(SmallLimitsEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private static readonly string Oversized = new('x', SmallLimitsEnvironmentFixture.BlobSizeError + 1);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWithAPayloadPastTheLimit_IsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync(Oversized), Options("big-start")));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("Blob data size exceeds limit.", error.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithAPayloadPastTheLimit_IsInvalidArgument()
    {
        var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("p"), Options("big-signal"));

        var error = await Assert.ThrowsAsync<RpcException>(() => handle.SignalAsync(wf => wf.AddAsync(Oversized), SignalRpc));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("Blob data size exceeds limit.", error.Message);
        await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ActivityInputPastTheLimit_FailsTheTaskAndTerminatesTheRun()
    {
        var events = await WithWorkerAsync(WorkerOptions().AddWorkflow<OversizedActivityInputWorkflow>().AddActivity(FidelityActivities.Echo), async () =>
        {
            var handle = await Client.StartWorkflowAsync((OversizedActivityInputWorkflow wf) => wf.RunAsync(SmallLimitsEnvironmentFixture.BlobSizeError + 1), Options("big-activity"));
            await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            return (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        });

        const string message = "BadScheduleActivityAttributes: ScheduleActivityTaskCommandAttributes.Input exceeds size limit.";
        var failed = events.Single(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleActivityAttributes, failed.Cause);
        Assert.Equal(message, failed.Failure.Message);
        Assert.Equal(message, events[^1].WorkflowExecutionTerminatedEventAttributes.Reason);
        Assert.DoesNotContain(events, e => e.EventType == EventType.ActivityTaskScheduled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task HistoryPastTheCountLimit_TerminatesTheRun_AfterSuggestingContinueAsNew()
    {
        var events = await WithWorkerAsync(WorkerOptions().AddWorkflow<EndlessTimersWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((EndlessTimersWorkflow wf) => wf.RunAsync(), Options("endless"));
            await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            return (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        });

        var terminated = events[^1].WorkflowExecutionTerminatedEventAttributes;
        Assert.Equal("Workflow history count exceeds limit.", terminated.Reason);
        Assert.InRange(events.Count, SmallLimitsEnvironmentFixture.HistoryCountError + 1, SmallLimitsEnvironmentFixture.HistoryCountError + 6);
        var started = events.Where(e => e.EventType == EventType.WorkflowTaskStarted).ToList();
        Assert.All(started.Zip(started.Skip(1)), pair => Assert.True(
            pair.Second.WorkflowTaskStartedEventAttributes.HistorySizeBytes > pair.First.WorkflowTaskStartedEventAttributes.HistorySizeBytes));
        Assert.All(started, e => Assert.Equal(
            e.EventId >= SmallLimitsEnvironmentFixture.HistoryCountSuggestContinueAsNew || e.WorkflowTaskStartedEventAttributes.HistorySizeBytes >= 4096,
            e.WorkflowTaskStartedEventAttributes.SuggestContinueAsNew));
    }
}
