using WarehouseOms.TemporalDevServer.Engine.Visibility;

namespace WarehouseOms.TemporalDevServer.Store;

/// <summary>
/// Where the engine keeps what must outlive the process: executions (their whole resumable state) and
/// their history. The engine owns the live state in memory and hands the store consistent batches of
/// changed executions; an RPC is answered only after the batch holding its change is committed.
/// </summary>
internal interface IEngineStore : IAsyncDisposable
{
    /// <summary>False for the in-memory store: nothing is written and nobody waits for commits.</summary>
    bool IsDurable { get; }

    /// <summary>For logs and health: which store, and where.</summary>
    string Description { get; }

    /// <summary>Executions still within retention (closed at or after <paramref name="closedAfter"/>, or open), oldest first.</summary>
    Task<IReadOnlyList<StoredExecution>> LoadAsync(DateTime closedAfter, CancellationToken cancellationToken);

    /// <summary>Writes one batch atomically: every execution's new state and its new history events.</summary>
    Task CommitAsync(IReadOnlyList<ExecutionChange> batch, CancellationToken cancellationToken);

    /// <summary>Deletes closed runs (retention) with their history.</summary>
    Task DeleteAsync(IReadOnlyList<(string Namespace, string RunId)> runs, CancellationToken cancellationToken);

    /// <summary>
    /// One run read back (a closed run that left memory): by run ID, or the workflow ID's latest run when
    /// <paramref name="runId"/> is null; null when there is none, or it closed before <paramref name="closedAfter"/>.
    /// </summary>
    Task<StoredExecution?> LoadRunAsync(string ns, string workflowId, string? runId, DateTime closedAfter, CancellationToken cancellationToken);

    /// <summary>How many runs the store holds (every namespace, open and closed): the size of <see cref="ReadWorkflowIdsAsync"/>.</summary>
    Task<long> CountStoredRunsAsync(CancellationToken cancellationToken);

    /// <summary>The namespace and workflow ID of every stored run (one pair per run, in no particular order).</summary>
    IAsyncEnumerable<(string Namespace, string WorkflowId)> ReadWorkflowIdsAsync(CancellationToken cancellationToken);

    /// <summary>Visibility: one batch of a namespace's runs in list order, narrowed by the scan's conditions (see <see cref="RunScan"/>).</summary>
    Task<IReadOnlyList<StoredRun>> ScanRunsAsync(RunScan scan, CancellationToken cancellationToken);

    /// <summary>Visibility: how many runs the scan's conditions allow, by status (its limit and position ignored).</summary>
    Task<IReadOnlyDictionary<int, long>> CountRunsAsync(RunScan scan, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> closed runs (oldest close first) closed before their namespace's
    /// cutoff, or before <paramref name="otherCutoff"/> in a namespace not listed; returns the runs deleted.
    /// </summary>
    Task<IReadOnlyList<(string Namespace, string RunId)>> DeleteClosedBeforeAsync(
        IReadOnlyList<(string Namespace, DateTime Cutoff)> cutoffs, DateTime otherCutoff, int limit, CancellationToken cancellationToken);

    /// <summary>Custom search attributes as registered (a null type: removed), in registration order.</summary>
    Task<IReadOnlyList<SearchAttributeChange>> LoadSearchAttributesAsync(CancellationToken cancellationToken);

    /// <summary>Records custom search attribute registrations and removals of one namespace atomically.</summary>
    Task SaveSearchAttributesAsync(IReadOnlyList<SearchAttributeChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored schedule's state (see <see cref="ScheduleChange"/>).</summary>
    Task<IReadOnlyList<byte[]>> LoadSchedulesAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed schedules and removes deleted ones, atomically.</summary>
    Task SaveSchedulesAsync(IReadOnlyList<ScheduleChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored standalone activity execution's state (see <see cref="StandaloneActivityChange"/>).</summary>
    Task<IReadOnlyList<byte[]>> LoadStandaloneActivitiesAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed standalone activity executions and removes deleted ones, atomically.</summary>
    Task SaveStandaloneActivitiesAsync(IReadOnlyList<StandaloneActivityChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored standalone Nexus operation execution's state (see <see cref="StandaloneNexusOperationChange"/>).</summary>
    Task<IReadOnlyList<byte[]>> LoadStandaloneNexusOperationsAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed standalone Nexus operation executions and removes deleted ones, atomically.</summary>
    Task SaveStandaloneNexusOperationsAsync(IReadOnlyList<StandaloneNexusOperationChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored batch operation's state (see <see cref="BatchOperationChange"/>).</summary>
    Task<IReadOnlyList<byte[]>> LoadBatchOperationsAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed batch operations and removes expired ones, atomically.</summary>
    Task SaveBatchOperationsAsync(IReadOnlyList<BatchOperationChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored task queue configuration (see <see cref="TaskQueueConfigChange"/>).</summary>
    Task<IReadOnlyList<byte[]>> LoadTaskQueueConfigsAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed task queue configurations, atomically.</summary>
    Task SaveTaskQueueConfigsAsync(IReadOnlyList<TaskQueueConfigChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored Nexus endpoint (see <see cref="Engine.Nexus.NexusEndpointChange"/>).</summary>
    Task<IReadOnlyList<byte[]>> LoadNexusEndpointsAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed Nexus endpoints and removes deleted ones, atomically.</summary>
    Task SaveNexusEndpointsAsync(IReadOnlyList<Engine.Nexus.NexusEndpointChange> changes, CancellationToken cancellationToken);

    /// <summary>Every stored worker deployment: its namespace and whole state (see <see cref="WorkerDeploymentChange"/>).</summary>
    Task<IReadOnlyList<(string Namespace, byte[] State)>> LoadWorkerDeploymentsAsync(CancellationToken cancellationToken);

    /// <summary>Writes changed worker deployments and removes deleted ones, atomically.</summary>
    Task SaveWorkerDeploymentsAsync(IReadOnlyList<WorkerDeploymentChange> changes, CancellationToken cancellationToken);

    /// <summary>The registered namespaces (and the tombstones of deleted ones).</summary>
    Task<IReadOnlyList<NamespaceRecord>> LoadNamespacesAsync(CancellationToken cancellationToken);

    /// <summary>Upserts namespaces' states (registrations and updates); writing the same again is harmless.</summary>
    Task SaveNamespacesAsync(IReadOnlyList<NamespaceRecord> changes, CancellationToken cancellationToken);

    /// <summary>
    /// DeleteNamespace: each removal in one transaction deletes every row of its namespace (runs, histories, request
    /// IDs, schedules, standalone activities, worker deployments, search attributes, the namespace itself) and stores its tombstone, if any.
    /// Doing it again is harmless.
    /// </summary>
    Task RemoveNamespacesAsync(IReadOnlyList<NamespaceRemoval> removals, CancellationToken cancellationToken);

    /// <summary>Records where this engine can be reached, for other service instances on the same store.</summary>
    Task PublishAddressAsync(string address, CancellationToken cancellationToken);
}

/// <summary>A namespace as stored: its state (as the engine serialises it) and, for a deleted one kept for a delete delay, when its record goes.</summary>
internal sealed record NamespaceRecord(string Name, byte[] State, DateTime? PurgeAt = null);

/// <summary>A deleted namespace: every row of <paramref name="Namespace"/> goes; its renamed tombstone, if any, stays until its purge time.</summary>
internal sealed record NamespaceRemoval(string Namespace, NamespaceRecord? Tombstone);

/// <summary>A custom search attribute registered (<paramref name="Type"/> set) or removed (null).</summary>
internal sealed record SearchAttributeChange(string Namespace, string Name, Temporalio.Api.Enums.V1.IndexedValueType? Type);

/// <summary>A schedule's whole state as the engine serialises it; a null state: the schedule was deleted.</summary>
internal sealed record ScheduleChange(string Namespace, string ScheduleId, byte[]? State);

/// <summary>A standalone activity execution's whole state as the engine serialises it, keyed by namespace and run ID; a null state: it was deleted (DeleteActivityExecution or retention).</summary>
internal sealed record StandaloneActivityChange(string Namespace, string ActivityId, string RunId, DateTime? CloseTime, byte[]? State);

/// <summary>A standalone Nexus operation execution's whole state, keyed by namespace and run ID; a null state: it was deleted (DeleteNexusOperationExecution or retention).</summary>
internal sealed record StandaloneNexusOperationChange(string Namespace, string OperationId, string RunId, DateTime? CloseTime, byte[]? State);

/// <summary>A batch operation's whole state as the engine serialises it; a null state: it expired (retention).</summary>
internal sealed record BatchOperationChange(string Namespace, string JobId, byte[]? State);

/// <summary>A task queue's configuration as the engine serialises it, keyed by its type and name in the namespace.</summary>
internal sealed record TaskQueueConfigChange(string Namespace, string Key, byte[]? State);

/// <summary>A worker deployment's whole state as the engine serialises it; a null state: the deployment was deleted.</summary>
internal sealed record WorkerDeploymentChange(string Namespace, string Name, byte[]? State);

/// <summary>One execution as loaded: its state record and its history events (protobuf bytes, in order).</summary>
internal sealed record StoredExecution(byte[] State, IReadOnlyList<byte[]> History, IReadOnlyList<string> RequestIds);

/// <summary>
/// A visibility scan: runs of <paramref name="Namespace"/> open or closed at or after <paramref name="ClosedAfter"/>,
/// matching every equality given, started within <paramref name="StartedFrom"/>..<paramref name="StartedTo"/> (both
/// inclusive), closed within <see cref="ClosedFrom"/>..<see cref="ClosedTo"/>, and with a workflow ID starting with
/// <paramref name="WorkflowIdPrefix"/> when given, in Temporal's list
/// order (<see cref="ListPosition"/>), strictly after the position <paramref name="After"/>, at most
/// <paramref name="Limit"/> of them.
/// </summary>
internal sealed record RunScan(
    string Namespace,
    DateTime ClosedAfter,
    int? Status,
    string? WorkflowType,
    string? WorkflowId,
    string? TaskQueue,
    string? RunId,
    ListPosition? After,
    int Limit)
{
    public DateTime? StartedFrom { get; init; }

    public DateTime? StartedTo { get; init; }

    public string? WorkflowIdPrefix { get; init; }

    /// <summary>With <see cref="ClosedTo"/>: closed runs only, closed within the range (both inclusive).</summary>
    public DateTime? ClosedFrom { get; init; }

    public DateTime? ClosedTo { get; init; }
}

/// <summary>
/// A run as a visibility scan returns it, with its position in the list order: its listed row (a
/// <c>WorkflowExecutionInfo</c>), or, for a run last written before rows were kept, its whole state and stored event count.
/// </summary>
internal sealed record StoredRun(byte[]? Row, byte[]? State, int HistoryLength, ListPosition Position);

/// <summary>One execution's change inside a commit batch (<see cref="ListedRow"/> null: the stored row is still right).</summary>
internal sealed record ExecutionChange(
    string Namespace,
    string WorkflowId,
    string RunId,
    long Ordinal,
    string WorkflowType,
    string TaskQueue,
    int Status,
    DateTime StartTime,
    DateTime? CloseTime,
    byte[] State,
    byte[]? ListedRow,
    long FirstNewEventId,
    IReadOnlyList<byte[]> NewEvents,
    IReadOnlyList<string> NewRequestIds);

/// <summary>Another engine took the store over (its lock or generation changed): this one must stop writing.</summary>
internal sealed class EngineStoreFencedException(string message) : Exception(message);
