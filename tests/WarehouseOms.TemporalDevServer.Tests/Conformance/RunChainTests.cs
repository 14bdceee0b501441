using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: continue-as-new (the client follows runs), patches and markers, worker replaced mid-workflow.</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class RunChainTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task ContinueAsNew_ThreeRuns_ClientFollowsToTheLastRunsResult()
    {
        var options = Options("continue-as-new");
        var (result, notFollowed, current, first) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<ContinueAsNewWorkflow>(),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync(
                    (ContinueAsNewWorkflow wf) => wf.RunAsync(new IterationInput(1, 3)), options);
                var result = await handle.GetResultAsync(rpcOptions: Rpc);
                var notFollowed = await Assert.ThrowsAsync<WorkflowContinuedAsNewException>(
                    () => handle.GetResultAsync(followRuns: false, rpcOptions: Rpc));
                var current = await Client.GetWorkflowHandle(options.Id!).DescribeAsync(new() { Rpc = Rpc });
                return (result, notFollowed, current, handle);
            });

        Assert.StartsWith("iteration 3 continued from ", result, StringComparison.Ordinal);
        Assert.DoesNotContain("none", result, StringComparison.Ordinal);
        Assert.EndsWith($" first {first.ResultRunId}", result, StringComparison.Ordinal);
        Assert.NotEqual(first.ResultRunId, notFollowed.NewRunId);
        Assert.Equal(WorkflowExecutionStatus.Completed, current.Status);
        Assert.NotEqual(first.ResultRunId, current.RunId);
        var firstRun = await Client.GetWorkflowHandle(options.Id!, runId: first.ResultRunId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal(WorkflowExecutionStatus.ContinuedAsNew, firstRun.Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Patched_NewExecution_TakesPatchedBranchAndRecordsMarker()
    {
        var (result, history) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<PatchDemoV2Workflow>(),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((PatchDemoV2Workflow wf) => wf.RunAsync(), Options("patch-new"));
                await handle.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
                return (await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
            });

        Assert.Equal("v2-path", result);
        var marker = Assert.Single(history.Events, e => e.EventType == EventType.MarkerRecorded);
        Assert.Equal("core_patch", marker.MarkerRecordedEventAttributes.MarkerName);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Patched_ExecutionStartedBeforeThePatch_NewWorkerReplaysOldBranch()
    {
        var options = Options("patch-old");
        var handle = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<PatchDemoV1Workflow>(),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((PatchDemoV1Workflow wf) => wf.RunAsync(), options);
                await Eventually.UntilAsync(
                    async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.Any(e => e.EventType == EventType.WorkflowTaskCompleted),
                    done => done,
                    "the v1 worker to complete the first workflow task");
                return handle;
            });

        // Deployed v2: the running execution has no patch marker, so v2 code must keep taking the v1 branch.
        var result = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<PatchDemoV2Workflow>(),
            async () =>
            {
                await handle.SignalAsync(PatchSignal, [], SignalRpc);
                return await handle.GetResultAsync(rpcOptions: Rpc);
            });

        Assert.Equal("v1-path", result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task LocalActivity_Executes_RecordedAsMarker()
    {
        var (result, history) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<LocalActivityWorkflow>().AddActivity(TestActivities.Double),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((LocalActivityWorkflow wf) => wf.RunAsync(21), Options("local-activity"));
                return (await handle.GetResultAsync(rpcOptions: Rpc), await handle.FetchHistoryAsync(HistoryRpc));
            });

        Assert.Equal(42, result);
        var marker = Assert.Single(history.Events, e => e.EventType == EventType.MarkerRecorded);
        Assert.Equal("core_local_activity", marker.MarkerRecordedEventAttributes.MarkerName);
        Assert.DoesNotContain(history.Events, e => e.EventType == EventType.ActivityTaskScheduled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Worker_StoppedMidWorkflow_NewWorkerWithEmptyCacheContinues()
    {
        var options = Options("worker-restart");
        var worker = () => WorkerOptions().AddWorkflow<TwoStepWorkflow>().AddActivity(TestActivities.Greet);
        var handle = await WithWorkerAsync(worker(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((TwoStepWorkflow wf) => wf.RunAsync("first"), options);
            await Eventually.UntilAsync(
                () => handle.QueryAsync(wf => wf.Stage, QueryRpc), s => s == "waiting for second step", "the first step to finish");
            return handle;
        });

        // No worker now: the signal waits in history for whoever polls next.
        await handle.SignalAsync(wf => wf.ContinueAsync("second"), SignalRpc);
        var result = await WithWorkerAsync(worker(), () => handle.GetResultAsync(rpcOptions: Rpc));

        Assert.Equal("Hello, first! Hello, second!", result);
        Assert.Equal(["greet:first:attempt1", "greet:second:attempt1"], ActivityJournal.For(options.Id!));
    }

    private const string PatchSignal = "Release";
}
