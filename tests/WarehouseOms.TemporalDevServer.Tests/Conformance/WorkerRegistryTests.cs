using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Worker.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Runtime;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Worker heartbeats and the worker RPCs, as Temporal answers them with its defaults: the namespace says it takes
/// heartbeats, so the SDK's workers send them; ListWorkers, DescribeWorker and CountWorkers show the last one of
/// each worker, filtered by the worker query language and paged in worker instance key order.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class WorkerRegistryTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Rpcs => Client.Connection.WorkflowService;

    private string Ns => Client.Options.Namespace;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnSdkWorker_HeartbeatsBecauseTheNamespaceSaysSo_AndIsListedDescribedAndCounted()
    {
        var described = await Rpcs.DescribeNamespaceAsync(new() { Namespace = Ns }, Rpc);
        Assert.True(described.NamespaceInfo.Capabilities.WorkerHeartbeats);

        // The SDK heartbeats once a minute by default (its first after a minute too); a runtime of its own makes that 1 s.
        var runtime = new TemporalRuntime(new() { WorkerHeartbeatInterval = TimeSpan.FromSeconds(1) });
        var client = await TemporalClient.ConnectAsync(new(Client.Connection.Options.TargetHost!) { Namespace = Ns, Runtime = runtime });
        using var sdkWorker = new TemporalWorker(client, WorkerOptions().AddWorkflow<CollectorWorkflow>());
        await sdkWorker.ExecuteAsync(async () =>
        {
            var listed = await Eventually.UntilAsync(() => Rpcs.ListWorkersAsync(new() { Namespace = Ns, Query = $"TaskQueue = '{TaskQueue}'" }, Rpc),
                r => r.Workers.Count > 0, "the worker's first heartbeat", cancellationToken: Deadline);

            var worker = Assert.Single(listed.Workers);
            Assert.Equal((TaskQueue, WorkerStatus.Running), (worker.TaskQueue, worker.Status));
            Assert.False(string.IsNullOrEmpty(worker.WorkerInstanceKey));
            Assert.False(string.IsNullOrEmpty(worker.SdkName));
#pragma warning disable CS0612 // the deprecated full-heartbeat list, which Temporal still fills
            Assert.Equal(worker.WorkerInstanceKey, Assert.Single(listed.WorkersInfo).WorkerHeartbeat.WorkerInstanceKey);
#pragma warning restore CS0612
            var one = await Rpcs.DescribeWorkerAsync(new() { Namespace = Ns, WorkerInstanceKey = worker.WorkerInstanceKey }, Rpc);
            Assert.Equal((TaskQueue, worker.WorkerIdentity), (one.WorkerInfo.WorkerHeartbeat.TaskQueue, one.WorkerInfo.WorkerHeartbeat.WorkerIdentity));
            var count = await Rpcs.CountWorkersAsync(new() { Namespace = Ns, Query = $"TaskQueue = '{TaskQueue}' AND Status = 'WORKER_STATUS_RUNNING'" }, Rpc);
            Assert.Equal(1, count.Count);
        }, Deadline);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Heartbeats_AreListedInKeyOrder_InPages_FilteredByQuery_AndAShutdownOneRemovesItsWorker()
    {
        var prefix = $"wk-{Guid.NewGuid():N}";
        var start = DateTime.UtcNow.AddMinutes(-1);
        await Rpcs.RecordWorkerHeartbeatAsync(Heartbeats(
            Beat($"{prefix}-c", "host-2", TaskQueue, WorkerStatus.ShuttingDown, start),
            Beat($"{prefix}-a", "host-1", TaskQueue, WorkerStatus.Running, start),
            Beat($"{prefix}-b", "host-1", TaskQueue, WorkerStatus.Running, start.AddSeconds(30)),
            Beat($"{prefix}-s", "host-1", "temporal-sys-per-ns-tq", WorkerStatus.Running, start)), Rpc);

        var mine = $"WorkerInstanceKey STARTS_WITH '{prefix}'";
        var page1 = await Rpcs.ListWorkersAsync(new() { Namespace = Ns, Query = mine, PageSize = 2 }, Rpc);
        var page2 = await Rpcs.ListWorkersAsync(new() { Namespace = Ns, Query = mine, PageSize = 2, NextPageToken = page1.NextPageToken }, Rpc);
        Assert.Equal([$"{prefix}-a", $"{prefix}-b"], page1.Workers.Select(w => w.WorkerInstanceKey));
        Assert.Equal([$"{prefix}-c"], page2.Workers.Select(w => w.WorkerInstanceKey));
        Assert.True(page2.NextPageToken.IsEmpty);

        Assert.Equal(3, await CountWorkersAsync(mine));
        Assert.Equal(4, (await Rpcs.CountWorkersAsync(new() { Namespace = Ns, Query = mine, IncludeSystemWorkers = true }, Rpc)).Count);
        Assert.Equal(2, await CountWorkersAsync($"{mine} AND HostName = 'host-1'"));
        Assert.Equal(1, await CountWorkersAsync($"{mine} AND WorkerStatus = 'WORKER_STATUS_SHUTTING_DOWN'"));
        Assert.Equal(1, await CountWorkersAsync($"{mine} AND StartTime > '{start.AddSeconds(10):O}'"));
        Assert.Equal(2, await CountWorkersAsync($"{mine} AND (HostName = 'host-2' OR StartTime > '{start.AddSeconds(10):O}')"));
        // A field the worker query does not know matches nothing, as in Temporal.
        Assert.Equal(0, await CountWorkersAsync($"{mine} AND NoSuchField = 'x'"));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => Rpcs.CountWorkersAsync(new() { Namespace = Ns, Query = "TaskQueue = " }, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, malformed.Code);
        Assert.StartsWith("malformed query: ", malformed.Message);

        // A newer heartbeat replaces the worker's whole entry; a SHUTDOWN one removes it.
        await Rpcs.RecordWorkerHeartbeatAsync(Heartbeats(Beat($"{prefix}-a", "host-9", TaskQueue, WorkerStatus.Running, start),
            Beat($"{prefix}-b", "host-1", TaskQueue, WorkerStatus.Shutdown, start)), Rpc);
        var a = await Rpcs.DescribeWorkerAsync(new() { Namespace = Ns, WorkerInstanceKey = $"{prefix}-a" }, Rpc);
        Assert.Equal("host-9", a.WorkerInfo.WorkerHeartbeat.HostInfo.HostName);
        var gone = await Assert.ThrowsAsync<RpcException>(() => Rpcs.DescribeWorkerAsync(new() { Namespace = Ns, WorkerInstanceKey = $"{prefix}-b" }, Rpc));
        Assert.Equal((RpcException.StatusCode.NotFound, $"Worker {prefix}-b not found"), (gone.Code, gone.Message));
        Assert.Equal(2, await CountWorkersAsync(mine));
    }

    private async Task<long> CountWorkersAsync(string query) => (await Rpcs.CountWorkersAsync(new() { Namespace = Ns, Query = query }, Rpc)).Count;

    private RecordWorkerHeartbeatRequest Heartbeats(params WorkerHeartbeat[] beats)
    {
        var request = new RecordWorkerHeartbeatRequest { Namespace = Ns, Identity = "test" };
        request.WorkerHeartbeat.AddRange(beats);
        return request;
    }

    internal static WorkerHeartbeat Beat(string key, string host, string taskQueue, WorkerStatus status, DateTime start) => new()
    {
        WorkerInstanceKey = key,
        WorkerIdentity = $"identity-{key}",
        HostInfo = new WorkerHostInfo { HostName = host, ProcessId = "42" },
        TaskQueue = taskQueue,
        SdkName = "raw-test",
        SdkVersion = "1.0",
        Status = status,
        StartTime = Timestamp.FromDateTime(start),
        HeartbeatTime = Timestamp.FromDateTime(DateTime.UtcNow),
    };
}

/// <summary>A worker that stops heartbeating leaves the list after the registry's TTL, as in Temporal's matching service.</summary>
[Collection(ShortRetentionCollection.Name)]
public sealed class WorkerExpiryTests(ShortRetentionEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task ASilentWorker_LeavesTheListAfterTheTtl()
    {
        var ns = Client.Options.Namespace;
        var key = $"silent-{Guid.NewGuid():N}";
        var request = new RecordWorkerHeartbeatRequest { Namespace = ns };
        request.WorkerHeartbeat.Add(WorkerRegistryTests.Beat(key, "host", TaskQueue, WorkerStatus.Running, DateTime.UtcNow));
        await Client.Connection.WorkflowService.RecordWorkerHeartbeatAsync(request, Rpc);
        var heardAt = DateTime.UtcNow;
        await Client.Connection.WorkflowService.DescribeWorkerAsync(new() { Namespace = ns, WorkerInstanceKey = key }, Rpc);

        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await Client.Connection.WorkflowService.DescribeWorkerAsync(new() { Namespace = ns, WorkerInstanceKey = key }, Rpc);
                return false;
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
                return true;
            }
        }, gone => gone, "the silent worker gone", cancellationToken: Deadline);

        Assert.True(DateTime.UtcNow - heardAt >= ShortRetentionEnvironmentFixture.WorkerTtl, "not before its TTL");
    }
}
