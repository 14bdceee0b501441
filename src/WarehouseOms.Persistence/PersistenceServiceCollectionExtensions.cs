using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL data source, <see cref="WarehouseOmsDbContext"/> (scoped), the outbox
    /// writer <see cref="IOutbox"/>, <see cref="IStockReceiptService"/>, the item master <see cref="IItemCatalog"/>, the order history
    /// <see cref="IOrderHistory"/> and its reads <see cref="IOrderQueries"/>, the unit of work of order
    /// changes <see cref="IOrderChanges"/> (with the oms/ims/wms/sms stores), and a hosted service that
    /// migrates (and optionally seeds) the database at start-up. Register it before other hosted
    /// services so that the schema exists when they start.
    /// Configuration: <c>ConnectionStrings:WarehouseOms</c>, section <c>Persistence</c>
    /// (<c>MigrateOnStartup</c>, default true; <c>SeedDemoData</c>, default false).
    /// </summary>
    public static IServiceCollection AddWarehousePersistence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<PersistenceOptions>()
            .Bind(configuration.GetSection(PersistenceOptions.SectionName))
            .Configure(o => o.ConnectionString =
                configuration.GetConnectionString(PersistenceOptions.ConnectionStringName) ?? o.ConnectionString)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PersistenceOptions>>().Value;
            var builder = new NpgsqlDataSourceBuilder(ConnectionBudget.Limit(options.ConnectionString, ConnectionBudget.ServiceShare(options.MaxConnections)));
            builder.UseLoggerFactory(sp.GetService<ILoggerFactory>());
            return builder.Build();
        });
        services.AddDbContext<WarehouseOmsDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));

        services.AddScoped<IOutbox, EfOutbox>();
        services.AddScoped<IStockReceiptService, StockReceiptService>();
        services.AddScoped<IItemCatalog, ItemCatalog>();
        services.AddScoped<IHeldReservations, HeldReservations>();
        services.AddScoped<IOrderHistory, EfOrderHistory>();
        services.AddScoped<IOrderQueries, EfOrderQueries>();
        services.AddScoped<IOutboxAdmin, EfOutboxAdmin>();
        services.AddScoped<IOrderChanges, OrderChanges>();
        services.AddScoped<Reconciliation.IReconciliationQueries, Reconciliation.EfReconciliationQueries>();

        if (configuration.GetSection(PersistenceOptions.SectionName).GetValue(nameof(PersistenceOptions.MigrateOnStartup), true))
        {
            services.AddHostedService<DatabaseMigrationHostedService>();
        }

        return services;
    }
}
