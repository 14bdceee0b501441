using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// RegisterNamespace, DescribeNamespace (by name or ID), ListNamespaces, UpdateNamespace, DeprecateNamespace and
/// OperatorService.DeleteNamespace as Temporal answers them, and a registered namespace runs workflows like the
/// default one.
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

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DeleteNamespace_EndsItsRunsAndSchedules_FreesItsName_AndKeepsARenamedTombstoneForTheDelay()
    {
        var ns = $"closing-{Guid.NewGuid():N}";
        var day = Duration.FromTimeSpan(TimeSpan.FromDays(1));
        await Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = day }, Rpc);
        var id = (await Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc)).NamespaceInfo.Id;
        var client = new TemporalClient(Client.Connection, new() { Namespace = ns });
        using (var worker = new Temporalio.Worker.TemporalWorker(client, WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet)))
        {
            await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("closed"), Options("closed")));
        }

        var running = await client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("open"));
        var schedule = await client.CreateScheduleAsync($"hourly-{Guid.NewGuid():N}", new(
            ScheduleActionStartWorkflow.Create((CollectorWorkflow wf) => wf.RunAsync("x"), Options("scheduled")),
            new ScheduleSpec { Intervals = [new(TimeSpan.FromHours(1))] }));
        var operators = Client.Connection.OperatorService;

        var deleted = await operators.DeleteNamespaceAsync(new() { Namespace = ns, NamespaceDeleteDelay = Duration.FromTimeSpan(TimeSpan.FromHours(1)) }, Rpc);

        // As Temporal's delete-namespace workflow: renamed "<name>-deleted-<first 5 of its ID>", state Deleted, same ID.
        Assert.Equal($"{ns}-deleted-{id[..5]}", deleted.DeletedNamespace);
        var gone = await Assert.ThrowsAsync<RpcException>(() => Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc));
        Assert.Equal((RpcException.StatusCode.NotFound, $"Namespace {ns} is not found."), (gone.Code, gone.Message));
        var tombstone = await Service.DescribeNamespaceAsync(new() { Id = id }, Rpc);
        Assert.Equal((deleted.DeletedNamespace, Temporalio.Api.Enums.V1.NamespaceState.Deleted), (tombstone.NamespaceInfo.Name, tombstone.NamespaceInfo.State));
        Assert.DoesNotContain(deleted.DeletedNamespace, await NamesAsync(includeDeleted: false));
        Assert.Contains(deleted.DeletedNamespace, await NamesAsync(includeDeleted: true));
        var deletedClient = new TemporalClient(Client.Connection, new() { Namespace = deleted.DeletedNamespace });
        var refused = await Assert.ThrowsAsync<RpcException>(() => deletedClient.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("refused")));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "Namespace has invalid state: Deleted. Must be Registered."), (refused.Code, refused.Message));
        var onOldName = await Assert.ThrowsAsync<RpcException>(() => running.SignalAsync(wf => wf.AddAsync("late"), SignalRpc));
        Assert.Equal(RpcException.StatusCode.NotFound, onOldName.Code);
        var attributes = await Assert.ThrowsAsync<RpcException>(() => operators.AddSearchAttributesAsync(
            new() { Namespace = deleted.DeletedNamespace, SearchAttributes = { ["Late"] = Temporalio.Api.Enums.V1.IndexedValueType.Keyword } }, Rpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "Namespace has invalid state: Deleted. Must be Registered or Deprecated."), (attributes.Code, attributes.Message));

        // The name is free again, and nothing of the deleted namespace comes with it: no runs, no schedules.
        await Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = day }, Rpc);
        Assert.NotEqual(id, (await Service.DescribeNamespaceAsync(new() { Namespace = ns }, Rpc)).NamespaceInfo.Id);
        await Assert.ThrowsAsync<RpcException>(() => client.GetWorkflowHandle(running.Id).DescribeAsync(new() { Rpc = Rpc }));
        Assert.Equal(0, (await client.CountWorkflowsAsync("", new() { Rpc = Rpc })).Count);
        Assert.Empty(await client.ListSchedulesAsync(new() { Rpc = Rpc }).ToListAsync(Deadline));
        await Assert.ThrowsAsync<RpcException>(() => client.GetScheduleHandle(schedule.Id).DescribeAsync(Rpc));

        // Deleted again (as Temporal allows) with no delay, the tombstone goes at once.
        Assert.Equal(deleted.DeletedNamespace, (await operators.DeleteNamespaceAsync(new() { NamespaceId = id }, Rpc)).DeletedNamespace);
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Service.DescribeNamespaceAsync(new() { Id = id }, Rpc))).Code);
        Assert.DoesNotContain(deleted.DeletedNamespace, await NamesAsync(includeDeleted: true));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DeleteNamespace_AfterItsDelay_RemovesTheTombstone_AndRefusesWhatTemporalRefuses()
    {
        var ns = $"brief-{Guid.NewGuid():N}";
        await Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = Duration.FromTimeSpan(TimeSpan.FromDays(1)) }, Rpc);
        var operators = Client.Connection.OperatorService;
        var deleted = await operators.DeleteNamespaceAsync(new() { Namespace = ns, NamespaceDeleteDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) }, Rpc);
        Assert.Equal(Temporalio.Api.Enums.V1.NamespaceState.Deleted, (await Service.DescribeNamespaceAsync(new() { Namespace = deleted.DeletedNamespace }, Rpc)).NamespaceInfo.State);
        await Eventually.UntilAsync(
            async () => await NamesAsync(includeDeleted: true),
            names => !names.Contains(deleted.DeletedNamespace), "the tombstone to go after its delay", cancellationToken: Deadline);
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Service.DescribeNamespaceAsync(new() { Namespace = deleted.DeletedNamespace }, Rpc))).Code);

        // As Temporal's namespace validator answers before its delete-namespace workflow runs.
        var unknown = $"none-{Guid.NewGuid():N}";
        foreach (var (request, code, message) in new (Temporalio.Api.OperatorService.V1.DeleteNamespaceRequest, RpcException.StatusCode, string)[]
        {
            (new(), RpcException.StatusCode.InvalidArgument, "Namespace not set on request."),
            (new() { Namespace = unknown, NamespaceId = Guid.NewGuid().ToString() }, RpcException.StatusCode.InvalidArgument, "Only one of namespace name or Id should be set on request."),
            (new() { Namespace = unknown }, RpcException.StatusCode.NotFound, $"Namespace {unknown} is not found."),
        })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => operators.DeleteNamespaceAsync(request, Rpc));
            Assert.Equal((code, message), (refused.Code, refused.Message));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DeleteNamespace_RefusesAProtectedNamespace()
    {
        var options = new TemporalDevServerOptions { Port = 0 }.WithDynamicConfig("worker.protectedNamespaces", "[\"default\", \"keep\"]");
        await using var server = await TemporalDevServer.StartAsync(options, Deadline);
        var client = await TemporalClient.ConnectAsync(new(server.Target));
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.Connection.OperatorService.DeleteNamespaceAsync(new() { Namespace = "default" }, Rpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "namespace default is protected from deletion"), (refused.Code, refused.Message));
        Assert.Equal(Temporalio.Api.Enums.V1.NamespaceState.Registered,
            (await client.WorkflowService.DescribeNamespaceAsync(new() { Namespace = "default" }, Rpc)).NamespaceInfo.State);
    }
}
