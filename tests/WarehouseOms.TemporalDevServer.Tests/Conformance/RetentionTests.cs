using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Namespace retention: a closed run (or standalone activity) is gone once its retention has passed — NOT_FOUND for
/// describe and history, absent from list and count, deleted from the store — while open runs stay; DescribeNamespace
/// reports the retention the server applies.
/// </summary>
[Collection(ShortRetentionCollection.Name)]
public sealed class RetentionTests(ShortRetentionEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeNamespace_ReportsTheRetentionApplied()
    {
        var described = await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
        Assert.Equal(ShortRetentionEnvironmentFixture.Retention, described.Config.WorkflowExecutionRetentionTtl.ToTimeSpan());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ClosedRun_PastRetention_IsGoneEverywhere_OpenRunStays()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var closed = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("closed"), Options("retained"));
            var open = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("open"), Options("kept"));
            await closed.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await closed.GetResultAsync(rpcOptions: Rpc);
            var runId = (await closed.DescribeAsync(new() { Rpc = Rpc })).RunId;

            await Eventually.UntilAsync(() => DescribeCodeAsync(closed), code => code == RpcException.StatusCode.NotFound, "retention to remove the closed run", cancellationToken: Deadline);
            Assert.Equal(0, await CountAsync($"WorkflowId = '{closed.Id}'"));
            var byRunId = await Assert.ThrowsAsync<RpcException>(() => Client.GetWorkflowHandle(closed.Id, runId).FetchHistoryAsync(HistoryRpc));
            Assert.Equal(RpcException.StatusCode.NotFound, byRunId.Code);
            Assert.Empty(await ListIdsAsync($"WorkflowId = '{closed.Id}'"));
            if (fixture.StoreConnectionString is { } store)
            {
                await Eventually.UntilAsync(() => StoreRowsAsync(store, runId), rows => rows == 0, "retention to delete the run from the store", cancellationToken: Deadline);
            }

            Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running, (await open.DescribeAsync(new() { Rpc = Rpc })).Status);
            Assert.Equal(1, await CountAsync($"WorkflowId = '{open.Id}' AND ExecutionStatus = 'Running'"));
            await open.TerminateAsync("cleanup", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WorkflowId_OfARunPastRetention_CanBeStartedAgain_EvenWhenDuplicatesAreRejected()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var options = Options("reused");
            options.IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate;
            var first = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("first"), options);
            await first.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await first.GetResultAsync(rpcOptions: Rpc);
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("again"), options));

            await Eventually.UntilAsync(() => DescribeCodeAsync(first), code => code == RpcException.StatusCode.NotFound, "retention to remove the first run", cancellationToken: Deadline);
            var second = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("second"), options);
            Assert.NotEqual(first.ResultRunId, second.ResultRunId);
            await second.TerminateAsync("cleanup", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task EachNamespace_KeepsItsClosedRunsForItsOwnRetention_AsUpdated()
    {
        var service = Client.Connection.WorkflowService;
        var ns = $"long-{Guid.NewGuid():N}";
        await service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)) }, Rpc);
        var other = new TemporalClient(Client.Connection, new() { Namespace = ns });
        var options = WorkerOptions().AddWorkflow<CollectorWorkflow>();
        using var worker = new Temporalio.Worker.TemporalWorker(other, options);
        await worker.ExecuteAsync(async () =>
        {
            var kept = await other.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("kept"), Options("kept-an-hour"));
            await kept.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await kept.GetResultAsync(rpcOptions: Rpc);
            await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
            {
                var brief = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("brief"), Options("kept-3s"));
                await brief.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
                await brief.GetResultAsync(rpcOptions: Rpc);
                await Eventually.UntilAsync(() => DescribeCodeAsync(brief), code => code == RpcException.StatusCode.NotFound, "the 3 s namespace's retention", cancellationToken: Deadline);
            });

            // Closed before the other namespace's run, and still there: its namespace keeps runs for an hour.
            Assert.Null(await DescribeCodeAsync(kept));
            Assert.Equal(1, (await other.CountWorkflowsAsync($"WorkflowId = '{kept.Id}'", new() { Rpc = Rpc })).Count);

            // Shortened by UpdateNamespace: the next sweeps apply the new retention.
            await service.UpdateNamespaceAsync(new() { Namespace = ns, Config = new() { WorkflowExecutionRetentionTtl = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) } }, Rpc);
            await Eventually.UntilAsync(() => DescribeCodeAsync(kept), code => code == RpcException.StatusCode.NotFound, "the shortened retention", cancellationToken: Deadline);
            Assert.Equal(0, (await other.CountWorkflowsAsync($"WorkflowId = '{kept.Id}'", new() { Rpc = Rpc })).Count);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ClosedStandaloneActivity_PastRetention_IsGoneEverywhere_OpenOneStays()
    {
        StartActivityOptions Options(string prefix) => new($"{prefix}-{Guid.NewGuid():N}", TaskQueue) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(50), Rpc = Rpc };
        var closed = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("closed"), Options("retained-activity"));
        var open = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("open"), Options("kept-activity"));

        await closed.TerminateAsync(new() { Reason = "done", Rpc = Rpc });

        await Eventually.UntilAsync(() => DescribeCodeAsync(closed), code => code == RpcException.StatusCode.NotFound, "retention to remove the closed activity", cancellationToken: Deadline);
        Assert.Equal(0, (await Client.CountActivitiesAsync($"ActivityId = '{closed.Id}'", new() { Rpc = Rpc })).Count);
        if (fixture.StoreConnectionString is { } store)
        {
            await Eventually.UntilAsync(() => StoreActivityRowsAsync(store, closed.RunId!), rows => rows == 0, "retention to delete the activity from the store", cancellationToken: Deadline);
        }

        Assert.Equal(Temporalio.Api.Enums.V1.ActivityExecutionStatus.Running, (await open.DescribeAsync(new() { Rpc = Rpc })).Status);
        await open.TerminateAsync(new() { Reason = "cleanup", Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ClosedStandaloneNexusOperation_PastRetention_IsGoneEverywhere_OpenOneStays()
    {
        var endpoint = (await Client.Connection.OperatorService.CreateNexusEndpointAsync(new()
        {
            Spec = new()
            {
                Name = $"retained-{Guid.NewGuid():N}",
                Target = new() { Worker = new() { Namespace = Client.Options.Namespace, TaskQueue = TaskQueue } },
            },
        }, Rpc)).Endpoint.Spec.Name;
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        NexusOperationOptions Options(string prefix) => new($"{prefix}-{Guid.NewGuid():N}") { ScheduleToCloseTimeout = TimeSpan.FromSeconds(50), Rpc = Rpc };
        var closed = await nexus.StartNexusOperationAsync(s => s.Check("closed"), Options("retained-operation")); // no handler polls: both stay scheduled
        var open = await nexus.StartNexusOperationAsync(s => s.Check("open"), Options("kept-operation"));

        await closed.TerminateAsync(new() { Reason = "done", Rpc = Rpc });

        await Eventually.UntilAsync(() => DescribeCodeAsync(closed), code => code == RpcException.StatusCode.NotFound, "retention to remove the closed operation", cancellationToken: Deadline);
        Assert.Equal(0, (await Client.CountNexusOperationsAsync($"OperationId = '{closed.Id}'", new() { Rpc = Rpc })).Count);
        if (fixture.StoreConnectionString is { } store)
        {
            await Eventually.UntilAsync(() => StoreRowsAsync(store, "standalone_nexus_operations", closed.RunId!), rows => rows == 0,
                "retention to delete the operation from the store", cancellationToken: Deadline);
        }

        Assert.Equal(Temporalio.Api.Enums.V1.NexusOperationExecutionStatus.Running, (await open.DescribeAsync(new() { Rpc = Rpc })).Status);
        await open.TerminateAsync(new() { Reason = "cleanup", Rpc = Rpc });
    }

    private async Task<RpcException.StatusCode?> DescribeCodeAsync(NexusOperationHandle handle)
    {
        try
        {
            await handle.DescribeAsync(new() { Rpc = Rpc });
            return null;
        }
        catch (RpcException e)
        {
            return e.Code;
        }
    }

    private static async Task<long> StoreRowsAsync(string connectionString, string table, string runId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM temporal.{table} WHERE run_id = @r", connection);
        command.Parameters.AddWithValue("r", runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<RpcException.StatusCode?> DescribeCodeAsync(ActivityHandle handle)
    {
        try
        {
            await handle.DescribeAsync(new() { Rpc = Rpc });
            return null;
        }
        catch (RpcException e)
        {
            return e.Code;
        }
    }

    private static async Task<long> StoreActivityRowsAsync(string connectionString, string runId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM temporal.standalone_activities WHERE run_id = @r", connection);
        command.Parameters.AddWithValue("r", runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<RpcException.StatusCode?> DescribeCodeAsync(WorkflowHandle handle)
    {
        try
        {
            await handle.DescribeAsync(new() { Rpc = Rpc });
            return null;
        }
        catch (RpcException e)
        {
            return e.Code;
        }
    }

    private static async Task<long> StoreRowsAsync(string connectionString, string runId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM temporal.executions WHERE run_id = @r) + (SELECT count(*) FROM temporal.history_events WHERE run_id = @r)
                 + (SELECT count(*) FROM temporal.request_ids WHERE run_id = @r)
            """, connection);
        command.Parameters.AddWithValue("r", runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
