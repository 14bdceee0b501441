using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Temporalio.Testing;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Outbox;

using WarehouseOms.Testing;

namespace WarehouseOms.Activities.Tests;

/// <summary>
/// A fresh PostgreSQL database per test class (created, migrated, dropped), so classes run in parallel
/// without seeing each other's rows. Server settings come from <c>ConnectionStrings__WarehouseOms</c>
/// with the dev defaults.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private readonly ScratchDatabase database = new("oms_activities_test");

    public string ConnectionString => database.ConnectionString;

    public ServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await database.CreateAsync();

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:WarehouseOms"] = ConnectionString,
                ["Persistence:MigrateOnStartup"] = "false",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddWarehousePersistence(configuration);
        services.AddScoped<OmsActivities>().AddScoped<ImsActivities>().AddScoped<WmsActivities>().AddScoped<SmsActivities>()
            .AddScoped<WarehouseOms.Activities.Replenishment.ReplenishmentActivities>();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await WarehouseOmsDatabase.MigrateAsync(Services, seedDemoData: false);
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await database.DropAsync();
    }

    /// <summary>
    /// Runs one activity attempt the way the worker does: a fresh DI scope (fresh DbContext) and an
    /// activity context whose Info names the workflow and activity.
    /// </summary>
    public Task<TResult> RunAsync<TActivities, TResult>(ActivityCall call, Func<TActivities, Task<TResult>> activity)
        where TActivities : notnull =>
        RunAsync(call, services => services.GetRequiredService<TActivities>(), activity);

    /// <summary>The same with activities made by <paramref name="create"/> in the attempt's scope (e.g. with a fake dependency).</summary>
    public async Task<TResult> RunAsync<TActivities, TResult>(ActivityCall call, Func<IServiceProvider, TActivities> create, Func<TActivities, Task<TResult>> activity)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(activity);
        var environment = new ActivityEnvironment
        {
            Info = ActivityEnvironment.DefaultInfo with
            {
                WorkflowId = call.WorkflowId,
                WorkflowRunId = call.RunId,
                ActivityId = call.ActivityId,
                Attempt = call.Attempt,
            },
        };
        await using var scope = Services.CreateAsyncScope();
        var activities = create(scope.ServiceProvider);
        return await environment.RunAsync(() => activity(activities));
    }

    public Task RunAsync<TActivities>(ActivityCall call, Func<TActivities, Task> activity)
        where TActivities : notnull =>
        RunAsync<TActivities, bool>(call, async a =>
        {
            await activity(a);
            return true;
        });

    public async Task<T> QueryAsync<T>(Func<WarehouseOmsDbContext, Task<T>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>());
    }

    /// <summary>The outbox rows of one order (filtered here: the headers are jsonb, and test tables are small).</summary>
    public async Task<List<OutboxMessage>> OutboxForOrderAsync(string orderId)
    {
        var all = await QueryAsync(db => db.OutboxMessages.AsNoTracking().OrderBy(m => m.Id).ToListAsync());
        return all.Where(m => m.Headers.Contains($"\"{orderId}\"", StringComparison.Ordinal)).ToList();
    }

    public Task AddStockAsync(string sku, int onHand, int reorderPoint = 0, int reserved = 0) =>
        QueryAsync(async db =>
        {
            db.StockItems.Add(new StockItemRecord { Sku = sku, OnHand = onHand, Reserved = reserved, ReorderPoint = reorderPoint, ReorderQuantity = reorderPoint * 2, UpdatedAt = DateTimeOffset.UtcNow });
            return await db.SaveChangesAsync();
        });

    public Task AddKitAsync(string kitSku, params (string Sku, int Quantity)[] components) =>
        QueryAsync(async db =>
        {
            db.BomComponents.AddRange(components.Select(c => new BomComponentRecord { KitSku = kitSku, ComponentSku = c.Sku, Quantity = c.Quantity }));
            return await db.SaveChangesAsync();
        });

    public Task<StockItemRecord> StockAsync(string sku) =>
        QueryAsync(db => db.StockItems.AsNoTracking().SingleAsync(s => s.Sku == sku));
}

/// <summary>Identity of an activity attempt: retries of one activity share workflow, run and activity ID.</summary>
public sealed record ActivityCall(string WorkflowId, string ActivityId, string RunId = "run-1", int Attempt = 1)
{
    public static ActivityCall For(string orderId, string activityId) => new($"order-fulfillment-{orderId}", activityId);

    public ActivityCall Retry() => this with { Attempt = Attempt + 1 };
}
