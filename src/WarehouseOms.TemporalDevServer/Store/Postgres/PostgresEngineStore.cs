using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WarehouseOms.TemporalDevServer.Engine.Visibility;

namespace WarehouseOms.TemporalDevServer.Store.Postgres;

/// <summary>
/// The engine's state in PostgreSQL. One connection holds a session advisory lock for the store's
/// lifetime, and every write goes through that connection: if it breaks, the lock is gone and so is the
/// right to write, until it is taken again and the owner generation proves nobody else wrote meanwhile.
/// </summary>
internal sealed class PostgresEngineStore : IEngineStore
{
    private readonly NpgsqlDataSource dataSource;
    private readonly string schema;
    private readonly long lockKey;
    private readonly string instance;
    private readonly ILogger? logger;
    private readonly SemaphoreSlim connectionGate = new(1, 1);
    private IReadOnlyList<string>? perNamespaceTables; // see PerNamespaceTablesAsync
    private NpgsqlConnection? connection;
    private long generation;
    private int lockSessionPid;
    private int disposed;

    private PostgresEngineStore(NpgsqlDataSource dataSource, string schema, string instance, ILogger? logger)
    {
        this.dataSource = dataSource;
        this.schema = schema;
        this.instance = instance;
        this.logger = logger;
        lockKey = LockKeyOf(schema);
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Description = $"PostgreSQL (schema {schema} of database {builder.Database} on {builder.Host}:{builder.Port})";
    }

    public bool IsDurable => true;

    public string Description { get; }

    /// <summary>Takes the store's lock, creates or migrates the schema and claims a new owner generation.</summary>
    /// <exception cref="EmbeddedEngineOwnedElsewhereException">Another engine holds the store.</exception>
    public static async Task<PostgresEngineStore> OpenAsync(PostgresStorage storage, string instance, ILogger? logger, CancellationToken cancellationToken)
    {
        PostgresSchema.RequireValidName(storage.Schema);
        var builder = new NpgsqlConnectionStringBuilder(storage.ConnectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "warehouse-oms-temporal-engine";
        }

        // The lock lives as long as the session: notice a dead peer in seconds, not in the OS's hours.
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 10;
        }

        var store = new PostgresEngineStore(NpgsqlDataSource.Create(builder.ConnectionString), storage.Schema, instance, logger);
        try
        {
            await store.AcquireAsync(first: true, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<StoredExecution>> LoadAsync(DateTime closedAfter, CancellationToken cancellationToken) =>
        await WithConnectionAsync(async connection =>
        {
            var states = new List<(string Namespace, string RunId, byte[] State)>();
            await using (var command = new NpgsqlCommand(
                $"SELECT namespace, run_id, state FROM {schema}.executions WHERE close_time IS NULL OR close_time >= @cutoff ORDER BY ordinal", connection))
            {
                command.Parameters.AddWithValue("cutoff", closedAfter);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    states.Add((reader.GetString(0), reader.GetString(1), (byte[])reader[2]));
                }
            }

            var histories = new Dictionary<(string, string), List<byte[]>>();
            await using (var command = new NpgsqlCommand(
                $"""
                SELECT h.namespace, h.run_id, h.data FROM {schema}.history_events h
                JOIN {schema}.executions e ON e.namespace = h.namespace AND e.run_id = h.run_id
                WHERE e.close_time IS NULL OR e.close_time >= @cutoff
                ORDER BY h.namespace, h.run_id, h.event_id
                """, connection))
            {
                command.Parameters.AddWithValue("cutoff", closedAfter);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = (reader.GetString(0), reader.GetString(1));
                    if (!histories.TryGetValue(key, out var events))
                    {
                        events = [];
                        histories[key] = events;
                    }

                    events.Add((byte[])reader[2]);
                }
            }

            var requestIds = new Dictionary<(string, string), List<string>>();
            await using (var command = new NpgsqlCommand(
                $"""
                SELECT r.namespace, r.run_id, r.request_id FROM {schema}.request_ids r
                JOIN {schema}.executions e ON e.namespace = r.namespace AND e.run_id = r.run_id
                WHERE e.close_time IS NULL OR e.close_time >= @cutoff
                """, connection))
            {
                command.Parameters.AddWithValue("cutoff", closedAfter);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = (reader.GetString(0), reader.GetString(1));
                    if (!requestIds.TryGetValue(key, out var ids))
                    {
                        ids = [];
                        requestIds[key] = ids;
                    }

                    ids.Add(reader.GetString(2));
                }
            }

            return (IReadOnlyList<StoredExecution>)states
                .Select(s => new StoredExecution(
                    s.State,
                    histories.TryGetValue((s.Namespace, s.RunId), out var h) ? h : [],
                    requestIds.TryGetValue((s.Namespace, s.RunId), out var r) ? r : []))
                .ToList();
        }, cancellationToken).ConfigureAwait(false);

    public Task CommitAsync(IReadOnlyList<ExecutionChange> batch, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            var events = batch.SelectMany(c => c.NewEvents.Select((data, i) => (c.Namespace, c.RunId, EventId: c.FirstNewEventId + i, Data: data))).ToList();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var commands = new NpgsqlBatch(connection, transaction);
            var upsert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO {schema}.executions (namespace, run_id, workflow_id, ordinal, workflow_type, task_queue, status, start_time, close_time, state, listed_row, listed_at)
                SELECT u.*, now() FROM unnest(@ns, @run, @wid, @ord, @type, @tq, @status, @start, @close, @state, @listed_row) AS u
                ON CONFLICT (namespace, run_id) DO UPDATE SET
                    workflow_type = excluded.workflow_type, task_queue = excluded.task_queue, status = excluded.status,
                    close_time = excluded.close_time, state = excluded.state, listed_row = coalesce(excluded.listed_row, {schema}.executions.listed_row), listed_at = now(), updated_at = now()
                """);
            upsert.Parameters.Add(Array("ns", NpgsqlDbType.Text, batch.Select(c => c.Namespace).ToArray()));
            upsert.Parameters.Add(Array("run", NpgsqlDbType.Text, batch.Select(c => c.RunId).ToArray()));
            upsert.Parameters.Add(Array("wid", NpgsqlDbType.Text, batch.Select(c => c.WorkflowId).ToArray()));
            upsert.Parameters.Add(Array("ord", NpgsqlDbType.Bigint, batch.Select(c => c.Ordinal).ToArray()));
            upsert.Parameters.Add(Array("type", NpgsqlDbType.Text, batch.Select(c => c.WorkflowType).ToArray()));
            upsert.Parameters.Add(Array("tq", NpgsqlDbType.Text, batch.Select(c => c.TaskQueue).ToArray()));
            upsert.Parameters.Add(Array("status", NpgsqlDbType.Smallint, batch.Select(c => (short)c.Status).ToArray()));
            upsert.Parameters.Add(Array("start", NpgsqlDbType.TimestampTz, batch.Select(c => c.StartTime).ToArray()));
            upsert.Parameters.Add(Array("close", NpgsqlDbType.TimestampTz, batch.Select(c => c.CloseTime).ToArray()));
            upsert.Parameters.Add(Array("state", NpgsqlDbType.Bytea, batch.Select(c => c.State).ToArray()));
            upsert.Parameters.Add(Array("listed_row", NpgsqlDbType.Bytea, batch.Select(c => c.ListedRow).ToArray()));
            commands.BatchCommands.Add(upsert);
            if (events.Count > 0)
            {
                // Appends only: a re-sent batch (after an ambiguous commit) finds its events already there.
                var append = new NpgsqlBatchCommand(
                    $"""
                    INSERT INTO {schema}.history_events (namespace, run_id, event_id, data)
                    SELECT * FROM unnest(@ns, @run, @id, @data) ON CONFLICT DO NOTHING
                    """);
                append.Parameters.Add(Array("ns", NpgsqlDbType.Text, events.Select(e => e.Namespace).ToArray()));
                append.Parameters.Add(Array("run", NpgsqlDbType.Text, events.Select(e => e.RunId).ToArray()));
                append.Parameters.Add(Array("id", NpgsqlDbType.Bigint, events.Select(e => e.EventId).ToArray()));
                append.Parameters.Add(Array("data", NpgsqlDbType.Bytea, events.Select(e => e.Data).ToArray()));
                commands.BatchCommands.Add(append);
            }

            var requestIds = batch.SelectMany(c => c.NewRequestIds.Select(id => (c.Namespace, c.RunId, Id: id))).ToList();
            if (requestIds.Count > 0)
            {
                var remember = new NpgsqlBatchCommand(
                    $"""
                    INSERT INTO {schema}.request_ids (namespace, run_id, request_id)
                    SELECT * FROM unnest(@ns, @run, @id) ON CONFLICT DO NOTHING
                    """);
                remember.Parameters.Add(Array("ns", NpgsqlDbType.Text, requestIds.Select(r => r.Namespace).ToArray()));
                remember.Parameters.Add(Array("run", NpgsqlDbType.Text, requestIds.Select(r => r.RunId).ToArray()));
                remember.Parameters.Add(Array("id", NpgsqlDbType.Text, requestIds.Select(r => r.Id).ToArray()));
                commands.BatchCommands.Add(remember);
            }

            await commands.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task DeleteAsync(IReadOnlyList<(string Namespace, string RunId)> runs, CancellationToken cancellationToken) =>
        runs.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                $"""
                WITH gone AS (
                    DELETE FROM {schema}.executions e USING unnest(@ns, @run) AS g(namespace, run_id)
                    WHERE e.namespace = g.namespace AND e.run_id = g.run_id AND e.close_time IS NOT NULL
                    RETURNING e.namespace, e.run_id),
                requests AS (
                    DELETE FROM {schema}.request_ids r USING gone WHERE r.namespace = gone.namespace AND r.run_id = gone.run_id)
                DELETE FROM {schema}.history_events h USING gone WHERE h.namespace = gone.namespace AND h.run_id = gone.run_id
                """, connection);
            command.Parameters.Add(Array("ns", NpgsqlDbType.Text, runs.Select(r => r.Namespace).ToArray()));
            command.Parameters.Add(Array("run", NpgsqlDbType.Text, runs.Select(r => r.RunId).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    // Reads go through pooled connections of their own: they need no lock and must not queue behind commits.
    public async Task<StoredExecution?> LoadRunAsync(string ns, string workflowId, string? runId, DateTime closedAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        string foundRun;
        byte[] state;
        await using (var command = new NpgsqlCommand(
            runId is null
                ? $"SELECT run_id, state, close_time FROM {schema}.executions WHERE namespace = @ns AND workflow_id = @wid ORDER BY ordinal DESC LIMIT 1"
                : $"SELECT run_id, state, close_time FROM {schema}.executions WHERE namespace = @ns AND run_id = @run AND workflow_id = @wid",
            connection))
        {
            command.Parameters.AddWithValue("ns", ns);
            command.Parameters.AddWithValue("wid", workflowId);
            command.Parameters.AddWithValue("run", runId ?? string.Empty);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ||
                (!reader.IsDBNull(2) && reader.GetFieldValue<DateTime>(2) < closedAfter))
            {
                return null;
            }

            foundRun = reader.GetString(0);
            state = (byte[])reader[1];
        }

        var history = new List<byte[]>();
        var requestIds = new List<string>();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT data FROM {schema}.history_events WHERE namespace = $1 AND run_id = $2 ORDER BY event_id")
                {
                    Parameters = { new() { Value = ns }, new() { Value = foundRun } },
                },
                new NpgsqlBatchCommand($"SELECT request_id FROM {schema}.request_ids WHERE namespace = $1 AND run_id = $2")
                {
                    Parameters = { new() { Value = ns }, new() { Value = foundRun } },
                },
            },
        };
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                history.Add((byte[])reader[0]);
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                requestIds.Add(reader.GetString(0));
            }
        }

        return new StoredExecution(state, history, requestIds);
    }

    public async Task<long> CountStoredRunsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {schema}.executions", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async IAsyncEnumerable<(string Namespace, string WorkflowId)> ReadWorkflowIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT namespace, workflow_id FROM {schema}.executions", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return (reader.GetString(0), reader.GetString(1));
        }
    }

    /// <summary>The scan's WHERE clause over <c>executions e</c>, its values added to <paramref name="command"/> as parameters.</summary>
    private static string ScanConditions(RunScan scan, NpgsqlCommand command)
    {
        var where = new StringBuilder("e.namespace = @ns AND (e.close_time IS NULL OR e.close_time >= @cutoff)");
        command.Parameters.AddWithValue("ns", scan.Namespace);
        command.Parameters.AddWithValue("cutoff", scan.ClosedAfter);
        // Each condition given is one more AND on the row's columns, with its value as a parameter of the same name.
        void Where(string condition, string parameter, object? value)
        {
            if (value is not null)
            {
                where.Append(" AND ").Append(condition);
                command.Parameters.AddWithValue(parameter, value);
            }
        }

        Where("e.status = @status", "status", scan.Status is { } status ? (short)status : null);
        Where("e.workflow_type = @workflow_type", "workflow_type", scan.WorkflowType);
        Where("e.workflow_id = @workflow_id", "workflow_id", scan.WorkflowId);
        Where("e.task_queue = @task_queue", "task_queue", scan.TaskQueue);
        Where("e.run_id = @run_id", "run_id", scan.RunId);
        // Start- and close-time ranges and a workflow ID prefix are decided here too: a run they exclude is never read
        // and decoded for the query's own filter. The columns keep microseconds, the run's own times 100 ns ticks;
        // Npgsql truncates both the stored time and the bound to microseconds, which keeps >= and <=, so no run at an
        // edge is lost, and the filter decides the edges on the run's own time.
        Where("e.start_time >= @started_from", "started_from", scan.StartedFrom);
        Where("e.start_time <= @started_to", "started_to", scan.StartedTo);
        Where("e.close_time >= @closed_from", "closed_from", scan.ClosedFrom);
        Where("e.close_time <= @closed_to", "closed_to", scan.ClosedTo);
        Where("starts_with(e.workflow_id, @workflow_id_prefix)", "workflow_id_prefix", scan.WorkflowIdPrefix is { Length: > 0 } prefix ? prefix : null);
        // Temporal's list order, as its SQL visibility writes it; the executions_listed* indexes keep it.
        const string Position = "(coalesce(e.close_time, 'infinity'::timestamptz), e.start_time, e.ordinal)";
        if (scan.After is { } after)
        {
            where.Append(CultureInfo.InvariantCulture, $" AND {Position} < (coalesce(@after_close, 'infinity'::timestamptz), @after_time, @after_ordinal)");
            command.Parameters.Add(new NpgsqlParameter("after_close", NpgsqlDbType.TimestampTz) { Value = after.IsRunning ? DBNull.Value : after.CloseTime });
            command.Parameters.AddWithValue("after_time", after.StartTime);
            command.Parameters.AddWithValue("after_ordinal", after.Ordinal);
        }

        return where.ToString();
    }

    public async Task<IReadOnlyDictionary<int, long>> CountRunsAsync(RunScan scan, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = $"SELECT e.status, count(*) FROM {schema}.executions e WHERE {ScanConditions(scan, command)} GROUP BY e.status";
        var counts = new Dictionary<int, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetInt16(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public async Task<IReadOnlyList<StoredRun>> ScanRunsAsync(RunScan scan, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var where = ScanConditions(scan, command);
        command.Parameters.AddWithValue("limit", scan.Limit);
        // The listed row is current only when written with the state (one now() for both); otherwise the state is read.
        const string Current = "e.listed_row IS NOT NULL AND e.listed_at = e.updated_at";
        command.CommandText =
            $"""
            SELECT CASE WHEN {Current} THEN e.listed_row END, CASE WHEN {Current} THEN NULL ELSE e.state END, e.close_time, e.start_time, e.ordinal,
                   CASE WHEN {Current} THEN NULL ELSE
                       (SELECT coalesce(max(h.event_id), 0) FROM {schema}.history_events h WHERE h.namespace = e.namespace AND h.run_id = e.run_id) END
            FROM {schema}.executions e
            WHERE {where}
            ORDER BY coalesce(e.close_time, 'infinity'::timestamptz) DESC, e.start_time DESC, e.ordinal DESC
            LIMIT @limit
            """;
        var runs = new List<StoredRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var position = new ListPosition(
                reader.IsDBNull(2) ? DateTime.MaxValue : reader.GetFieldValue<DateTime>(2), reader.GetFieldValue<DateTime>(3), reader.GetInt64(4));
            runs.Add(new StoredRun(
                reader.IsDBNull(0) ? null : (byte[])reader[0], reader.IsDBNull(1) ? null : (byte[])reader[1], reader.IsDBNull(5) ? 0 : (int)reader.GetInt64(5), position));
        }

        return runs;
    }

    public Task<IReadOnlyList<(string Namespace, string RunId)>> DeleteClosedBeforeAsync(
        IReadOnlyList<(string Namespace, DateTime Cutoff)> cutoffs, DateTime otherCutoff, int limit, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            // Each namespace in the store (found by a skip scan of the namespace index) is scanned on its own along
            // its list-order index, up to its own cutoff: a sweep reads due rows only, whatever the retentions.
            await using var command = new NpgsqlCommand(
                $"""
                WITH RECURSIVE present(namespace) AS (
                    SELECT min(namespace) FROM {schema}.executions
                    UNION ALL
                    SELECT (SELECT min(e.namespace) FROM {schema}.executions e WHERE e.namespace > p.namespace)
                    FROM present p WHERE p.namespace IS NOT NULL),
                cutoffs AS (SELECT * FROM unnest(@ns, @cutoff) AS c(namespace, cutoff)),
                due AS (
                    SELECT x.namespace, x.run_id FROM present p
                    LEFT JOIN cutoffs c ON c.namespace = p.namespace
                    CROSS JOIN LATERAL (
                        SELECT e.namespace, e.run_id, coalesce(e.close_time, 'infinity'::timestamptz) AS closed FROM {schema}.executions e
                        WHERE e.namespace = p.namespace AND coalesce(e.close_time, 'infinity'::timestamptz) < coalesce(c.cutoff, @other)
                        ORDER BY coalesce(e.close_time, 'infinity'::timestamptz) LIMIT @limit) x
                    WHERE p.namespace IS NOT NULL
                    ORDER BY x.closed LIMIT @limit),
                gone AS (
                    DELETE FROM {schema}.executions e USING due
                    WHERE e.namespace = due.namespace AND e.run_id = due.run_id
                    RETURNING e.namespace, e.run_id),
                requests AS (
                    DELETE FROM {schema}.request_ids r USING gone WHERE r.namespace = gone.namespace AND r.run_id = gone.run_id),
                history AS (
                    DELETE FROM {schema}.history_events h USING gone WHERE h.namespace = gone.namespace AND h.run_id = gone.run_id)
                SELECT namespace, run_id FROM gone
                """, connection);
            command.Parameters.Add(Array("ns", NpgsqlDbType.Text, cutoffs.Select(c => c.Namespace).ToArray()));
            command.Parameters.Add(Array("cutoff", NpgsqlDbType.TimestampTz, cutoffs.Select(c => c.Cutoff).ToArray()));
            command.Parameters.AddWithValue("other", otherCutoff);
            command.Parameters.AddWithValue("limit", limit);
            var gone = new List<(string, string)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                gone.Add((reader.GetString(0), reader.GetString(1)));
            }

            return (IReadOnlyList<(string, string)>)gone;
        }, cancellationToken);

    public Task<IReadOnlyList<SearchAttributeChange>> LoadSearchAttributesAsync(CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            var changes = new List<SearchAttributeChange>();
            await using var command = new NpgsqlCommand($"SELECT namespace, name, type FROM {schema}.search_attributes ORDER BY changed_at", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                changes.Add(new SearchAttributeChange(reader.GetString(0), reader.GetString(1),
                    reader.IsDBNull(2) ? null : (Temporalio.Api.Enums.V1.IndexedValueType)reader.GetInt16(2)));
            }

            return (IReadOnlyList<SearchAttributeChange>)changes;
        }, cancellationToken);

    // A removal is kept as a row with no type: the dev server's default attributes can be removed too.
    public Task SaveSearchAttributesAsync(IReadOnlyList<SearchAttributeChange> changes, CancellationToken cancellationToken) =>
        changes.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                $"""
                INSERT INTO {schema}.search_attributes (namespace, name, type)
                SELECT * FROM unnest(@ns, @name, @type)
                ON CONFLICT (namespace, name) DO UPDATE SET type = excluded.type, changed_at = now()
                """, connection);
            command.Parameters.Add(Array("ns", NpgsqlDbType.Text, changes.Select(c => c.Namespace).ToArray()));
            command.Parameters.Add(Array("name", NpgsqlDbType.Text, changes.Select(c => c.Name).ToArray()));
            command.Parameters.Add(Array("type", NpgsqlDbType.Smallint, changes.Select(c => c.Type is { } t ? (short?)t : null).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<byte[]>> LoadSchedulesAsync(CancellationToken cancellationToken) =>
        LoadKeyedStatesAsync("schedules", "schedule_id", cancellationToken);

    public Task SaveSchedulesAsync(IReadOnlyList<ScheduleChange> changes, CancellationToken cancellationToken) =>
        SaveKeyedStatesAsync("schedules", "schedule_id", changes.Select(c => (c.Namespace, c.ScheduleId, c.State)).ToList(), cancellationToken);

    public Task<IReadOnlyList<byte[]>> LoadStandaloneActivitiesAsync(CancellationToken cancellationToken) =>
        LoadKeyedStatesAsync("standalone_activities", "run_id", cancellationToken);

    public Task SaveStandaloneActivitiesAsync(IReadOnlyList<StandaloneActivityChange> changes, CancellationToken cancellationToken) =>
        SaveStandaloneRunsAsync("standalone_activities", "activity_id", changes.Select(c => (c.Namespace, c.RunId, c.ActivityId, c.CloseTime, c.State)).ToList(), cancellationToken);

    public Task<IReadOnlyList<byte[]>> LoadStandaloneNexusOperationsAsync(CancellationToken cancellationToken) =>
        LoadKeyedStatesAsync("standalone_nexus_operations", "run_id", cancellationToken);

    public Task SaveStandaloneNexusOperationsAsync(IReadOnlyList<StandaloneNexusOperationChange> changes, CancellationToken cancellationToken) =>
        SaveStandaloneRunsAsync("standalone_nexus_operations", "operation_id", changes.Select(c => (c.Namespace, c.RunId, c.OperationId, c.CloseTime, c.State)).ToList(), cancellationToken);

    // A standalone entity's runs (activities, Nexus operations): as SaveKeyedStatesAsync, with the business ID and close
    // time kept in columns of their own. A run changed twice in one batch is written once, as its last change (an upsert
    // may not touch a row twice).
    private Task SaveStandaloneRunsAsync(string table, string idColumn,
        IReadOnlyList<(string Namespace, string RunId, string Id, DateTime? CloseTime, byte[]? State)> changes, CancellationToken cancellationToken) =>
        changes.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            var last = changes.GroupBy(c => (c.Namespace, c.RunId)).Select(g => g.Last()).ToList();
            var kept = last.Where(c => c.State is not null).ToList();
            var gone = last.Where(c => c.State is null).ToList();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var commands = new NpgsqlBatch(connection, transaction);
            if (kept.Count > 0)
            {
                var upsert = new NpgsqlBatchCommand(
                    $"""
                    INSERT INTO {schema}.{table} (namespace, run_id, {idColumn}, close_time, state)
                    SELECT * FROM unnest(@ns, @run, @aid, @close, @state)
                    ON CONFLICT (namespace, run_id) DO UPDATE SET
                        {idColumn} = excluded.{idColumn}, close_time = excluded.close_time, state = excluded.state, updated_at = now()
                    """);
                upsert.Parameters.Add(Array("ns", NpgsqlDbType.Text, kept.Select(c => c.Namespace).ToArray()));
                upsert.Parameters.Add(Array("run", NpgsqlDbType.Text, kept.Select(c => c.RunId).ToArray()));
                upsert.Parameters.Add(Array("aid", NpgsqlDbType.Text, kept.Select(c => c.Id).ToArray()));
                upsert.Parameters.Add(Array("close", NpgsqlDbType.TimestampTz, kept.Select(c => c.CloseTime).ToArray()));
                upsert.Parameters.Add(Array("state", NpgsqlDbType.Bytea, kept.Select(c => c.State!).ToArray()));
                commands.BatchCommands.Add(upsert);
            }

            if (gone.Count > 0)
            {
                var delete = new NpgsqlBatchCommand(
                    $"DELETE FROM {schema}.{table} t USING unnest(@ns, @run) AS g(namespace, run_id) WHERE t.namespace = g.namespace AND t.run_id = g.run_id");
                delete.Parameters.Add(Array("ns", NpgsqlDbType.Text, gone.Select(c => c.Namespace).ToArray()));
                delete.Parameters.Add(Array("run", NpgsqlDbType.Text, gone.Select(c => c.RunId).ToArray()));
                commands.BatchCommands.Add(delete);
            }

            await commands.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<byte[]>> LoadBatchOperationsAsync(CancellationToken cancellationToken) =>
        LoadKeyedStatesAsync("batch_operations", "job_id", cancellationToken);

    public Task<IReadOnlyList<byte[]>> LoadTaskQueueConfigsAsync(CancellationToken cancellationToken) =>
        LoadKeyedStatesAsync("task_queue_configs", "queue", cancellationToken);

    public Task SaveTaskQueueConfigsAsync(IReadOnlyList<TaskQueueConfigChange> changes, CancellationToken cancellationToken) =>
        SaveKeyedStatesAsync("task_queue_configs", "queue", changes.Select(c => (c.Namespace, c.Key, c.State)).ToList(), cancellationToken);

    // Every row's state of a table keyed by namespace and one more column, in key order.
    private Task<IReadOnlyList<byte[]>> LoadKeyedStatesAsync(string table, string keyColumn, CancellationToken cancellationToken) =>
        LoadStatesAsync(table, $"namespace, {keyColumn}", cancellationToken);

    // Every row's state of a table, in the order given.
    private Task<IReadOnlyList<byte[]>> LoadStatesAsync(string table, string orderBy, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            var states = new List<byte[]>();
            await using var command = new NpgsqlCommand($"SELECT state FROM {schema}.{table} ORDER BY {orderBy}", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                states.Add((byte[])reader[0]);
            }

            return (IReadOnlyList<byte[]>)states;
        }, cancellationToken);

    public Task SaveBatchOperationsAsync(IReadOnlyList<BatchOperationChange> changes, CancellationToken cancellationToken) =>
        SaveKeyedStatesAsync("batch_operations", "job_id", changes.Select(c => (c.Namespace, c.JobId, c.State)).ToList(), cancellationToken);

    public Task<IReadOnlyList<byte[]>> LoadNexusEndpointsAsync(CancellationToken cancellationToken) =>
        LoadStatesAsync("nexus_endpoints", "id", cancellationToken);

    // Endpoints belong to the cluster, not a namespace: keyed by ID alone. Upserts and deletes in one transaction.
    public Task SaveNexusEndpointsAsync(IReadOnlyList<Engine.Nexus.NexusEndpointChange> changes, CancellationToken cancellationToken) =>
        changes.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var commands = new NpgsqlBatch(connection, transaction);
            var upsert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO {schema}.nexus_endpoints (id, state)
                SELECT * FROM unnest(@id, @state) AS u(id, state) WHERE u.state IS NOT NULL
                ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = now()
                """);
            upsert.Parameters.Add(Array("id", NpgsqlDbType.Text, changes.Select(c => c.Id).ToArray()));
            upsert.Parameters.Add(Array("state", NpgsqlDbType.Bytea, changes.Select(c => c.State).ToArray()));
            commands.BatchCommands.Add(upsert);
            var delete = new NpgsqlBatchCommand($"DELETE FROM {schema}.nexus_endpoints WHERE id = ANY(@gone)");
            delete.Parameters.Add(Array("gone", NpgsqlDbType.Text, changes.Where(c => c.State is null).Select(c => c.Id).ToArray()));
            commands.BatchCommands.Add(delete);
            await commands.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<(string Namespace, byte[] State)>> LoadWorkerDeploymentsAsync(CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            var states = new List<(string, byte[])>();
            await using var command = new NpgsqlCommand($"SELECT namespace, state FROM {schema}.worker_deployments ORDER BY namespace, name", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                states.Add((reader.GetString(0), (byte[])reader[1]));
            }

            return (IReadOnlyList<(string Namespace, byte[] State)>)states;
        }, cancellationToken);

    public Task SaveWorkerDeploymentsAsync(IReadOnlyList<WorkerDeploymentChange> changes, CancellationToken cancellationToken) =>
        SaveKeyedStatesAsync("worker_deployments", "name", changes.Select(c => (c.Namespace, c.Name, c.State)).ToList(), cancellationToken);

    public Task<IReadOnlyList<NamespaceRecord>> LoadNamespacesAsync(CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            var records = new List<NamespaceRecord>();
            await using var command = new NpgsqlCommand($"SELECT name, state, purge_at FROM {schema}.namespaces ORDER BY name", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(new NamespaceRecord(reader.GetString(0), (byte[])reader[1], reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTime>(2)));
            }

            return (IReadOnlyList<NamespaceRecord>)records;
        }, cancellationToken);

    public Task SaveNamespacesAsync(IReadOnlyList<NamespaceRecord> changes, CancellationToken cancellationToken) =>
        changes.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            await using var command = UpsertNamespaces(changes);
            command.Connection = connection;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task RemoveNamespacesAsync(IReadOnlyList<NamespaceRemoval> removals, CancellationToken cancellationToken) =>
        removals.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            foreach (var removal in removals)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using var commands = new NpgsqlBatch(connection, transaction);
                foreach (var table in await PerNamespaceTablesAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
                {
                    var delete = new NpgsqlBatchCommand($"DELETE FROM {schema}.{table} WHERE namespace = $1");
                    delete.Parameters.Add(new NpgsqlParameter { Value = removal.Namespace });
                    commands.BatchCommands.Add(delete);
                }

                var forget = new NpgsqlBatchCommand($"DELETE FROM {schema}.namespaces WHERE name = $1");
                forget.Parameters.Add(new NpgsqlParameter { Value = removal.Namespace });
                commands.BatchCommands.Add(forget);
                await commands.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (removal.Tombstone is { } tombstone)
                {
                    await using var keep = UpsertNamespaces([tombstone]);
                    keep.Connection = connection;
                    keep.Transaction = transaction;
                    await keep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);

    // Every table of the schema with a namespace column, read from the catalog so that a table a later schema step
    // adds is not forgotten here; once, as the schema does not change while the store is open. Executions first, as
    // the retention sweep deletes them: the same lock order, so the two never deadlock.
    private async Task<IReadOnlyList<string>> PerNamespaceTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (perNamespaceTables is not null)
        {
            return perNamespaceTables;
        }

        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') AND a.attname = 'namespace' AND NOT a.attisdropped
            ORDER BY c.relname <> 'executions', c.relname
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("schema", schema);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(reader.GetString(0));
        }

        return perNamespaceTables = tables;
    }

    private NpgsqlCommand UpsertNamespaces(IReadOnlyList<NamespaceRecord> records)
    {
        var command = new NpgsqlCommand(
            $"""
            INSERT INTO {schema}.namespaces (name, state, purge_at)
            SELECT * FROM unnest(@name, @state, @purge)
            ON CONFLICT (name) DO UPDATE SET state = excluded.state, purge_at = excluded.purge_at, updated_at = now()
            """);
        command.Parameters.Add(Array("name", NpgsqlDbType.Text, records.Select(c => c.Name).ToArray()));
        command.Parameters.Add(Array("state", NpgsqlDbType.Bytea, records.Select(c => c.State).ToArray()));
        command.Parameters.Add(Array("purge", NpgsqlDbType.TimestampTz, records.Select(c => c.PurgeAt).ToArray()));
        return command;
    }

    /// <summary>
    /// One transaction of upserts (a state) and deletes (no state) in a table of serialized states keyed by
    /// namespace and one more column. Writing the same changes again (after an ambiguous commit) is harmless.
    /// </summary>
    private Task SaveKeyedStatesAsync(string table, string keyColumn, IReadOnlyList<(string Namespace, string Key, byte[]? State)> changes, CancellationToken cancellationToken) =>
        changes.Count == 0 ? Task.CompletedTask : WithConnectionAsync(async connection =>
        {
            var kept = changes.Where(c => c.State is not null).ToList();
            var gone = changes.Where(c => c.State is null).ToList();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var commands = new NpgsqlBatch(connection, transaction);
            if (kept.Count > 0)
            {
                var upsert = new NpgsqlBatchCommand(
                    $"""
                    INSERT INTO {schema}.{table} (namespace, {keyColumn}, state)
                    SELECT * FROM unnest(@ns, @key, @state)
                    ON CONFLICT (namespace, {keyColumn}) DO UPDATE SET state = excluded.state, updated_at = now()
                    """);
                upsert.Parameters.Add(Array("ns", NpgsqlDbType.Text, kept.Select(c => c.Namespace).ToArray()));
                upsert.Parameters.Add(Array("key", NpgsqlDbType.Text, kept.Select(c => c.Key).ToArray()));
                upsert.Parameters.Add(Array("state", NpgsqlDbType.Bytea, kept.Select(c => c.State!).ToArray()));
                commands.BatchCommands.Add(upsert);
            }

            if (gone.Count > 0)
            {
                var delete = new NpgsqlBatchCommand(
                    $"DELETE FROM {schema}.{table} t USING unnest(@ns, @key) AS g(namespace, k) WHERE t.namespace = g.namespace AND t.{keyColumn} = g.k");
                delete.Parameters.Add(Array("ns", NpgsqlDbType.Text, gone.Select(c => c.Namespace).ToArray()));
                delete.Parameters.Add(Array("key", NpgsqlDbType.Text, gone.Select(c => c.Key).ToArray()));
                commands.BatchCommands.Add(delete);
            }

            await commands.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task PublishAddressAsync(string address, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            await using var command = new NpgsqlCommand($"UPDATE {schema}.engine_owner SET address = @address WHERE id = 1 AND generation = @generation", connection);
            command.Parameters.AddWithValue("address", address);
            command.Parameters.AddWithValue("generation", generation);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new EngineStoreFencedException("another engine claimed the store");
            }

            return true;
        }, cancellationToken);

    /// <summary>Who serves a store, as it published itself; null when nobody ever did.</summary>
    public static async Task<(string Owner, string? Address)?> ReadOwnerAsync(PostgresStorage storage, CancellationToken cancellationToken)
    {
        PostgresSchema.RequireValidName(storage.Schema);
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOwnerAsync(connection, storage.Schema, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await connectionGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (connection is not null)
            {
                // Closing the session releases the advisory lock.
                await connection.DisposeAsync().ConfigureAwait(false);
                connection = null;
            }
        }
        finally
        {
            connectionGate.Release();
        }

        await dataSource.DisposeAsync().ConfigureAwait(false);
        connectionGate.Dispose();
    }

    private async Task<T> WithConnectionAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await connectionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (connection is null || connection.FullState != System.Data.ConnectionState.Open)
            {
                await DropConnectionAsync().ConfigureAwait(false);
                await AcquireAsync(first: false, cancellationToken).ConfigureAwait(false);
            }

            return await work(connection!).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            // The session (and with it the lock) may be gone: start over on the next call.
            await DropConnectionAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            connectionGate.Release();
        }
    }

    private async Task DropConnectionAsync()
    {
        if (connection is not null)
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
            {
                logger?.LogDebug(ex, "Closing the broken store connection failed");
            }

            connection = null;
        }
    }

    private async Task AcquireAsync(bool first, CancellationToken cancellationToken)
    {
        var opened = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await TryLockAsync(opened, cancellationToken).ConfigureAwait(false))
            {
                if (first)
                {
                    var owner = await ReadOwnerAsync(opened, schema, cancellationToken).ConfigureAwait(false);
                    throw new EmbeddedEngineOwnedElsewhereException(owner?.Owner ?? "an engine that has not published itself yet", owner?.Address);
                }

                // Still our generation: the holder is most likely our own broken session, which the server
                // has not noticed yet. End it and try again; otherwise wait (a transient failure, retried).
                if (await CurrentGenerationAsync(opened, cancellationToken).ConfigureAwait(false) != generation)
                {
                    throw new EngineStoreFencedException("another engine served the store while this one was disconnected");
                }

                await using (var end = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", opened))
                {
                    end.Parameters.AddWithValue("pid", lockSessionPid);
                    await end.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }

                if (!await TryLockAsync(opened, cancellationToken).ConfigureAwait(false))
                {
                    throw new TimeoutException("the store's lock is still held by this engine's previous session");
                }
            }

            await using (var pid = new NpgsqlCommand("SELECT pg_backend_pid()", opened))
            {
                lockSessionPid = (int)(await pid.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            if (first)
            {
                await MigrateAsync(opened, cancellationToken).ConfigureAwait(false);
                generation = await ClaimAsync(opened, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (await CurrentGenerationAsync(opened, cancellationToken).ConfigureAwait(false) != generation)
                {
                    throw new EngineStoreFencedException("another engine served the store while this one was disconnected");
                }

                logger?.LogInformation("Reconnected to the engine store and took its lock again");
            }

            connection = opened;
        }
        catch
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection opened, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", opened);
        take.Parameters.AddWithValue("key", lockKey);
        return (bool)(await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<long?> CurrentGenerationAsync(NpgsqlConnection opened, CancellationToken cancellationToken)
    {
        await using var check = new NpgsqlCommand($"SELECT generation FROM {schema}.engine_owner WHERE id = 1", opened);
        return await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
    }

    private async Task MigrateAsync(NpgsqlConnection opened, CancellationToken cancellationToken)
    {
        await using (var prepare = new NpgsqlCommand(
            $"CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE IF NOT EXISTS {schema}.schema_version (version int NOT NULL)", opened))
        {
            await prepare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int version;
        await using (var read = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_version", opened))
        {
            version = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var steps = PostgresSchema.Steps(schema);
        for (var step = version; step < steps.Count; step++)
        {
            await using var transaction = await opened.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var apply = new NpgsqlCommand(steps[step], opened, transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_version (version) VALUES (@v)", opened, transaction))
            {
                record.Parameters.AddWithValue("v", step + 1);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            logger?.LogInformation("Engine store schema {Schema} migrated to version {Version}", schema, step + 1);
        }
    }

    private async Task<long> ClaimAsync(NpgsqlConnection opened, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand(
            $"""
            INSERT INTO {schema}.engine_owner (id, generation, instance, address, acquired_at) VALUES (1, 1, @instance, NULL, now())
            ON CONFLICT (id) DO UPDATE SET generation = {schema}.engine_owner.generation + 1, instance = excluded.instance,
                address = NULL, acquired_at = excluded.acquired_at
            RETURNING generation
            """, opened);
        claim.Parameters.AddWithValue("instance", instance);
        return (long)(await claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<(string Owner, string? Address)?> ReadOwnerAsync(NpgsqlConnection opened, string schema, CancellationToken cancellationToken)
    {
        try
        {
            await using var read = new NpgsqlCommand($"SELECT instance, address, acquired_at FROM {schema}.engine_owner WHERE id = 1", opened);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var since = reader.GetFieldValue<DateTime>(2).ToString("u", CultureInfo.InvariantCulture);
            return ($"{reader.GetString(0)}, since {since}", reader.IsDBNull(1) ? null : reader.GetString(1));
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return null;
        }
    }

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, T[] values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values };

    // A stable 64-bit key per schema (FNV-1a): string.GetHashCode differs between processes.
    private static long LockKeyOf(string schema)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes("warehouse-oms/temporal-engine/" + schema))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
