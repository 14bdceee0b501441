using Temporalio.Api.WorkflowService.V1;
using OperatorClusterMetadata = Temporalio.Api.OperatorService.V1.ClusterMetadata;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The one cluster an engine is, described as Temporal describes a single-cluster dev server
/// (GetClusterInfo, OperatorService.ListClusters): named "active", as every namespace's replication config says,
/// one history shard, no replication, failover versions 1 (initial) and 10 (increment). Its ID belongs to the
/// store: a new one at every start of the in-memory store, one derived from where the state lives for PostgreSQL,
/// so the same store is the same cluster after a restart.
/// </summary>
internal sealed class Cluster(string persistenceStore, string id)
{
    public const string Name = "active";

    /// <summary>What GetSystemInfo and GetClusterInfo report as the server's version.</summary>
    public const string ServerVersion = "1.25.0-warehouseoms-dev";

    private const int HistoryShardCount = 1;
    private const long InitialFailoverVersion = 1;
    private const long FailoverVersionIncrement = 10;

    // Temporal's headers.SupportedClients: the client versions its frontend accepts.
    private static readonly Dictionary<string, string> SupportedClients = new()
    {
        ["temporal-go"] = "<2.0.0",
        ["temporal-java"] = "<2.0.0",
        ["temporal-php"] = "<2.0.0",
        ["temporal-typescript"] = "<2.0.0",
        ["temporal-cli"] = "<2.0.0",
        ["temporal-server"] = "<2.0.0",
        ["temporal-ui"] = "<3.0.0",
        ["Nexus-go-sdk"] = "<2.0.0",
    };

    public static Cluster For(Store.IEngineStore store) =>
        store.IsDurable ? new("postgres", NameBasedUuid.Of("cluster:" + store.Description)) : new("memory", Guid.NewGuid().ToString());

    public GetClusterInfoResponse Info() => new()
    {
        SupportedClients = { SupportedClients },
        ServerVersion = ServerVersion,
        ClusterId = id,
        ClusterName = Name,
        HistoryShardCount = HistoryShardCount,
        PersistenceStore = persistenceStore,
        VisibilityStore = persistenceStore,
        InitialFailoverVersion = InitialFailoverVersion,
        FailoverVersionIncrement = FailoverVersionIncrement,
    };

    /// <summary>The cluster as ListClusters shows it; <paramref name="address"/> is where it takes gRPC calls.</summary>
    public OperatorClusterMetadata Metadata(string address) => new()
    {
        ClusterName = Name,
        ClusterId = id,
        Address = address,
        InitialFailoverVersion = InitialFailoverVersion,
        HistoryShardCount = HistoryShardCount,
        IsConnectionEnabled = true,
        IsReplicationEnabled = false,
    };
}
