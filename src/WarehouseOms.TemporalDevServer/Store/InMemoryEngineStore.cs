namespace WarehouseOms.TemporalDevServer.Store;

/// <summary>No storage at all: state lives and dies with the process (tests, time skipping).</summary>
internal sealed class InMemoryEngineStore : IEngineStore
{
    public bool IsDurable => false;

    public string Description => "in-memory (nothing survives a restart)";

    public Task<IReadOnlyList<StoredExecution>> LoadAsync(DateTime closedAfter, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task CommitAsync(IReadOnlyList<ExecutionChange> batch, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteAsync(IReadOnlyList<(string Namespace, string RunId)> runs, CancellationToken cancellationToken) => Task.CompletedTask;

    // Every run lives in memory until retention: nothing is ever read back.
    public Task<StoredExecution?> LoadRunAsync(string ns, string workflowId, string? runId, DateTime closedAfter, CancellationToken cancellationToken) =>
        Task.FromResult<StoredExecution?>(null);

    public Task<long> CountStoredRunsAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

    public IAsyncEnumerable<(string Namespace, string WorkflowId)> ReadWorkflowIdsAsync(CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<(string, string)>();

    public Task<IReadOnlyList<StoredRun>> ScanRunsAsync(RunScan scan, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredRun>>([]);

    public Task<IReadOnlyDictionary<int, long>> CountRunsAsync(RunScan scan, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

    public Task<IReadOnlyList<(string Namespace, string RunId)>> DeleteClosedBeforeAsync(
        IReadOnlyList<(string Namespace, DateTime Cutoff)> cutoffs, DateTime otherCutoff, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<(string Namespace, string RunId)>>([]);

    public Task<IReadOnlyList<SearchAttributeChange>> LoadSearchAttributesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SearchAttributeChange>>([]);

    public Task SaveSearchAttributesAsync(IReadOnlyList<SearchAttributeChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<byte[]>> LoadSchedulesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task SaveSchedulesAsync(IReadOnlyList<ScheduleChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<byte[]>> LoadStandaloneActivitiesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task SaveStandaloneActivitiesAsync(IReadOnlyList<StandaloneActivityChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<byte[]>> LoadStandaloneNexusOperationsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task SaveStandaloneNexusOperationsAsync(IReadOnlyList<StandaloneNexusOperationChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<byte[]>> LoadBatchOperationsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task SaveBatchOperationsAsync(IReadOnlyList<BatchOperationChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<byte[]>> LoadTaskQueueConfigsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task SaveTaskQueueConfigsAsync(IReadOnlyList<TaskQueueConfigChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<byte[]>> LoadNexusEndpointsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task SaveNexusEndpointsAsync(IReadOnlyList<Engine.Nexus.NexusEndpointChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<(string Namespace, byte[] State)>> LoadWorkerDeploymentsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<(string Namespace, byte[] State)>>([]);

    public Task SaveWorkerDeploymentsAsync(IReadOnlyList<WorkerDeploymentChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<NamespaceRecord>> LoadNamespacesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<NamespaceRecord>>([]);

    public Task SaveNamespacesAsync(IReadOnlyList<NamespaceRecord> changes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveNamespacesAsync(IReadOnlyList<NamespaceRemoval> removals, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PublishAddressAsync(string address, CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
