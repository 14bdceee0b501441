using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Task queue configuration and activity dispatch rates, as Temporal's frontend validates them and its matching
/// service applies them: the rate set through UpdateTaskQueueConfig wins over the one a worker asks for, activity
/// tasks go no faster than it (a burst of one second's worth, then one per interval), 0 holds them all, and
/// DescribeTaskQueue reports the rate and where it came from.
/// </summary>
[Collection(ActivitiesCollection.Name)]
public sealed class TaskQueueRateLimitTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const int Activities = 8;

    private WorkflowService Rpcs => Client.Connection.WorkflowService;

    private string Ns => Client.Options.Namespace;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateTaskQueueConfig_SetsAndLiftsTheQueueRate_AndDescribeReportsItsSource()
    {
        var before = await DescribeAsync();
        Assert.Equal((1000f, RateLimitSource.System), (before.EffectiveRateLimit.RequestsPerSecond, before.EffectiveRateLimit.RateLimitSource));
        Assert.Null(before.Config);

        var set = await UpdateAsync(new UpdateTaskQueueConfigRequest.Types.RateLimitUpdate { RateLimit = new() { RequestsPerSecond = 5 }, Reason = "protect the ERP" });

        Assert.Equal(5f, set.Config.QueueRateLimit.RateLimit.RequestsPerSecond);
        Assert.Equal(("protect the ERP", "operator"), (set.Config.QueueRateLimit.Metadata.Reason, set.Config.QueueRateLimit.Metadata.UpdateIdentity));
        Assert.NotNull(set.Config.QueueRateLimit.Metadata.UpdateTime);
        var limited = await DescribeAsync();
        Assert.Equal((5f, RateLimitSource.Api), (limited.EffectiveRateLimit.RequestsPerSecond, limited.EffectiveRateLimit.RateLimitSource));
        Assert.Equal(5f, limited.Config.QueueRateLimit.RateLimit.RequestsPerSecond);
        Assert.Null((await Rpcs.DescribeTaskQueueAsync(new() { Namespace = Ns, TaskQueue = new() { Name = TaskQueue }, TaskQueueType = TaskQueueType.Activity }, Rpc)).Config);

        var lifted = await UpdateAsync(new UpdateTaskQueueConfigRequest.Types.RateLimitUpdate { Reason = "incident over" });

        Assert.Null(lifted.Config.QueueRateLimit.RateLimit);
        Assert.Equal("incident over", lifted.Config.QueueRateLimit.Metadata.Reason);
        Assert.Equal(RateLimitSource.System, (await DescribeAsync()).EffectiveRateLimit.RateLimitSource);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("workflow queue", "Setting rate limit on workflow task queues is not allowed.")]
    [InlineData("negative", "RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.")]
    [InlineData("empty key", "fairness weight override key must not be empty")]
    [InlineData("zero weight", "invalid fairness weight weight for key \"k\": must be greater than zero")]
    [InlineData("set and unset", "fairness weight override key \"k\" present in both set and unset lists")]
    [InlineData("partition", "task queue family name cannot have prefix /_sys/ /_sys/queue/1")]
    public async Task InvalidUpdate_IsRefusedWithTemporalsMessage(string problem, string message)
    {
        var request = new UpdateTaskQueueConfigRequest { Namespace = Ns, TaskQueue = TaskQueue, TaskQueueType = TaskQueueType.Activity, Identity = "operator" };
        switch (problem)
        {
            case "workflow queue":
                request.TaskQueueType = TaskQueueType.Workflow;
                request.UpdateQueueRateLimit = new() { RateLimit = new() { RequestsPerSecond = 1 } };
                break;
            case "negative": request.UpdateQueueRateLimit = new() { RateLimit = new() { RequestsPerSecond = -1 } }; break;
            case "empty key": request.SetFairnessWeightOverrides[string.Empty] = 1; break;
            case "zero weight": request.SetFairnessWeightOverrides["k"] = 0; break;
            case "partition": request.TaskQueue = "/_sys/queue/1"; break;
            case "set and unset":
                request.SetFairnessWeightOverrides["k"] = 2;
                request.UnsetFairnessWeightOverrides.Add("k");
                break;
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => Rpcs.UpdateTaskQueueConfigAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ApiRate_HoldsActivityDispatch_AndZeroHoldsItUntilLifted()
    {
        await UpdateAsync(new UpdateTaskQueueConfigRequest.Types.RateLimitUpdate { RateLimit = new() { RequestsPerSecond = 0 }, Reason = "hold" });
        await WithWorkerAsync(NoEagerWorker(), async () =>
        {
            var held = await Client.StartWorkflowAsync((FanOutWorkflow w) => w.RunAsync(1), Options("rate-zero"));
            await Eventually.UntilAsync(() => ActivityEventsAsync(held, EventType.ActivityTaskScheduled), n => n == 1, "the activity scheduled", cancellationToken: Deadline);
            // Nothing may start while the rate is 0; a second of waiting shows it is held, not merely slow.
            await Task.Delay(TimeSpan.FromSeconds(1), Deadline);
            Assert.Equal(0, await ActivityEventsAsync(held, EventType.ActivityTaskStarted));

            await UpdateAsync(new UpdateTaskQueueConfigRequest.Types.RateLimitUpdate { RateLimit = new() { RequestsPerSecond = 4 }, Reason = "slowly" });
            var fanOut = await Client.StartWorkflowAsync((FanOutWorkflow w) => w.RunAsync(Activities), Options("rate-api"));
            Assert.Single(await held.GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc));
            Assert.Equal(Activities, (await fanOut.GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc)).Count);
            var spread = await StartSpreadAsync(fanOut);
            // At 4 a second, 1 + 4 go at once and the other 3 one every 250 ms, the held one among them.
            Assert.True(spread >= TimeSpan.FromMilliseconds(700), $"{Activities} activities started within {spread}");
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WorkerRate_HoldsActivityDispatch_AndDescribeSaysTheWorkerSetIt()
    {
        var options = NoEagerWorker();
        options.MaxTaskQueueActivitiesPerSecond = 3;
        await WithWorkerAsync(options, async () =>
        {
            var described = await Eventually.UntilAsync(DescribeAsync, d => d.EffectiveRateLimit.RateLimitSource == RateLimitSource.Worker,
                "the worker's rate seen", cancellationToken: Deadline);
            Assert.Equal(3f, described.EffectiveRateLimit.RequestsPerSecond);

            var fanOut = await Client.StartWorkflowAsync((FanOutWorkflow w) => w.RunAsync(Activities), Options("rate-worker"));
            Assert.Equal(Activities, (await fanOut.GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc)).Count);

            // At 3 a second, 1 + 3 go at once and the other 4 one every 333 ms.
            var spread = await StartSpreadAsync(fanOut);
            Assert.True(spread >= TimeSpan.FromMilliseconds(1200), $"{Activities} activities started within {spread}");
        });

        // The API-set rate wins over the worker's.
        await UpdateAsync(new UpdateTaskQueueConfigRequest.Types.RateLimitUpdate { RateLimit = new() { RequestsPerSecond = 7 } });
        Assert.Equal((7f, RateLimitSource.Api), ((await DescribeAsync()).EffectiveRateLimit.RequestsPerSecond, (await DescribeAsync()).EffectiveRateLimit.RateLimitSource));
    }

    private TemporalWorkerOptions NoEagerWorker() =>
        new TemporalWorkerOptions(TaskQueue) { DisableEagerActivityExecution = true }.AddWorkflow<FanOutWorkflow>().AddActivity(TestActivities.Greet);

    private Task<DescribeTaskQueueResponse> DescribeAsync() =>
        Rpcs.DescribeTaskQueueAsync(new() { Namespace = Ns, TaskQueue = new() { Name = TaskQueue }, TaskQueueType = TaskQueueType.Activity, ReportConfig = true }, Rpc);

    private Task<UpdateTaskQueueConfigResponse> UpdateAsync(UpdateTaskQueueConfigRequest.Types.RateLimitUpdate update) =>
        Rpcs.UpdateTaskQueueConfigAsync(new()
        {
            Namespace = Ns, TaskQueue = TaskQueue, TaskQueueType = TaskQueueType.Activity, Identity = "operator", UpdateQueueRateLimit = update,
        }, Rpc);

    private async Task<int> ActivityEventsAsync(WorkflowHandle handle, EventType type) =>
        (await handle.FetchHistoryAsync(HistoryRpc)).Events.Count(e => e.EventType == type);

    private async Task<TimeSpan> StartSpreadAsync(WorkflowHandle handle)
    {
        var started = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Where(e => e.EventType == EventType.ActivityTaskStarted)
            .Select(e => e.EventTime.ToDateTime()).ToList();
        Assert.Equal(Activities, started.Count);
        return started.Max() - started.Min();
    }
}
