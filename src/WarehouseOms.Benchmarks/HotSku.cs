using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Temporalio.Testing;
using WarehouseOms.Activities;
using WarehouseOms.Persistence;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Benchmarks;

/// <summary>
/// <c>--hot-sku</c>: many orders reserving and releasing one SKU at once, through the real IMS activities on a
/// fresh database (no broker, no Temporal server: each call runs in Temporal's activity test environment, as
/// the activity tests do), next to a raw baseline on the same row: a transaction that only updates it. What
/// the activities add over the baseline is how long the hot row stays locked (ADR 0030).
/// </summary>
public static class HotSku
{
    private const string Sku = "HOT-SKU";

    public static async Task<int> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var databaseName = "warehouse_oms_bench_hot_" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = new NpgsqlConnectionStringBuilder(ServiceUnderTest.AdminConnectionString) { Database = databaseName }.ConnectionString;
        await AdminAsync($"CREATE DATABASE \"{databaseName}\"", CancellationToken.None);
        try
        {
            await using var services = Build(connectionString);
            await WarehouseOmsDatabase.MigrateAsync(services, seedDemoData: false, cancellationToken);
            await using var data = services.GetRequiredService<NpgsqlDataSource>();
            await ExecuteAsync(data, $"INSERT INTO ims.stock_items (sku, on_hand, reserved, reorder_point, reorder_quantity, updated_at) VALUES ('{Sku}', 100000000, 0, 0, 0, now())", cancellationToken);

            Console.WriteLine($"Hot SKU: {options.Orders} orders of 1 x {Sku}, concurrency {options.Concurrency} (closed loop), database {databaseName}");
            var runId = Guid.NewGuid().ToString("N")[..8];
            await RawAsync(data, "warm-up raw", options.Warmup, options, cancellationToken);
            await AllocateAsync(services, "warm-up allocate", runId + "W", options.Warmup, options, cancellationToken);
            await ReleaseAsync(services, "warm-up release", runId + "W", options.Warmup, options, cancellationToken);

            var results = new List<Measurement>
            {
                await RawAsync(data, "raw UPDATE of the hot row + commit", options.Orders, options, cancellationToken),
                await AllocateAsync(services, "AllocateInventory, one hot SKU", runId, options.Orders, options, cancellationToken),
                await ReleaseAsync(services, "ReleaseInventory, one hot SKU", runId, options.Orders, options, cancellationToken),
            };
            Console.WriteLine();
            Report.Print(results);
            return results.All(r => r.AllCompleted) ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)", CancellationToken.None);
        }
    }

    private static ServiceProvider Build(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:WarehouseOms"] = connectionString,
            ["Persistence:MigrateOnStartup"] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddWarehousePersistence(configuration);
        services.AddScoped<ImsActivities>();
        return services.BuildServiceProvider();
    }

    private static Task<Measurement> RawAsync(NpgsqlDataSource data, string phase, int count, BenchmarkOptions options, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync(phase, "tx", count, options.Concurrency, options.Budget, async (_, _, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            await using var connection = await data.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var update = new NpgsqlCommand($"UPDATE ims.stock_items SET reserved = reserved + 1, updated_at = now() WHERE sku = '{Sku}'", connection, transaction);
            await update.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            return Stopwatch.GetElapsedTime(started);
        }, cancellationToken);

    private static Task<Measurement> AllocateAsync(ServiceProvider services, string phase, string runId, int count, BenchmarkOptions options, CancellationToken cancellationToken) =>
        RunActivityAsync(services, phase, runId, count, options, "1", (ims, orderId) =>
            ims.AllocateInventoryAsync(new AllocateInventoryInput(orderId, [new LineItem(Sku, 1)])), cancellationToken);

    private static Task<Measurement> ReleaseAsync(ServiceProvider services, string phase, string runId, int count, BenchmarkOptions options, CancellationToken cancellationToken) =>
        RunActivityAsync(services, phase, runId, count, options, "2", (ims, orderId) =>
            ims.ReleaseInventoryAsync(new ReleaseInventoryInput(orderId, "benchmark")), cancellationToken);

    private static Task<Measurement> RunActivityAsync(
        ServiceProvider services, string phase, string runId, int count, BenchmarkOptions options, string activityId,
        Func<ImsActivities, string, Task> call, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync(phase, "order", count, options.Concurrency, options.Budget, async (_, index, _) =>
        {
            var orderId = $"HOT-{runId}-{index}";
            var environment = new ActivityEnvironment
            {
                Info = ActivityEnvironment.DefaultInfo with { WorkflowId = $"order-fulfillment-{orderId}", WorkflowRunId = "run-1", ActivityId = activityId },
            };
            var started = Stopwatch.GetTimestamp();
            await using var scope = services.CreateAsyncScope();
            await environment.RunAsync(() => call(scope.ServiceProvider.GetRequiredService<ImsActivities>(), orderId));
            return Stopwatch.GetElapsedTime(started);
        }, cancellationToken);

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql, CancellationToken cancellationToken)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(ServiceUnderTest.AdminConnectionString);
        await admin.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
