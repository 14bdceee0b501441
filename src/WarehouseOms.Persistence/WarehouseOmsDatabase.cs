using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WarehouseOms.Persistence;

/// <summary>Schema migration and optional demo seeding, callable from a host, a test fixture or a command.</summary>
public static partial class WarehouseOmsDatabase
{
    /// <summary>Applies all pending EF Core migrations, then seeds the demo catalogue when <paramref name="seedDemoData"/> is set.</summary>
    public static async Task MigrateAsync(IServiceProvider services, bool seedDemoData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WarehouseOmsDatabase));

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        // MigrateAsync takes a database lock (EF Core 9+), so several instances starting at once are safe.
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        LogMigrated(logger, pending.Count, string.Join(", ", pending));

        if (seedDemoData)
        {
            await DemoCatalog.SeedAsync(scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
            LogSeeded(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated: {MigrationCount} migration(s) applied ({Migrations})")]
    private static partial void LogMigrated(ILogger logger, int migrationCount, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo catalogue seeded through the item master (SKUs registered by others left untouched)")]
    private static partial void LogSeeded(ILogger logger);
}

/// <summary>Migrates (and optionally seeds) before the other hosted services start: register it first.</summary>
internal sealed class DatabaseMigrationHostedService(IServiceProvider services, IOptions<PersistenceOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        WarehouseOmsDatabase.MigrateAsync(services, options.Value.SeedDemoData, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
