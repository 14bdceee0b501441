using Npgsql;

namespace WarehouseOms.Testing;

/// <summary>
/// A throw-away PostgreSQL database for one test class or fixture, on the server that
/// <c>ConnectionStrings__WarehouseOms</c> names (default: the local warehouse_oms role, created by scripts/deps.sh).
/// </summary>
public sealed class ScratchDatabase
{
    public const string DefaultConnectionString =
        "Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms";

    private static readonly TimeSpan DropRetryDelay = TimeSpan.FromMilliseconds(500);
    private const int DropAttempts = 20;

    private readonly string adminConnectionString;

    public ScratchDatabase(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        Name = $"{prefix}_{Guid.NewGuid():N}";
        var server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("ConnectionStrings__WarehouseOms") ?? DefaultConnectionString);
        adminConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        ConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = Name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public Task CreateAsync() => AdminAsync($"CREATE DATABASE \"{Name}\"");

    /// <summary>
    /// Drops the database, closing this process's pooled connections first. Retried for a while: the
    /// server's autovacuum may be working in it, and our role may not terminate a superuser's session.
    /// </summary>
    public async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AdminAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
                return;
            }
            catch (PostgresException ex) when (attempt < DropAttempts && ex.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                await Task.Delay(DropRetryDelay);
            }
        }
    }

    private async Task AdminAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
