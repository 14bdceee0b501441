using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Lists on the PostgreSQL store read each run's stored row, not its whole state (ADR 0063). A run last written
/// before rows were kept has none and is listed from its state: both must list the same runs the same way.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class ListedRowTests(ITestOutputHelper output)
{
    [Fact(Timeout = 180_000)]
    public async Task Runs_are_listed_the_same_from_their_stored_rows_as_from_their_states()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(160));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var client = durable.Client;
        var queue = $"tq-listed-rows-{Guid.NewGuid():N}";
        var (ids, handles, worker) = await StartRunsAsync(client, queue, deadline.Token);
        await using var running = worker;

        var mine = $"TaskQueue = '{queue}'";
        string[] queries =
        [
            mine,
            $"{mine} AND CustomKeywordField = 'even'",
            $"{mine} AND HistoryLength > 0 ORDER BY StartTime ASC",
            $"{mine} AND (ExecutionStatus = 'Running' OR CustomIntField >= 3)",
        ];
        var fromRows = await ListEachAsync(client, queries);
        Assert.Equal([6, 3, 4, 3], fromRows.Select(rows => rows.Count));
        var listed = fromRows[0].ToDictionary(r => r.Execution.WorkflowId);
        foreach (var id in ids)
        {
            var described = (await client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
            {
                Namespace = client.Options.Namespace,
                Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = id },
            })).WorkflowExecutionInfo;
            var row = listed[id];
            Assert.Equal(described.Status, row.Status);
            // Visibility records the counts when a run closes, as Temporal's does: an open run lists none.
            Assert.Equal(described.Status == WorkflowExecutionStatus.Running ? 0 : described.HistoryLength, row.HistoryLength);
            Assert.Equal(described.SearchAttributes, row.SearchAttributes);
            Assert.Equal(described.Memo, row.Memo);
        }

        // A change that leaves the listed fields as they were (a signal to an open run) keeps the stored row, current.
        var kept = await RowOfAsync(durable.Store, ids[5]);
        await handles[5].SignalAsync(w => w.AddAsync("b"));
        var after = await RowOfAsync(durable.Store, ids[5]);
        Assert.True(after.UpdatedAt > kept.UpdatedAt, "the signal was written");
        Assert.True(after.Current, "the kept row is current");
        Assert.Equal(kept.Row, after.Row);
        Assert.Equal(fromRows, await ListEachAsync(client, queries));

        // Lists read the rows: give the open run ids[5] the row of ids[0], as if it were current.
        const string CopyRow =
            """
            UPDATE temporal.executions e SET listed_row = o.listed_row, listed_at = e.updated_at
            FROM temporal.executions o WHERE e.workflow_id = @id AND o.workflow_id = @other
            """;
        Assert.Equal(1, await ExecuteAsync(durable.Store, CopyRow, ("id", ids[5]), ("other", ids[0])));
        var misread = (await ListEachAsync(client, queries.Take(1)))[0];
        Assert.Equal(2, misread.Count(r => r.Execution.WorkflowId == ids[0]));
        // An engine that predates the rows (a rollback) rewrites a run's state but not its row: the row is stale now.
        Assert.Equal(1, await ExecuteAsync(durable.Store, "UPDATE temporal.executions SET updated_at = now() WHERE workflow_id = @id", ("id", ids[5])));
        Assert.Equal(fromRows, await ListEachAsync(client, queries));

        // As a store written before rows were kept: no run has one.
        Assert.Equal(6, await ExecuteAsync(durable.Store, "UPDATE temporal.executions SET listed_row = NULL WHERE task_queue = @q", ("q", queue)));
        var fromStates = await ListEachAsync(client, queries);
        Assert.Equal(fromRows, fromStates);
        foreach (var query in queries.Take(2))
        {
            Assert.Equal(fromRows[Array.IndexOf(queries, query)].Count, (await client.CountWorkflowsAsync(query)).Count);
        }

        // A run's next change writes its row again.
        await handles[4].SignalAsync(w => w.FinishAsync());
        await handles[4].GetResultAsync();
        Assert.Equal(1, await ExecuteAsync(durable.Store, "SELECT count(*) FROM temporal.executions WHERE task_queue = @q AND listed_row IS NOT NULL AND listed_at = updated_at", ("q", queue)));
        output.WriteLine($"{fromRows.Sum(r => r.Count)} rows listed the same from stored rows and from states");
    }

    [Fact(Timeout = 180_000)]
    public async Task Counts_of_exact_conditions_are_answered_by_the_store_without_reading_a_run()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(160));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var client = durable.Client;
        var queue = $"tq-counted-{Guid.NewGuid():N}";
        var (ids, _, worker) = await StartRunsAsync(client, queue, deadline.Token);
        await using var running = worker;
        var mine = $"TaskQueue = '{queue}'";

        // Conditions the store cannot decide alone go through each run's filter, however they are joined.
        Assert.Equal(0, await CountAsync(client, $"{mine} AND TaskQueue = 'another'"));
        Assert.Equal(3, await CountAsync(client, $"{mine} AND CustomIntField >= 3"));
        Assert.Equal(1, await CountAsync(client, $"CustomIntField = 5 AND {mine}"));
        Assert.Equal(2, await CountAsync(client, $"{mine} AND ExecutionStatus = 'Running' OR WorkflowId = '{ids[0]}' AND CustomIntField = 1"));
        Assert.Equal(1, await CountAsync(client, $"WorkflowId STARTS_WITH 'listed-1' AND WorkflowId STARTS_WITH 'listed-1-'"));
        Assert.Equal(0, await CountAsync(client, $"WorkflowId STARTS_WITH 'listed-1' AND WorkflowId STARTS_WITH 'listed-2'"));

        // Every run's row and state made unreadable: what only equalities and a prefix ask is still counted (in SQL),
        // anything else now fails to read the runs.
        Assert.Equal(6, await ExecuteAsync(durable.Store,
            "UPDATE temporal.executions SET listed_row = '\\x0a'::bytea, state = '\\x7b'::bytea, listed_at = updated_at WHERE task_queue = @q", ("q", queue)));
        Assert.Equal(6, await CountAsync(client, string.Empty));
        Assert.Equal(6, await CountAsync(client, mine));
        Assert.Equal(4, await CountAsync(client, $"{mine} AND ExecutionStatus = 'Completed'"));
        Assert.Equal(1, await CountAsync(client, $"WorkflowId = '{ids[2]}' AND {mine}"));
        Assert.Equal(6, await CountAsync(client, "WorkflowId STARTS_WITH 'listed-'"));
        var grouped = await client.CountWorkflowsAsync($"{mine} GROUP BY ExecutionStatus");
        Assert.Equal(6, grouped.Count);
        Assert.Equal([2, 4], grouped.Groups.Select(g => g.Count).Order());
        await Assert.ThrowsAnyAsync<Exception>(() => CountAsync(client, $"{mine} AND CustomIntField >= 3"));
        output.WriteLine("exact counts answered from the store's columns");
    }

    /// <summary>Six runs on the queue (custom attributes: CustomKeywordField even/odd, CustomIntField its position); four completed.</summary>
    private static async Task<(List<string> Ids, List<WorkflowHandle<Workflows.CollectorWorkflow, IReadOnlyList<string>>> Handles, IAsyncDisposable Worker)> StartRunsAsync(
        ITemporalClient client, string queue, CancellationToken cancellationToken)
    {
        var options = new TemporalWorkerOptions(queue).AddWorkflow<Workflows.CollectorWorkflow>();
        var ids = Enumerable.Range(0, 6).Select(i => $"listed-{i}-{Guid.NewGuid():N}").ToList();
        var worker = WorkerRun.Start(client, options, cancellationToken);
        var handles = new List<WorkflowHandle<Workflows.CollectorWorkflow, IReadOnlyList<string>>>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            handles.Add(await client.StartWorkflowAsync((Workflows.CollectorWorkflow w) => w.RunAsync("x"), new(id, queue)
            {
                Memo = new Dictionary<string, object> { ["position"] = i },
                TypedSearchAttributes = new SearchAttributeCollection.Builder()
                    .Set(SearchAttributeKey.CreateKeyword("CustomKeywordField"), i % 2 == 0 ? "even" : "odd")
                    .Set(SearchAttributeKey.CreateLong("CustomIntField"), i)
                    .ToSearchAttributeCollection(),
            }));
        }

        // Four complete (their rows carry the counts written at close), two stay open.
        foreach (var handle in handles.Take(4))
        {
            await handle.SignalAsync(w => w.AddAsync("a"));
            await handle.SignalAsync(w => w.FinishAsync());
            await handle.GetResultAsync();
        }

        return (ids, handles, worker);
    }

    private static async Task<long> CountAsync(ITemporalClient client, string query) => (await client.CountWorkflowsAsync(query)).Count;

    private static async Task<List<List<Temporalio.Api.Workflow.V1.WorkflowExecutionInfo>>> ListEachAsync(ITemporalClient client, IEnumerable<string> queries)
    {
        var lists = new List<List<Temporalio.Api.Workflow.V1.WorkflowExecutionInfo>>();
        foreach (var query in queries)
        {
            var rows = new List<Temporalio.Api.Workflow.V1.WorkflowExecutionInfo>();
            var request = new ListWorkflowExecutionsRequest { Namespace = client.Options.Namespace, PageSize = 2, Query = query };
            do
            {
                var page = await client.Connection.WorkflowService.ListWorkflowExecutionsAsync(request);
                rows.AddRange(page.Executions);
                request.NextPageToken = page.NextPageToken;
            }
            while (!request.NextPageToken.IsEmpty);

            lists.Add(rows);
        }

        return lists;
    }

    private static async Task<(byte[] Row, bool Current, DateTime UpdatedAt)> RowOfAsync(DurableStore store, string workflowId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT listed_row, listed_at = updated_at, updated_at FROM temporal.executions WHERE workflow_id = @id", connection);
        command.Parameters.AddWithValue("id", workflowId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"a row for {workflowId}");
        return ((byte[])reader[0], reader.GetBoolean(1), reader.GetDateTime(2));
    }

    /// <summary>Rows changed, or the value a SELECT returns.</summary>
    private static async Task<long> ExecuteAsync(DurableStore store, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return sql.StartsWith("SELECT", StringComparison.Ordinal) ? (long)(await command.ExecuteScalarAsync())! : await command.ExecuteNonQueryAsync();
    }
}
