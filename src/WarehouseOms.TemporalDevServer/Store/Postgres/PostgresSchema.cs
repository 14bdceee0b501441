using System.Text.RegularExpressions;

namespace WarehouseOms.TemporalDevServer.Store.Postgres;

/// <summary>The store's tables, created and migrated by the engine itself (numbered steps, applied once).</summary>
internal static partial class PostgresSchema
{
    public static void RequireValidName(string schema)
    {
        if (!SchemaName().IsMatch(schema))
        {
            throw new ArgumentException($"Not a usable schema name: '{schema}' (letters, digits and _ only, at most 63).", nameof(schema));
        }
    }

    /// <summary>Step N brings the schema from version N-1 to N. Never edit a step once released: add one.</summary>
    public static IReadOnlyList<string> Steps(string s) =>
    [
        $"""
        CREATE TABLE {s}.executions (
            namespace      text        NOT NULL,
            run_id         text        NOT NULL,
            workflow_id    text        NOT NULL,
            ordinal        bigint      NOT NULL,
            workflow_type  text        NOT NULL,
            task_queue     text        NOT NULL,
            status         smallint    NOT NULL,
            start_time     timestamptz NOT NULL,
            close_time     timestamptz,
            state          bytea       NOT NULL,
            updated_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, run_id));
        CREATE INDEX executions_by_workflow ON {s}.executions (namespace, workflow_id, ordinal);
        CREATE INDEX executions_closed ON {s}.executions (close_time) WHERE close_time IS NOT NULL;
        CREATE TABLE {s}.history_events (
            namespace  text   NOT NULL,
            run_id     text   NOT NULL,
            event_id   bigint NOT NULL,
            data       bytea  NOT NULL,
            PRIMARY KEY (namespace, run_id, event_id));
        CREATE FUNCTION {s}.history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'history events are append-only'; END $$;
        CREATE TRIGGER history_events_append_only BEFORE UPDATE ON {s}.history_events
            FOR EACH ROW EXECUTE FUNCTION {s}.history_is_append_only();
        CREATE TABLE {s}.engine_owner (
            id          int         PRIMARY KEY CHECK (id = 1),
            generation  bigint      NOT NULL,
            instance    text        NOT NULL,
            address     text,
            acquired_at timestamptz NOT NULL);
        CREATE VIEW {s}.visibility AS
            SELECT namespace, workflow_id, run_id, workflow_type, task_queue,
                   CASE status WHEN 1 THEN 'Running' WHEN 2 THEN 'Completed' WHEN 3 THEN 'Failed' WHEN 4 THEN 'Canceled'
                               WHEN 5 THEN 'Terminated' WHEN 6 THEN 'ContinuedAsNew' WHEN 7 THEN 'TimedOut' ELSE status::text END AS status,
                   start_time, close_time
            FROM {s}.executions;
        """,
        $"""
        CREATE TABLE {s}.search_attributes (
            namespace  text     NOT NULL,
            name       text     NOT NULL,
            type       smallint,
            changed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, name));
        CREATE TABLE {s}.request_ids (
            namespace  text NOT NULL,
            run_id     text NOT NULL,
            request_id text NOT NULL,
            PRIMARY KEY (namespace, run_id, request_id));
        """,
        // Visibility: list and count read runs in start order, narrowed by status, type or task queue.
        $"""
        CREATE INDEX executions_by_start ON {s}.executions (namespace, start_time DESC, ordinal DESC);
        CREATE INDEX executions_by_status ON {s}.executions (namespace, status, start_time DESC, ordinal DESC);
        CREATE INDEX executions_by_type ON {s}.executions (namespace, workflow_type, start_time DESC, ordinal DESC);
        CREATE INDEX executions_by_queue ON {s}.executions (namespace, task_queue, start_time DESC, ordinal DESC);
        """,
        // Schedules: one row each, the whole state (ADR 0027).
        $"""
        CREATE TABLE {s}.schedules (
            namespace   text        NOT NULL,
            schedule_id text        NOT NULL,
            state       bytea       NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, schedule_id));
        """,
        // Worker deployments: one row each, the whole state (ADR 0033).
        $"""
        CREATE TABLE {s}.worker_deployments (
            namespace  text        NOT NULL,
            name       text        NOT NULL,
            state      bytea       NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, name));
        """,
        // Visibility in Temporal's list order (running runs first, then by close time; newest start first in
        // each), narrowed by status, type or task queue; it replaces the start-order indexes.
        $"""
        DROP INDEX {s}.executions_by_start;
        DROP INDEX {s}.executions_by_status;
        DROP INDEX {s}.executions_by_type;
        DROP INDEX {s}.executions_by_queue;
        CREATE INDEX executions_listed ON {s}.executions (namespace, coalesce(close_time, 'infinity'::timestamptz) DESC, start_time DESC, ordinal DESC);
        CREATE INDEX executions_listed_by_status ON {s}.executions (namespace, status, coalesce(close_time, 'infinity'::timestamptz) DESC, start_time DESC, ordinal DESC);
        CREATE INDEX executions_listed_by_type ON {s}.executions (namespace, workflow_type, coalesce(close_time, 'infinity'::timestamptz) DESC, start_time DESC, ordinal DESC);
        CREATE INDEX executions_listed_by_queue ON {s}.executions (namespace, task_queue, coalesce(close_time, 'infinity'::timestamptz) DESC, start_time DESC, ordinal DESC);
        """,
        // Registered namespaces (RegisterNamespace, UpdateNamespace): one row each, the whole state.
        $"""
        CREATE TABLE {s}.namespaces (
            name       text        PRIMARY KEY,
            state      bytea       NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now());
        """,
        // DeleteNamespace's tombstones: a deleted namespace's record is removed at this time (its delete delay).
        $"""
        ALTER TABLE {s}.namespaces ADD COLUMN purge_at timestamptz;
        """,
        // Batch operations (StartBatchOperation): one row each, the whole state (ADR 0044).
        $"""
        CREATE TABLE {s}.batch_operations (
            namespace  text        NOT NULL,
            job_id     text        NOT NULL,
            state      bytea       NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, job_id));
        """,
        // Task queue configurations (UpdateTaskQueueConfig): one row per queue and type, keyed "type:name" (ADR 0046).
        $"""
        CREATE TABLE {s}.task_queue_configs (
            namespace  text        NOT NULL,
            queue      text        NOT NULL,
            state      bytea       NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, queue));
        """,
        // Nexus endpoints (OperatorService): the cluster's, one row each by ID, the whole endpoint (ADR 0049).
        $"""
        CREATE TABLE {s}.nexus_endpoints (
            id         text        PRIMARY KEY,
            state      bytea       NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now());
        """,
        // Standalone activity executions (StartActivityExecution): one row per run, the whole state; found by activity ID too.
        $"""
        CREATE TABLE {s}.standalone_activities (
            namespace   text        NOT NULL,
            run_id      text        NOT NULL,
            activity_id text        NOT NULL,
            close_time  timestamptz,
            state       bytea       NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, run_id));
        CREATE INDEX standalone_activities_by_id ON {s}.standalone_activities (namespace, activity_id);
        """,
        // Standalone Nexus operation executions (StartNexusOperationExecution): one row per run, the whole state (ADR 0054).
        $"""
        CREATE TABLE {s}.standalone_nexus_operations (
            namespace    text        NOT NULL,
            run_id       text        NOT NULL,
            operation_id text        NOT NULL,
            close_time   timestamptz,
            state        bytea       NOT NULL,
            updated_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, run_id));
        CREATE INDEX standalone_nexus_operations_by_id ON {s}.standalone_nexus_operations (namespace, operation_id);
        """,
        // The operators' view names a paused run's status (workflow pause, ADR 0056).
        $"""
        CREATE OR REPLACE VIEW {s}.visibility AS
            SELECT namespace, workflow_id, run_id, workflow_type, task_queue,
                   CASE status WHEN 1 THEN 'Running' WHEN 2 THEN 'Completed' WHEN 3 THEN 'Failed' WHEN 4 THEN 'Canceled'
                               WHEN 5 THEN 'Terminated' WHEN 6 THEN 'ContinuedAsNew' WHEN 7 THEN 'TimedOut' WHEN 8 THEN 'Paused'
                               ELSE status::text END AS status,
                   start_time, close_time
            FROM {s}.executions;
        """,
        // Each run's listed row (ADR 0063): a list reads and decodes it, not the whole state. It is current only when
        // written with the state (listed_at = updated_at): a run last written before this step, or since by an engine
        // that predates it (a rollback), is listed from its state.
        $"""
        ALTER TABLE {s}.executions ADD COLUMN listed_row bytea, ADD COLUMN listed_at timestamptz;
        """,
    ];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
