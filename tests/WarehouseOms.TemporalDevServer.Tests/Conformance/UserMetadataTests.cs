using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// User metadata as Temporal keeps it: the summary and details a command carries go on the event it writes
/// (timer, activity, child), and a child's static summary and details are the child's own, in its describe.
/// The worker's build ID is recorded on each completed workflow task, where replay reads it back.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class UserMetadataTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task CommandSummaries_AreOnTheirEvents_AndAChildsStaticSummaryIsItsOwn()
    {
        var options = WorkerOptions().AddWorkflow<SummarisedStepsWorkflow>().AddWorkflow<ChildWorkflow>().AddAllActivities(typeof(TestActivities), null);
        var (events, child) = await WithWorkerAsync(options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((SummarisedStepsWorkflow wf) => wf.RunAsync(), Options("summaries"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            var child = await Client.GetWorkflowHandle($"{handle.Id}-child").DescribeAsync(new() { Rpc = Rpc });
            return ((await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList(), child);
        });

        Assert.Equal("\"short pause\"", events.Single(e => e.EventType == EventType.TimerStarted).UserMetadata?.Summary?.Data.ToStringUtf8());
        Assert.Equal("\"greet the caller\"", events.Single(e => e.EventType == EventType.ActivityTaskScheduled).UserMetadata?.Summary?.Data.ToStringUtf8());
        var initiated = events.Single(e => e.EventType == EventType.StartChildWorkflowExecutionInitiated).UserMetadata;
        Assert.Equal("\"the child\"", initiated?.Summary?.Data.ToStringUtf8());
        Assert.Equal("\"details of the child\"", initiated?.Details?.Data.ToStringUtf8());
        Assert.Equal("the child", await child.GetStaticSummaryAsync());
        Assert.Equal("details of the child", await child.GetStaticDetailsAsync());

        // Events written without a command's metadata carry none.
        Assert.Null(events.Single(e => e.EventType == EventType.TimerFired).UserMetadata);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WorkerBuildId_IsRecordedOnEachCompletedWorkflowTask()
    {
#pragma warning disable CS0618 // the build ID of a worker without deployment versioning, as the SDK still offers it
        var options = WorkerOptions().AddWorkflow<SummarisedStepsWorkflow>().AddWorkflow<ChildWorkflow>().AddAllActivities(typeof(TestActivities), null);
        options.BuildId = "build-7";
#pragma warning restore CS0618
        var events = await WithWorkerAsync(options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((SummarisedStepsWorkflow wf) => wf.RunAsync(), Options("build-id"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            return (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        });

        var completed = events.Where(e => e.EventType == EventType.WorkflowTaskCompleted).Select(e => e.WorkflowTaskCompletedEventAttributes).ToList();
        Assert.NotEmpty(completed);
#pragma warning disable CS0612 // where Temporal records a worker's build ID when the worker does not use deployment versioning
        // On the worker version stamp, where replay reads it (the SDK sends it there once the server says it supports build IDs).
        Assert.All(completed, c => Assert.Equal("build-7", c.WorkerVersion?.BuildId));
#pragma warning restore CS0612
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CurrentBuildId_ReplayedByAWorkerOfAnotherBuild_IsTheBuildThatRanEachTask()
    {
        // As the SDK's own CurrentBuildId_SetProperly: a worker of build 1.1 takes over a run build 1.0 started.
        var handle = await WithWorkerAsync(BuildWorkerOptions("1.0"), async () =>
        {
            var handle = await Client.StartWorkflowAsync((BuildBranchingWorkflow wf) => wf.RunAsync("1.0"), Options("current-build"));
            await WaitForActivityAsync(handle);
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.CurrentBuild(), QueryRpc));
            return handle;
        });
        await Client.WorkflowService.ResetStickyTaskQueueAsync(
            new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc);

        await WithWorkerAsync(BuildWorkerOptions("1.1"), async () =>
        {
            // Replay takes the activity branch again only if the history says build 1.0 ran that task.
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.CurrentBuild(), QueryRpc));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
            Assert.Equal("1.1", await handle.QueryAsync(wf => wf.CurrentBuild(), QueryRpc));
        });
    }

    private TemporalWorkerOptions BuildWorkerOptions(string buildId)
    {
        var options = WorkerOptions().AddWorkflow<BuildBranchingWorkflow>().AddAllActivities(typeof(TestActivities), null);
#pragma warning disable CS0618 // the build ID of a worker without deployment versioning, as the SDK's test sets it
        options.BuildId = buildId;
#pragma warning restore CS0618
        return options;
    }

    // The second task has run once its activity completed.
    private Task WaitForActivityAsync(WorkflowHandle handle) =>
        Eventually.UntilAsync(
            async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.Any(e => e.EventType == EventType.ActivityTaskCompleted),
            done => done, "the activity of build 1.0 to complete", cancellationToken: Deadline);
}
