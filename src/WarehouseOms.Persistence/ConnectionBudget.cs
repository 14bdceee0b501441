using Npgsql;

namespace WarehouseOms.Persistence;

/// <summary>
/// The PostgreSQL connections one service process may hold (<c>Persistence:MaxConnections</c>), split
/// between the embedded Temporal engine's store (a quarter, at least 2) and the service's own pool (the
/// rest: activities, consumers, the outbox relays). Each side's pool is capped at its share, so the
/// process never holds more than the budget, whatever the load. Keep budget × instances below the
/// server's <c>max_connections</c> with room for operators (Debian: 100, 3 reserved for superusers).
/// </summary>
public static class ConnectionBudget
{
    public const int DefaultMaxConnections = 32;

    /// <summary>Connections of the embedded engine's store.</summary>
    public static int EngineShare(int maxConnections) => Math.Max(2, maxConnections / 4);

    /// <summary>Connections of the service's pool.</summary>
    public static int ServiceShare(int maxConnections) => maxConnections - EngineShare(maxConnections);

    /// <summary><paramref name="connectionString"/> with its pool capped at <paramref name="maxPoolSize"/>.</summary>
    public static string Limit(string connectionString, int maxPoolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPoolSize };
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, maxPoolSize);
        return builder.ConnectionString;
    }
}
