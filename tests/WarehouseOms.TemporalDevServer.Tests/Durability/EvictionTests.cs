using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Closed runs on the PostgreSQL store are not kept in memory: after a restart (which loads open runs only)
/// every call that names a closed run reads it back from the store — describe, history, query, list, count,
/// ID reuse — and retention keeps deleting closed runs across restarts.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class EvictionTests(ITestOutputHelper output)
{
    [Fact(Timeout = 180_000)]
    public async Task ClosedRuns_AfterRestart_AreReadBackFromTheStore_ByEveryCall()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(160));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var queue = $"tq-evicted-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(queue).AddWorkflow<Workflows.CollectorWorkflow>();
        var ids = Enumerable.Range(0, 12).Select(i => $"evicted-{i}-{Guid.NewGuid():N}").ToList();
        List<WorkflowHandle<Workflows.CollectorWorkflow, IReadOnlyList<string>>> handles = [];
        int closedEvents;
        await using (WorkerRun.Start(durable.Client, options, deadline.Token))
        {
            foreach (var id in ids)
            {
                handles.Add(await durable.Client.StartWorkflowAsync((Workflows.CollectorWorkflow w) => w.RunAsync("x"), new(id, queue)));
            }

            // Eight complete (one signal each), four stay open.
            foreach (var handle in handles.Take(8))
            {
                await handle.SignalAsync(w => w.AddAsync("a"));
                await handle.SignalAsync(w => w.FinishAsync());
                await handle.GetResultAsync();
            }

            closedEvents = (await handles[0].FetchHistoryAsync()).Events.Count;
        }

        await durable.Process.KillAsync();
        await durable.Process.StartAsync(deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(durable.Process.Target));
        await using var worker = WorkerRun.Start(client, options, deadline.Token);
        var closed = client.GetWorkflowHandle<Workflows.CollectorWorkflow>(ids[0]);

        var described = await Retry.WhileUnavailableAsync(() => closed.DescribeAsync(), deadline.Token);
        Assert.Equal(WorkflowExecutionStatus.Completed, described.Status);
        Assert.Equal(closedEvents, described.HistoryLength);
        Assert.Equal(closedEvents, (await closed.FetchHistoryAsync()).Events.Count);
        Assert.Equal(closedEvents, (await client.GetWorkflowHandle(ids[1], handles[1].ResultRunId).FetchHistoryAsync()).Events.Count);
        Assert.Equal(new[] { "x", "a" }, await closed.GetResultAsync<IReadOnlyList<string>>());
        Assert.Equal(1, await closed.QueryAsync(w => w.Count));

        var mine = $"TaskQueue = '{queue}'";
        Assert.Equal(8, await CountAsync(client, $"{mine} AND ExecutionStatus = 'Completed'"));
        Assert.Equal(4, await CountAsync(client, $"{mine} AND ExecutionStatus = 'Running'"));
        Assert.Equal(12, await CountAsync(client, $"{mine} AND WorkflowType = 'CollectorWorkflow'"));
        var listed = new List<string>();
        var page = new Temporalio.Api.WorkflowService.V1.ListWorkflowExecutionsRequest { Namespace = client.Options.Namespace, PageSize = 5, Query = $"{mine} ORDER BY StartTime ASC" };
        do
        {
            var answer = await client.Connection.WorkflowService.ListWorkflowExecutionsAsync(page);
            listed.AddRange(answer.Executions.Select(e => e.Execution.WorkflowId));
            page.NextPageToken = answer.NextPageToken;
        }
        while (!page.NextPageToken.IsEmpty);

        Assert.Equal(ids, listed);

        // A closed run that left memory still decides ID reuse; signalling it is NOT_FOUND, as in Temporal.
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => client.StartWorkflowAsync(
            (Workflows.CollectorWorkflow w) => w.RunAsync("again"), new(ids[2], queue) { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate }));
        var signal = await Assert.ThrowsAsync<RpcException>(() => client.GetWorkflowHandle<Workflows.CollectorWorkflow>(ids[3]).SignalAsync(w => w.AddAsync("late")));
        Assert.Equal(RpcException.StatusCode.NotFound, signal.Code);

        foreach (var open in ids.Skip(8))
        {
            var handle = client.GetWorkflowHandle<Workflows.CollectorWorkflow>(open);
            await handle.SignalAsync(w => w.FinishAsync());
            await handle.GetResultAsync(); // a signal is answered before the worker completes the run
        }

        Assert.Equal(12, await CountAsync(client, $"{mine} AND ExecutionStatus = 'Completed'"));
        output.WriteLine($"{closedEvents} events per closed run; all 12 runs read back after the restart");
    }

    [Fact(Timeout = 120_000)]
    public async Task RetentionSweep_KeepsWorking_AfterARestart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token, "--retention", "4s");
        var queue = $"tq-retention-restart-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(queue).AddWorkflow<SleeperWorkflow>();
        string runId;
        WorkflowHandle<SleeperWorkflow, DateTime> closed;
        await using (WorkerRun.Start(durable.Client, options, deadline.Token))
        {
            closed = await durable.Client.StartWorkflowAsync((SleeperWorkflow w) => w.RunAsync(TimeSpan.Zero), new($"retained-{Guid.NewGuid():N}", queue));
            await closed.GetResultAsync();
            runId = closed.ResultRunId!;
        }

        await durable.Process.KillAsync();
        await durable.Process.StartAsync(deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(durable.Process.Target));
        var afterRestart = client.GetWorkflowHandle(closed.Id);

        await Eventually.UntilAsync(() => RowsAsync(durable.Store, runId), rows => rows == 0, "retention to delete the closed run after the restart", cancellationToken: deadline.Token);
        var gone = await Assert.ThrowsAsync<RpcException>(() => afterRestart.DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
        Assert.Equal(0, await CountAsync(client, $"WorkflowId = '{closed.Id}'"));
    }

    private static async Task<long> RowsAsync(DurableStore store, string runId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT (SELECT count(*) FROM temporal.executions WHERE run_id = @r) + (SELECT count(*) FROM temporal.history_events WHERE run_id = @r)", connection);
        command.Parameters.AddWithValue("r", runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountAsync(ITemporalClient client, string query) =>
        (await client.CountWorkflowsAsync(query)).Count;
}
