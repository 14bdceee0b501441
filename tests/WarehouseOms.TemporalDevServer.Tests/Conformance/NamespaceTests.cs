using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// RegisterNamespace, DescribeNamespace (by name or ID), ListNamespaces, UpdateNamespace and DeprecateNamespace as
/// Temporal's frontend answers them, and a registered namespace runs workflows like the default one.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class NamespaceTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ARegisteredNamespace_IsDescribedListedUpdated_AndRunsWorkflows()
    {
        var ns = $"orders-{Guid.NewGuid():N}";
        await Service.RegisterNamespaceAsync(new()
        {
            Namespace = ns,
            Description = "orders of the north warehouse",
            OwnerEmail = "ops@example.com",
            WorkflowExecutionRetentionPeriod = Duration.FromTimeSpan(TimeSpan.FromDays(3)),
            Data = { ["team"] = "fulfilment" },
        }, Rpc);

        var described = await Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc);
        Assert.Equal((ns, "orders of the north warehouse", "ops@example.com", "fulfilment", TimeSpan.FromDays(3)),
            (described.NamespaceInfo.Name, described.NamespaceInfo.Description, described.NamespaceInfo.OwnerEmail, described.NamespaceInfo.Data["team"],
                described.Config.WorkflowExecutionRetentionTtl.ToTimeSpan()));
        Assert.Equal(Temporalio.Api.Enums.V1.NamespaceState.Registered, described.NamespaceInfo.State);
        Assert.True(Guid.TryParse(described.NamespaceInfo.Id, out _));
        Assert.Equal(ns, (await Service.DescribeNamespaceAsync(new() { Id = described.NamespaceInfo.Id }, Rpc)).NamespaceInfo.Name);

        // Listed in name order, a page at a time, with the engine's own namespace.
        var names = new List<string>();
        var request = new ListNamespacesRequest { PageSize = 1 };
        do
        {
            var page = await Service.ListNamespacesAsync(request, Rpc);
            Assert.True(page.Namespaces.Count <= 1);
            names.AddRange(page.Namespaces.Select(n => n.NamespaceInfo.Name));
            request.NextPageToken = page.NextPageToken;
        }
        while (!request.NextPageToken.IsEmpty);

        Assert.Contains(ns, names);
        Assert.Contains(Client.Options.Namespace, names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        // As Temporal: empty fields leave what was there, data keys are merged, the retention is replaced.
        var updated = await Service.UpdateNamespaceAsync(new()
        {
            Namespace = ns,
            UpdateInfo = new() { Description = "orders of both warehouses", Data = { ["region"] = "eu" } },
            Config = new() { WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(TimeSpan.FromDays(7)) },
        }, Rpc);
        Assert.Equal(("orders of both warehouses", "ops@example.com", 2, TimeSpan.FromDays(7)),
            (updated.NamespaceInfo.Description, updated.NamespaceInfo.OwnerEmail, updated.NamespaceInfo.Data.Count, updated.Config.WorkflowExecutionRetentionTtl.ToTimeSpan()));
        Assert.Equal(TimeSpan.FromDays(7), (await Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc)).Config.WorkflowExecutionRetentionTtl.ToTimeSpan());

        var client = new TemporalClient(Client.Connection, new() { Namespace = ns });
        using var worker = new Temporalio.Worker.TemporalWorker(client, WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet));
        var greeting = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("north"), Options("in-namespace")));
        Assert.Equal("Hello, north!", greeting);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ADeprecatedNamespace_TakesNoNewWorkflows_ButKeepsItsRuns_AndADeletedOneIsRefusedButStillTicks()
    {
        var ns = $"old-{Guid.NewGuid():N}";
        await Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = Duration.FromTimeSpan(TimeSpan.FromDays(1)) }, Rpc);
        var client = new TemporalClient(Client.Connection, new() { Namespace = ns });
        var running = await client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("before-deprecation"));

        await Service.DeprecateNamespaceAsync(new() { Namespace = ns }, Rpc);
        Assert.Equal(Temporalio.Api.Enums.V1.NamespaceState.Deprecated, (await Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc)).NamespaceInfo.State);
        var start = await Assert.ThrowsAsync<RpcException>(() => client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("after-deprecation")));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "Namespace has invalid state: Deprecated. Must be Registered."), (start.Code, start.Message));
        await running.SignalAsync(wf => wf.AddAsync("still served"), SignalRpc);
        Assert.Equal(RpcException.StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Service.UpdateNamespaceAsync(
            new() { Namespace = ns, UpdateInfo = new() { State = Temporalio.Api.Enums.V1.NamespaceState.Registered } }, Rpc))).Code);

        // A delayed start's timer still fires after the namespace is marked Deleted (and must not stop the server).
        var other = $"gone-{Guid.NewGuid():N}";
        await Service.RegisterNamespaceAsync(new() { Namespace = other, WorkflowExecutionRetentionPeriod = Duration.FromTimeSpan(TimeSpan.FromDays(1)) }, Rpc);
        var otherClient = new TemporalClient(Client.Connection, new() { Namespace = other });
        await otherClient.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new(NewWorkflowId("delayed"), TaskQueue) { StartDelay = TimeSpan.FromSeconds(1) });
        await Service.UpdateNamespaceAsync(new() { Namespace = other, UpdateInfo = new() { State = Temporalio.Api.Enums.V1.NamespaceState.Deleted } }, Rpc);

        await Service.UpdateNamespaceAsync(new() { Namespace = ns, UpdateInfo = new() { State = Temporalio.Api.Enums.V1.NamespaceState.Deleted } }, Rpc);
        var signal = await Assert.ThrowsAsync<RpcException>(() => running.SignalAsync(wf => wf.AddAsync("gone"), SignalRpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "Namespace has invalid state: Deleted. Must be Registered or Deprecated."), (signal.Code, signal.Message));

        // As Temporal: DescribeNamespace reads it anyway; ListNamespaces shows it only when asked to.
        Assert.Equal(Temporalio.Api.Enums.V1.NamespaceState.Deleted, (await Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc)).NamespaceInfo.State);
        Assert.DoesNotContain(ns, await NamesAsync(includeDeleted: false));
        Assert.Contains(ns, await NamesAsync(includeDeleted: true));

        await Task.Delay(TimeSpan.FromSeconds(2), Deadline);
        Assert.Equal(Temporalio.Api.Enums.V1.NamespaceState.Registered, (await Service.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc)).NamespaceInfo.State);
    }

    private async Task<List<string>> NamesAsync(bool includeDeleted)
    {
        var names = new List<string>();
        var request = new ListNamespacesRequest { NamespaceFilter = new() { IncludeDeleted = includeDeleted } };
        do
        {
            var page = await Service.ListNamespacesAsync(request, Rpc);
            names.AddRange(page.Namespaces.Select(n => n.NamespaceInfo.Name));
            request.NextPageToken = page.NextPageToken;
        }
        while (!request.NextPageToken.IsEmpty);

        return names;
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Refusals_AreTemporals()
    {
        var ns = $"dup-{Guid.NewGuid():N}";
        var day = Duration.FromTimeSpan(TimeSpan.FromDays(1));
        await Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = day }, Rpc);

        var again = await Assert.ThrowsAsync<RpcException>(() => Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = day }, Rpc));
        Assert.Equal((RpcException.StatusCode.AlreadyExists, $"Namespace \"{ns}\" already exists"), (again.Code, again.Message));

        foreach (var retention in new Duration?[] { null, Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) })
        {
            var tooShort = await Assert.ThrowsAsync<RpcException>(() => Service.RegisterNamespaceAsync(new() { Namespace = $"short-{Guid.NewGuid():N}", WorkflowExecutionRetentionPeriod = retention }, Rpc));
            Assert.Equal((RpcException.StatusCode.InvalidArgument, "A valid retention period is not set on request."), (tooShort.Code, tooShort.Message));
        }

        var noName = await Assert.ThrowsAsync<RpcException>(() => Service.RegisterNamespaceAsync(new() { WorkflowExecutionRetentionPeriod = day }, Rpc));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "Namespace not set on request."), (noName.Code, noName.Message));

        var unknown = $"none-{Guid.NewGuid():N}";
        var update = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateNamespaceAsync(new() { Namespace = unknown }, Rpc));
        Assert.Equal((RpcException.StatusCode.NotFound, $"Namespace {unknown} is not found."), (update.Code, update.Message));
        var describe = await Assert.ThrowsAsync<RpcException>(() => Service.DescribeNamespaceAsync(new() { Namespace = unknown }, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, describe.Code);
        var shorten = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateNamespaceAsync(
            new() { Namespace = ns, Config = new() { WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) } }, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, shorten.Code);
    }
}
