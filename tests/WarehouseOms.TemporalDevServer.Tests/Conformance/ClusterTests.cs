using Temporalio.Api.TaskQueue.V1;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// The cluster as Temporal describes a single-cluster dev server: GetClusterInfo, OperatorService.ListClusters and
/// ListTaskQueuePartitions, which tools such as the CLI's <c>operator cluster describe</c> call.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class ClusterTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private string Target => Client.Connection.Options.TargetHost!;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task GetClusterInfo_DescribesTheOneClusterTheNamespacesAreActiveIn()
    {
        var info = await Client.Connection.WorkflowService.GetClusterInfoAsync(new(), Rpc);
        var system = await Client.Connection.WorkflowService.GetSystemInfoAsync(new(), Rpc);
        var ns = await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);

        Assert.Equal(ns.ReplicationConfig.ActiveClusterName, info.ClusterName);
        Assert.True(Guid.TryParse(info.ClusterId, out _), info.ClusterId);
        Assert.Equal(system.ServerVersion, info.ServerVersion);
        Assert.Equal(1, info.HistoryShardCount);
        Assert.Equal(1, info.InitialFailoverVersion);
        Assert.Equal(10, info.FailoverVersionIncrement);
        Assert.Contains(info.PersistenceStore, new[] { "memory", "postgres" });
        Assert.Equal(info.PersistenceStore, info.VisibilityStore);
        Assert.Equal("<2.0.0", info.SupportedClients["temporal-cli"]);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ListClusters_ShowsTheSameClusterAtTheAddressTheClientDialled()
    {
        var info = await Client.Connection.WorkflowService.GetClusterInfoAsync(new(), Rpc);

        var cluster = Assert.Single((await Client.Connection.OperatorService.ListClustersAsync(new(), Rpc)).Clusters);

        Assert.Equal((info.ClusterName, info.ClusterId, info.HistoryShardCount, info.InitialFailoverVersion), (cluster.ClusterName, cluster.ClusterId, cluster.HistoryShardCount, cluster.InitialFailoverVersion));
        Assert.Equal(Target, cluster.Address);
        Assert.True(cluster.IsConnectionEnabled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ListTaskQueuePartitions_ShowsOnePartitionOfEachTypeOwnedByTheEngine()
    {
        var response = await Client.Connection.WorkflowService.ListTaskQueuePartitionsAsync(
            new() { Namespace = Client.Options.Namespace, TaskQueue = new TaskQueue { Name = TaskQueue } }, Rpc);

        foreach (var partitions in new[] { response.WorkflowTaskQueuePartitions, response.ActivityTaskQueuePartitions })
        {
            var partition = Assert.Single(partitions);
            Assert.Equal((TaskQueue, Target), (partition.Key, partition.OwnerHostName));
        }

        var unnamed = await Assert.ThrowsAsync<RpcException>(() => Client.Connection.WorkflowService.ListTaskQueuePartitionsAsync(
            new() { Namespace = Client.Options.Namespace, TaskQueue = new TaskQueue() }, Rpc));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "missing task queue name"), (unnamed.Code, unnamed.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task GetSystemInfo_and_DescribeNamespace_report_the_capabilities_the_engine_has()
    {
        var system = (await Client.Connection.WorkflowService.GetSystemInfoAsync(new(), Rpc)).Capabilities;
        var ns = (await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc)).NamespaceInfo;

        Assert.True(system.SupportsSchedules && system.CountGroupByExecutionStatus && system.EagerWorkflowStart && system.UpsertMemo);
        Assert.True(system.Nexus);
        Assert.True(ns.SupportsSchedules);
        Assert.True(ns.Capabilities.EagerWorkflowStart && ns.Capabilities.SyncUpdate && ns.Capabilities.AsyncUpdate);

        // Off unless frontend.enableCancelWorkerPollsOnShutdown is set (WorkerShutdownTests); never what the engine lacks.
        Assert.False(ns.Capabilities.WorkerPollCompleteOnShutdown);
        Assert.True(ns.Capabilities.WorkerHeartbeats);
        Assert.True(ns.Capabilities.StandaloneActivities && ns.Capabilities.StandaloneActivityStartDelay); // ADR 0051
        Assert.False(ns.Capabilities.PollerAutoscaling || ns.Capabilities.StandaloneActivityOperatorCommands ||
            ns.Capabilities.StandaloneActivityBatchOperations || ns.Capabilities.WorkflowPause || ns.Capabilities.WorkerCommands ||
            ns.Capabilities.WorkflowUpdateCallbacks); // off unless history.enableUpdateCallbacks is set (UpdateCallbackTests)
    }
}
