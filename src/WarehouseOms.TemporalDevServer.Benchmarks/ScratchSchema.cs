using Npgsql;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>A schema of its own for the durable store under measurement, dropped afterwards.</summary>
public sealed class ScratchSchema : IAsyncDisposable
{
    private readonly string connectionString;

    private ScratchSchema(string connectionString, string name)
    {
        this.connectionString = connectionString;
        Name = name;
    }

    public string Name { get; }

    public static Task<ScratchSchema> CreateAsync(string connectionString) =>
        Task.FromResult(new ScratchSchema(connectionString, $"bench_temporal_{Guid.NewGuid():N}"[..24]));

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
