using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// DescribeTaskQueue's backlog statistics, as Temporal's default mode reports them: the waiting tasks per priority
/// level and merged (count, age of the oldest), the add and dispatch rates over the last 30 s, the levels a queue has
/// held staying listed once drained; the legacy status; Temporal's refusals.
/// </summary>
[Collection(ActivitiesCollection.Name)]
public sealed class TaskQueueStatsTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Rpcs => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Stats_ShowTheBacklogPerPriority_ThenItsDrainingAtTheDispatchRate()
    {
        foreach (var key in new int?[] { 1, null, 5 })
        {
            var options = Options("stats");
            options.Priority = key is { } k ? new Priority(priorityKey: k) : null;
            await Client.StartWorkflowAsync((EchoWorkflow w) => w.RunAsync("x"), options);
        }

        var waiting = await DescribeAsync();

        Assert.Equal(3, waiting.Stats.ApproximateBacklogCount);
        Assert.True(waiting.Stats.ApproximateBacklogAge.ToTimeSpan() > TimeSpan.Zero);
        Assert.True(waiting.Stats.TasksAddRate > 0);
        Assert.Equal(0, waiting.Stats.TasksDispatchRate);
        Assert.Equal([1, 3, 5], waiting.StatsByPriorityKey.Keys.Order());
        Assert.All(waiting.StatsByPriorityKey.Values, level => Assert.Equal(1, level.ApproximateBacklogCount));
#pragma warning disable CS0612 // the legacy status, which Temporal still fills
        Assert.Equal(3, waiting.TaskQueueStatus.BacklogCountHint);
#pragma warning restore CS0612

        await WithWorkerAsync(WorkerOptions().AddWorkflow<EchoWorkflow>(), async () =>
            await WarehouseOms.Testing.Eventually.UntilAsync(DescribeAsync, d => d.Stats.ApproximateBacklogCount == 0, "the backlog drained", cancellationToken: Deadline));
        var drained = await DescribeAsync();

        Assert.Equal(TimeSpan.Zero, drained.Stats.ApproximateBacklogAge.ToTimeSpan());
        Assert.True(drained.Stats.TasksDispatchRate > 0);
        // A level once held stays listed, at 0, as Temporal's subqueues do.
        Assert.Equal([1, 3, 5], drained.StatsByPriorityKey.Keys.Order());
        Assert.All(drained.StatsByPriorityKey.Values, level => Assert.Equal(0, level.ApproximateBacklogCount));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ANeverUsedQueue_HasTheDefaultLevelOnly_AndBadRequestsAreRefused()
    {
        var empty = await DescribeAsync();
        Assert.Equal([3], empty.StatsByPriorityKey.Keys);
        Assert.Equal((0L, 0f, 0f), (empty.Stats.ApproximateBacklogCount, empty.Stats.TasksAddRate, empty.Stats.TasksDispatchRate));

        var noQueue = await Assert.ThrowsAsync<RpcException>(() => Rpcs.DescribeTaskQueueAsync(new() { Namespace = Client.Options.Namespace }, Rpc));
        var noName = await Assert.ThrowsAsync<RpcException>(() => Rpcs.DescribeTaskQueueAsync(new() { Namespace = Client.Options.Namespace, TaskQueue = new() }, Rpc));
        var sticky = await Assert.ThrowsAsync<RpcException>(() => Rpcs.DescribeTaskQueueAsync(new()
        {
            Namespace = Client.Options.Namespace, TaskQueue = new() { Name = $"{TaskQueue}-sticky", Kind = TaskQueueKind.Sticky, NormalName = TaskQueue }, ReportStats = true,
        }, Rpc));

        Assert.Equal("taskQueue is not set", noQueue.Message);
        Assert.Equal("missing task queue name", noName.Message);
        Assert.Equal("DescribeTaskQueue stats are only supported for the root partition", sticky.Message);
        Assert.All(new[] { noQueue, noName, sticky }, e => Assert.Equal(RpcException.StatusCode.InvalidArgument, e.Code));
    }

    private Task<DescribeTaskQueueResponse> DescribeAsync() =>
        Rpcs.DescribeTaskQueueAsync(new()
        {
            Namespace = Client.Options.Namespace, TaskQueue = new() { Name = TaskQueue }, TaskQueueType = TaskQueueType.Workflow,
#pragma warning disable CS0612
            ReportStats = true, IncludeTaskQueueStatus = true,
#pragma warning restore CS0612
        }, Rpc);
}
