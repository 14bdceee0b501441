namespace WarehouseOms.TemporalDevServer;

/// <summary>Settings of an embedded dev server.</summary>
public sealed record TemporalDevServerOptions
{
    /// <summary>TCP port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Address to bind; loopback by default (it has no authentication).</summary>
    public string Ip { get; init; } = "127.0.0.1";

    /// <summary>The namespace that exists from the start (any other is accepted on first use too).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>
    /// When true, virtual time jumps to the next timer whenever no workflow or activity task is
    /// outstanding, so hours-long timers complete in milliseconds.
    /// </summary>
    public bool TimeSkipping { get; init; }

    /// <summary>
    /// Time skipping starts locked (as Temporal's test server does): the client unlocks it through the
    /// test service. Only meaningful with <see cref="TimeSkipping"/>.
    /// </summary>
    public bool StartLocked { get; init; }

    /// <summary>Where workflow state lives: in memory (default) or durably in PostgreSQL.</summary>
    public TemporalDevServerStorage Storage { get; init; } = TemporalDevServerStorage.InMemory;

    /// <summary>
    /// The retention of the engine's own namespaces (what DescribeNamespace reports; a registered namespace has its
    /// own): how long closed runs stay readable (history, describe, list, queries) before a sweep deletes them.
    /// 24 hours by default, as the Temporal CLI's dev server.
    /// </summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// system.namespaceMinRetentionLocal: the least retention RegisterNamespace and UpdateNamespace accept
    /// (1 hour, as Temporal; lowered for tests). The engine's own namespaces have <see cref="Retention"/>.
    /// </summary>
    public TimeSpan NamespaceMinRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// frontend.deleteNamespaceNamespaceDeleteDelay: how long a deleted namespace's renamed record stays (state Deleted)
    /// when DeleteNamespace gives no delay of its own; none by default, as in Temporal.
    /// </summary>
    public TimeSpan NamespaceDeleteDelay { get; init; }

    /// <summary>
    /// history.timerProcessorMaxTimeShift: how far behind its last read Temporal's timer queue lets a new task fall
    /// before moving it (see ScheduledTaskFloor): a sub-second timer may fire up to this much late, as on Temporal.
    /// 1 s by default; 0 fires every timer at its time. Time skipping never shifts.
    /// </summary>
    public TimeSpan TimerMaxTimeShift { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The least number of workflow IDs the PostgreSQL store's read-back filter is sized for (ADR 0065: it is built for
    /// twice the stored runs, at least this many, and rebuilt from the store when more were added); lowered for tests.
    /// </summary>
    public int ReadBackFilterMinimumCapacity { get; init; } = Engine.StoredWorkflowIds.DefaultMinimumCapacity;

    /// <summary>worker.protectedNamespaces: namespaces DeleteNamespace refuses.</summary>
    public IReadOnlyList<string> ProtectedNamespaces { get; init; } = [];

    /// <summary>Who this engine is, as other instances see it in the store (default: host name and process ID).</summary>
    public string? InstanceName { get; init; }

    /// <summary>Serve temporal.api.testservice.v1.TestService (the time-skipping test server's API).</summary>
    public bool ServeTestService { get; init; }

    /// <summary>
    /// Honour workers' sticky task queues (send a worker that has the run cached only the new events).
    /// Off: every workflow task goes to the normal queue with the full history (for comparisons).
    /// </summary>
    public bool StickyTaskQueues { get; init; } = true;

    /// <summary>
    /// Custom search attributes registered in every namespace at start, as the Temporal CLI's
    /// <c>--search-attribute NAME=TYPE</c> does (the SDK passes its environment's attributes that way).
    /// </summary>
    public IReadOnlyDictionary<string, Temporalio.Api.Enums.V1.IndexedValueType> SearchAttributes { get; init; } =
        new Dictionary<string, Temporalio.Api.Enums.V1.IndexedValueType>();

    /// <summary>
    /// system.enableActivityEagerExecution (on by default, as in Temporal): an activity whose schedule command
    /// asks for eager execution is started at once and returned to the worker that completed the workflow task.
    /// </summary>
    public bool ActivityEagerExecution { get; init; } = true;

    /// <summary>
    /// frontend.enableCancelWorkerPollsOnShutdown (off by default, as in Temporal): ShutdownWorker also ends the
    /// shutting-down worker's waiting polls on its task queue (found by its worker instance key), so no task is
    /// handed to a worker that is going away.
    /// </summary>
    public bool CancelWorkerPollsOnShutdown { get; init; }

    /// <summary>
    /// history.enableSignalWithStartFromWorkflow (off by default, as in Temporal): a workflow may signal-with-start
    /// another through the system Nexus endpoint <c>__temporal_system</c> (the SDK's Workflow.SignalWithStartWorkflowAsync).
    /// </summary>
    public bool SignalWithStartFromWorkflow { get; init; }

    /// <summary>
    /// history.enableUpdateCallbacks (off by default, as in Temporal and in the CLI dev server; the SDK's test environment turns
    /// it on): the completion callbacks an update request carries are registered when the update is accepted (or attached to
    /// it later) and called with its outcome (ADR 0059). Off, none is registered; those registered before still fire.
    /// </summary>
    public bool UpdateCallbacks { get; init; }

    /// <summary>
    /// history.enableStandaloneActivityOperatorCommands (off by default, as in Temporal; the CLI's dev server turns it on):
    /// PauseActivityExecution, UnpauseActivityExecution, ResetActivityExecution and UpdateActivityExecutionOptions act on a
    /// standalone activity (no workflow ID); off, they answer UNIMPLEMENTED.
    /// </summary>
    public bool StandaloneActivityOperatorCommands { get; init; }

    /// <summary>
    /// nexusoperation.enableStandalone: standalone Nexus operation executions (StartNexusOperationExecution and the rest;
    /// the SDK's CreateNexusClient). Off by default in Temporal's server; on here by default, as in the CLI dev server the
    /// SDK and samples test against (ADR 0054); off, every one of those calls answers UNIMPLEMENTED.
    /// </summary>
    public bool StandaloneNexusOperations { get; init; } = true;

    /// <summary>
    /// frontend.WorkflowPauseEnabled (off by default, as in Temporal and in the CLI dev server, which sets no value for
    /// it): PauseWorkflowExecution holds a run (ADR 0056); off, it answers UNIMPLEMENTED, as Temporal's frontend does.
    /// </summary>
    public bool WorkflowPause { get; init; }

    /// <summary>
    /// history.workflowIdReuseMinimalInterval (1 s, as in Temporal): a run that continues as new sooner than this after
    /// its execution time gets a backoff making up the difference, so a continue-as-new loop cannot spin.
    /// </summary>
    public TimeSpan ContinueAsNewMinimalInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Payload and history limits, as Temporal's dynamic config (limit.*) sets them.</summary>
    public TemporalDevServerLimits Limits { get; init; } = new();

    /// <summary>frontend.WorkerHeartbeatsEnabled (on by default, as in Temporal): workers' heartbeats are kept for ListWorkers and DescribeWorker.</summary>
    public bool WorkerHeartbeats { get; init; } = true;

    /// <summary>matching.workerRegistryEntryTTL: a worker not heard from for this long leaves the list.</summary>
    public TimeSpan WorkerRegistryTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>matching.workerRegistryMaxEntries: past this many workers, the longest silent go first.</summary>
    public int WorkerRegistryMaxEntries { get; init; } = 1_000_000;

    /// <summary>Batch operations (StartBatchOperation), as Temporal's frontend and batcher worker settings set them.</summary>
    public TemporalDevServerBatcher Batcher { get; init; } = new();

    /// <summary>Applies one <c>--dynamic-config-value KEY=VALUE</c>; keys it does not know are ignored, as before.</summary>
    public TemporalDevServerOptions WithDynamicConfig(string key, string value) => key switch
    {
        "system.enableActivityEagerExecution" => this with { ActivityEagerExecution = bool.Parse(value.Trim().Trim('"')) },
        "frontend.enableCancelWorkerPollsOnShutdown" => this with { CancelWorkerPollsOnShutdown = bool.Parse(value.Trim().Trim('"')) },
        "history.enableSignalWithStartFromWorkflow" => this with { SignalWithStartFromWorkflow = bool.Parse(value.Trim().Trim('"')) },
        "history.enableUpdateCallbacks" => this with { UpdateCallbacks = bool.Parse(value.Trim().Trim('"')) },
        "history.enableStandaloneActivityOperatorCommands" => this with { StandaloneActivityOperatorCommands = bool.Parse(value.Trim().Trim('"')) },
        "nexusoperation.enableStandalone" => this with { StandaloneNexusOperations = bool.Parse(value.Trim().Trim('"')) },
        "frontend.WorkflowPauseEnabled" => this with { WorkflowPause = bool.Parse(value.Trim().Trim('"')) },
        "system.namespaceMinRetentionLocal" => this with { NamespaceMinRetention = Durations.Parse(value.Trim().Trim('"')) ?? throw new FormatException($"{key}: not a duration: {value}") },
        "frontend.deleteNamespaceNamespaceDeleteDelay" => this with { NamespaceDeleteDelay = Durations.Parse(value.Trim().Trim('"')) ?? throw new FormatException($"{key}: not a duration: {value}") },
        "history.workflowIdReuseMinimalInterval" => this with { ContinueAsNewMinimalInterval = Durations.Parse(value.Trim().Trim('"')) ?? throw new FormatException($"{key}: not a duration: {value}") },
        "history.timerProcessorMaxTimeShift" => this with { TimerMaxTimeShift = Durations.Parse(value.Trim().Trim('"')) ?? throw new FormatException($"{key}: not a duration: {value}") },
        "frontend.WorkerHeartbeatsEnabled" => this with { WorkerHeartbeats = bool.Parse(value.Trim().Trim('"')) },
        "matching.workerRegistryEntryTTL" => this with { WorkerRegistryTtl = Durations.Parse(value.Trim().Trim('"')) ?? throw new FormatException($"{key}: not a duration: {value}") },
        "matching.workerRegistryMaxEntries" => this with { WorkerRegistryMaxEntries = int.Parse(value.Trim().Trim('"'), System.Globalization.CultureInfo.InvariantCulture) },
        "worker.protectedNamespaces" => this with { ProtectedNamespaces = System.Text.Json.JsonSerializer.Deserialize<string[]>(value) ?? [] },
        _ => this with { Limits = Limits.With(key, value), Batcher = Batcher.With(key, value) },
    };
}

/// <summary>
/// Batch operations with Temporal's defaults: on, one running batch per namespace, the batcher's 50 operations a
/// second, 5 at a time, an execution whose operation keeps failing given up after 50 further attempts.
/// </summary>
public sealed record TemporalDevServerBatcher
{
    /// <summary>frontend.enableBatcher.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>frontend.MaxConcurrentBatchOperationPerNamespace: running batches a namespace may have.</summary>
    public int MaxConcurrentPerNamespace { get; init; } = 1;

    /// <summary>worker.batcherRPS: operations a second (a request's max_operations_per_second may only lower it).</summary>
    public double OperationsPerSecond { get; init; } = 50;

    /// <summary>worker.batcherConcurrency: executions worked on at once.</summary>
    public int Concurrency { get; init; } = 5;

    /// <summary>The batcher's attempts on a retryable error, after the first.</summary>
    public int AttemptsOnRetryableError { get; init; } = 50;

    /// <summary>Applies one batcher key of the dynamic config; other keys leave the settings as they are.</summary>
    public TemporalDevServerBatcher With(string key, string value)
    {
        var v = value.Trim().Trim('"');
        return key switch
        {
            "frontend.enableBatcher" => this with { Enabled = bool.Parse(v) },
            "frontend.MaxConcurrentBatchOperationPerNamespace" => this with { MaxConcurrentPerNamespace = int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) },
            "worker.batcherRPS" => this with { OperationsPerSecond = double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) },
            "worker.batcherConcurrency" => this with { Concurrency = Math.Max(1, int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)) },
            _ => this,
        };
    }
}

/// <summary>
/// Temporal's size limits with Temporal's defaults. Past an error limit a request is refused ("Blob data
/// size exceeds limit."), a command fails its workflow task and terminates the run, a history terminates
/// its run; past a warn limit the server logs; past a suggest limit WorkflowTaskStarted suggests continue-as-new.
/// </summary>
public sealed record TemporalDevServerLimits
{
    /// <summary>limit.blobSize.error: one payload (input, result, signal, memo).</summary>
    public int BlobSizeError { get; init; } = 2 * 1024 * 1024;

    /// <summary>limit.blobSize.warn.</summary>
    public int BlobSizeWarn { get; init; } = 512 * 1024;

    /// <summary>limit.memoSize.error: a run's whole memo (at a start, a child's start, continue-as-new, an upsert).</summary>
    public int MemoSizeError { get; init; } = 2 * 1024 * 1024;

    /// <summary>limit.memoSize.warn.</summary>
    public int MemoSizeWarn { get; init; } = 2 * 1024;

    /// <summary>limit.historySize.error, in bytes.</summary>
    public long HistorySizeError { get; init; } = 50 * 1024 * 1024;

    /// <summary>limit.historySize.warn.</summary>
    public long HistorySizeWarn { get; init; } = 10 * 1024 * 1024;

    /// <summary>limit.historyCount.error, in events.</summary>
    public int HistoryCountError { get; init; } = 50 * 1024;

    /// <summary>limit.historyCount.warn.</summary>
    public int HistoryCountWarn { get; init; } = 10 * 1024;

    /// <summary>limit.historySize.suggestContinueAsNew.</summary>
    public long HistorySizeSuggestContinueAsNew { get; init; } = 4 * 1024 * 1024;

    /// <summary>limit.historyCount.suggestContinueAsNew.</summary>
    public int HistoryCountSuggestContinueAsNew { get; init; } = 4 * 1024;

    /// <summary>history.workflowTaskRetryMaxInterval: the most a failing task's timeout grows by.</summary>
    public TimeSpan WorkflowTaskRetryMaxInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// frontend.searchAttributesNumberOfKeysLimit: the search attributes one request or command may name (a start, a
    /// schedule, an upsert, a child, continue-as-new), counted per request, not per run.
    /// </summary>
    public int SearchAttributesNumberOfKeys { get; init; } = 100;

    /// <summary>Applies one limit key of the dynamic config; other keys leave the limits as they are.</summary>
    public TemporalDevServerLimits With(string key, string value)
    {
        long Number() => long.Parse(value.Trim().Trim('"'), System.Globalization.CultureInfo.InvariantCulture);
        return key switch
        {
            "limit.blobSize.error" => this with { BlobSizeError = (int)Number() },
            "limit.blobSize.warn" => this with { BlobSizeWarn = (int)Number() },
            "limit.memoSize.error" => this with { MemoSizeError = (int)Number() },
            "limit.memoSize.warn" => this with { MemoSizeWarn = (int)Number() },
            "limit.historySize.error" => this with { HistorySizeError = Number() },
            "limit.historySize.warn" => this with { HistorySizeWarn = Number() },
            "limit.historyCount.error" => this with { HistoryCountError = (int)Number() },
            "limit.historyCount.warn" => this with { HistoryCountWarn = (int)Number() },
            "limit.historySize.suggestContinueAsNew" => this with { HistorySizeSuggestContinueAsNew = Number() },
            "limit.historyCount.suggestContinueAsNew" => this with { HistoryCountSuggestContinueAsNew = (int)Number() },
            "frontend.searchAttributesNumberOfKeysLimit" => this with { SearchAttributesNumberOfKeys = (int)Number() },
            _ => this,
        };
    }
}
