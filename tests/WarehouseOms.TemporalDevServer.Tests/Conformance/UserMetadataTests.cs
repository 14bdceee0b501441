using Temporalio.Api.Enums.V1;
using Temporalio.Client;
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
        Assert.All(completed, c => Assert.Equal("build-7", c.WorkerVersion?.BuildId is { Length: > 0 } stamped ? stamped : c.BinaryChecksum));
#pragma warning restore CS0612
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AcceptedUpdate_OfARunThatCompletes_FailsWithTemporalsApplicationFailure()
    {
        var failure = await WithWorkerAsync(WorkerOptions().AddWorkflow<UpdatableWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-outlived"));
            var update = await handle.StartUpdateAsync(wf => wf.AddWhenReleasedAsync("never"), new(WorkflowUpdateStage.Accepted) { Rpc = Rpc });
            await handle.TerminateAsync("the run ends before the update", new() { Rpc = Rpc });
            return await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowUpdateFailedException>(() => update.GetResultAsync(Rpc));
        });

        var cause = Assert.IsType<Temporalio.Exceptions.ApplicationFailureException>(failure.InnerException);
        Assert.Equal("AcceptedUpdateCompletedWorkflow", cause.ErrorType);
        Assert.True(cause.NonRetryable);
    }
}
