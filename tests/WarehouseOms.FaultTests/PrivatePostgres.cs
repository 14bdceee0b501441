using Npgsql;

namespace WarehouseOms.FaultTests;

/// <summary>
/// A PostgreSQL cluster of these tests alone (initdb + pg_ctl from /usr/lib/postgresql/*/bin, its own port and
/// directory under /tmp, run as the postgres user when the tests run as root), so that stopping it disturbs
/// nobody else. Stopped for real (<c>pg_ctl stop -m fast</c>) and started again on the same data.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string User = "postgres";
    private string directory = string.Empty;

    public int Port { get; } = LocalPorts.Free();

    private static string? RunAs => OsProcess.IsRoot ? User : null;

    private static string Bin { get; } = Directory.GetDirectories("/usr/lib/postgresql")
        .Select(d => Path.Combine(d, "bin"))
        .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
        .OrderByDescending(d => d, StringComparer.Ordinal)
        .FirstOrDefault() ?? throw new InvalidOperationException("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin");

    /// <summary>The connection string of database <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username={User};Password=unused;Pooling=true;Timeout=5";

    public async Task InitializeAsync()
    {
        directory = await OsProcess.TempDirectoryAsync("wo-fault-pg", RunAs);
        await OsProcess.RunAsync(RunAs, Path.Combine(Bin, "initdb"), ["-D", Path.Combine(directory, "data"), "-A", "trust", "-U", User, "--no-sync"]);
        await StartAsync();
    }

    public Task StartAsync() => OsProcess.RunAsync(RunAs, Path.Combine(Bin, "pg_ctl"),
    [
        "-D", Path.Combine(directory, "data"), "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off", "start",
    ]);

    /// <summary>A real stop: every connection is closed and the server process exits.</summary>
    public async Task StopAsync()
    {
        await OsProcess.RunAsync(RunAs, Path.Combine(Bin, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-m", "fast", "-w", "stop"]);

        // This process's pooled connections died with the server: the tests' own probes must not reuse them.
        NpgsqlConnection.ClearAllPools();
    }

    public async Task CreateDatabaseAsync(string name)
    {
        await using var admin = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (directory.Length == 0)
        {
            return;
        }

        try
        {
            await OsProcess.RunAsync(RunAs, Path.Combine(Bin, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(directory, recursive: true);
    }
}
