using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Npgsql;
using RabbitMQ.Client;
using WarehouseOms.Host;

namespace WarehouseOms.Benchmarks;

/// <summary>
/// The real service in this process, started as the integration tests' ServiceFixture starts it: a fresh
/// database (created here, dropped on dispose), the local RabbitMQ, the embedded Temporal dev server.
/// Payments are auto-approved and never fail, so every order takes the same path and the figures
/// measure the pipeline, not the simulated provider's retries.
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    /// <summary>Enough that no benchmark order fails for shortage (the demo catalogue has 40–200 per SKU).</summary>
    private const int BenchmarkStock = 1_000_000;

    private WebApplication? app;

    private ServiceUnderTest(string databaseName) => DatabaseName = databaseName;

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__WarehouseOms")
        ?? "Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms";

    public static Uri BrokerUri => new(Environment.GetEnvironmentVariable("RabbitMq__Uri") ?? "amqp://warehouse-oms:warehouse-oms@localhost:5672/warehouse-oms");

    public string DatabaseName { get; }

    /// <summary>Cancelled when the service begins to stop, e.g. on Ctrl+C, which the host's console lifetime takes.</summary>
    public CancellationToken Stopping => app?.Lifetime.ApplicationStopping ?? CancellationToken.None;

    private string ConnectionString => new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = DatabaseName }.ConnectionString;

    public static async Task<ServiceUnderTest> StartAsync(CancellationToken cancellationToken)
    {
        var service = new ServiceUnderTest("warehouse_oms_bench_" + Guid.NewGuid().ToString("N")[..12]);
        await AdminAsync($"CREATE DATABASE \"{service.DatabaseName}\"", cancellationToken);
        try
        {
            await service.StartHostAsync(cancellationToken);
            await service.RaiseStockAsync(cancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public static Task<IConnection> ConnectBrokerAsync(string name, CancellationToken cancellationToken) =>
        new ConnectionFactory { Uri = BrokerUri, ClientProvidedName = name }.CreateConnectionAsync(cancellationToken);

    private async Task StartHostAsync(CancellationToken cancellationToken)
    {
        app = await WarehouseOmsHost.BuildAsync([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:WarehouseOms"] = ConnectionString,
            ["Persistence:SeedDemoData"] = "true",
            ["Urls"] = "http://127.0.0.1:0",
            ["Temporal:Address"] = "",
            ["Temporal:EmbeddedPort"] = "0",
            ["Temporal:Embedded"] = "InMemory",
            ["RabbitMq:Uri"] = BrokerUri.ToString(),
            ["Payments:AutoApprove"] = "true",
            ["Payments:FailureRate"] = "0",
            // Warnings only, so that a log line per order step neither costs CPU nor buries the table;
            // the sources appsettings.json keeps at Information are lowered too. Readable text, not JSON.
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Temporalio"] = "Warning",
            ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Serilog:JsonConsole"] = "false",
        }), cancellationToken);
        await app.StartAsync(cancellationToken);
    }

    /// <summary>The seed (run at start-up) leaves existing rows alone, so the stock is raised afterwards.</summary>
    private async Task RaiseStockAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var update = new NpgsqlCommand($"UPDATE ims.stock_items SET on_hand = {BenchmarkStock}, updated_at = now()", connection);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // Pooled connections would keep the database busy; FORCE covers any that linger.
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", CancellationToken.None);
    }
}
