using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Worker;
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
    public async Task QueryWithArgumentsPastTheLimit_IsInvalidArgument_AndAQueryMustBeSet()
    {
        var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("p"), Options("big-query"));

        // Refused before any worker is asked (none polls this task queue).
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => handle.QueryAsync<string>("items", [Oversized], new() { Rpc = Rpc }));
        var unset = await Assert.ThrowsAsync<RpcException>(() => Client.WorkflowService.QueryWorkflowAsync(
            new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, tooLarge.Code);
        Assert.Equal("Blob data size exceeds limit.", tooLarge.Message);
        Assert.Equal(RpcException.StatusCode.InvalidArgument, unset.Code);
        Assert.Equal("WorkflowQuery is not set on request.", unset.Message);
        await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeNamespace_ReportsTheConfiguredPayloadLimits()
    {
        var described = await Client.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
        var listed = (await Client.WorkflowService.ListNamespacesAsync(new(), Rpc)).Namespaces.Single(n => n.NamespaceInfo.Name == Client.Options.Namespace);

        foreach (var limits in new[] { described.NamespaceInfo.Limits, listed.NamespaceInfo.Limits })
        {
            Assert.Equal(SmallLimitsEnvironmentFixture.BlobSizeError, limits.BlobSizeLimitError);
            Assert.Equal(SmallLimitsEnvironmentFixture.MemoSizeError, limits.MemoSizeLimitError);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ActivityInputPastTheReportedLimit_IsRefusedByTheWorker_AndTheRunIsNotTerminated()
    {
        // The SDK reads the limits from DescribeNamespace and fails the task itself (PAYLOADS_TOO_LARGE), so the
        // command never reaches the server; the task keeps failing until the run's timeout, as on Temporal.
        var events = await FailedRunEventsAsync(WorkerOptions().AddWorkflow<OversizedActivityInputWorkflow>().AddActivity(FidelityActivities.Echo), () =>
            Client.StartWorkflowAsync((OversizedActivityInputWorkflow wf) => wf.RunAsync(SmallLimitsEnvironmentFixture.BlobSizeError + 1),
                new WorkflowOptions(NewWorkflowId("worker-refused"), TaskQueue) { ExecutionTimeout = TimeSpan.FromSeconds(3) }));

        Assert.Equal(WorkflowTaskFailedCause.PayloadsTooLarge, events.First(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes.Cause);
        Assert.Equal(EventType.WorkflowExecutionTimedOut, events[^1].EventType);
        Assert.DoesNotContain(events, e => e.EventType == EventType.ActivityTaskScheduled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ActivityInputPastTheLimit_FailsTheTaskAndTerminatesTheRun()
    {
        // DisablePayloadErrorLimit: the worker sends what it would refuse, so the server's own check is what acts.
        var events = await FailedRunEventsAsync(ServerCheckedWorkerOptions().AddWorkflow<OversizedActivityInputWorkflow>().AddActivity(FidelityActivities.Echo), () =>
            Client.StartWorkflowAsync((OversizedActivityInputWorkflow wf) => wf.RunAsync(SmallLimitsEnvironmentFixture.BlobSizeError + 1), Options("big-activity")));

        AssertTerminatedBy(events, WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ScheduleActivityTaskCommandAttributes.Input exceeds size limit.");
        Assert.DoesNotContain(events, e => e.EventType == EventType.ActivityTaskScheduled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWithAMemoPastTheMemoLimit_IsInvalidArgument()
    {
        // Under the blob limit, past the memo limit.
        var memo = new Dictionary<string, object> { ["big"] = new string('m', SmallLimitsEnvironmentFixture.MemoSizeError) };

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions(NewWorkflowId("big-memo"), TaskQueue) { Memo = memo }));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("Memo size exceeds limit.", error.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task MemoUpsertThatTakesTheMemoPastItsLimit_FailsTheTaskAndTerminatesTheRun()
    {
        // Each part is under the limit; the memo the run would have (the start's entry and the upserted one) is past it.
        const int part = SmallLimitsEnvironmentFixture.MemoSizeError * 2 / 3;
        var events = await FailedRunEventsAsync(ServerCheckedWorkerOptions().AddWorkflow<MemoGrowingWorkflow>(), () =>
            StartMemoGrowingAsync("memo-upsert", part));

        AssertTerminatedBy(events, WorkflowTaskFailedCause.BadModifyWorkflowPropertiesAttributes, "ModifyWorkflowPropertiesCommandAttributes. Memo exceeds size limit.");
        Assert.DoesNotContain(events, e => e.EventType == EventType.WorkflowPropertiesModified);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task MemoUpsertUnderTheMemoLimit_IsApplied()
    {
        const int part = SmallLimitsEnvironmentFixture.MemoSizeError / 4;
        await WithWorkerAsync(ServerCheckedWorkerOptions().AddWorkflow<MemoGrowingWorkflow>(), async () =>
        {
            var handle = await StartMemoGrowingAsync("memo-upsert-ok", part);
            await AssertEventuallyAsync(async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.Any(e => e.EventType == EventType.WorkflowPropertiesModified));
            var memo = (await handle.DescribeAsync(new() { Rpc = Rpc })).Memo;
            Assert.Equal(["added", "first"], memo.Keys.Order());
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ContinueAsNewWithAMemoPastTheMemoLimit_FailsTheTaskAndTerminatesTheRun()
    {
        var events = await FailedRunEventsAsync(ServerCheckedWorkerOptions().AddWorkflow<MemoContinuingWorkflow>(), () =>
            Client.StartWorkflowAsync((MemoContinuingWorkflow wf) => wf.RunAsync(SmallLimitsEnvironmentFixture.MemoSizeError), Options("memo-can")));

        AssertTerminatedBy(events, WorkflowTaskFailedCause.BadContinueAsNewAttributes, "ContinueAsNewWorkflowExecutionCommandAttributes. Memo exceeds size limit.");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWithMoreSearchAttributesThanTheKeyLimit_IsInvalidArgument()
    {
        var options = Options("many-attributes");
        options.TypedSearchAttributes = FourSearchAttributesWorkflow.Four;

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), options));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, $"number of search attributes 4 exceeds limit {SmallLimitsEnvironmentFixture.SearchAttributesNumberOfKeys}"),
            (error.Code, error.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpsertOfMoreSearchAttributesThanTheKeyLimit_FailsTheWorkflowTask()
    {
        var failed = await WithWorkerAsync(WorkerOptions().AddWorkflow<FourSearchAttributesWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((FourSearchAttributesWorkflow wf) => wf.RunAsync(), Options("many-upserted"));
            var failure = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.FirstOrDefault(e => e.EventType == EventType.WorkflowTaskFailed),
                e => e is not null,
                "a failed workflow task");
            await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
            return failure!.WorkflowTaskFailedEventAttributes;
        });

        Assert.Equal(WorkflowTaskFailedCause.BadSearchAttributes, failed.Cause);
        Assert.Equal($"BadSearchAttributes: number of search attributes 4 exceeds limit {SmallLimitsEnvironmentFixture.SearchAttributesNumberOfKeys}", failed.Failure.Message);
    }

    // Runs what `start` starts under a worker with `options` until it fails (or is terminated or times out); its events.
    private Task<List<HistoryEvent>> FailedRunEventsAsync<THandle>(TemporalWorkerOptions options, Func<Task<THandle>> start)
        where THandle : WorkflowHandle =>
        WithWorkerAsync(options, async () =>
        {
            var handle = await start();
            await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            return (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        });

    // A run started with a memo entry of `part` bytes that upserts another of the same size.
    private Task<WorkflowHandle<MemoGrowingWorkflow>> StartMemoGrowingAsync(string prefix, int part) =>
        Client.StartWorkflowAsync((MemoGrowingWorkflow wf) => wf.RunAsync(part),
            new WorkflowOptions(NewWorkflowId(prefix), TaskQueue) { Memo = new Dictionary<string, object> { ["first"] = new string('m', part) } });

    private TemporalWorkerOptions ServerCheckedWorkerOptions()
    {
        var options = WorkerOptions();
        options.DisablePayloadErrorLimit = true;
        return options;
    }

    private static void AssertTerminatedBy(List<HistoryEvent> events, WorkflowTaskFailedCause cause, string message)
    {
        var failed = events.Single(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(cause, failed.Cause);
        Assert.Equal($"{cause}: {message}", failed.Failure.Message);
        Assert.Equal($"{cause}: {message}", events[^1].WorkflowExecutionTerminatedEventAttributes.Reason);
    }

    private async Task AssertEventuallyAsync(Func<Task<bool>> condition)
    {
        while (!await condition())
        {
            await Task.Delay(50, Deadline);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task HistoryPastTheCountLimit_TerminatesTheRun_AfterSuggestingContinueAsNew()
    {
        var events = await FailedRunEventsAsync(WorkerOptions().AddWorkflow<EndlessTimersWorkflow>(), () =>
            Client.StartWorkflowAsync((EndlessTimersWorkflow wf) => wf.RunAsync(), Options("endless")));

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
