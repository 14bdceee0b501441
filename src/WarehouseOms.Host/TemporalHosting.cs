using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;
using Temporalio.Extensions.Hosting;
using WarehouseOms.Activities;
using WarehouseOms.Activities.Replenishment;
using WarehouseOms.Persistence;
using WarehouseOms.Temporal;
using WarehouseOms.Temporal.Tracing;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Cart;
using WarehouseOms.Workflows.Replenishment;
using DevServer = WarehouseOms.TemporalDevServer.TemporalDevServer;
using DevServerOptions = WarehouseOms.TemporalDevServer.TemporalDevServerOptions;
using DevServerStorage = WarehouseOms.TemporalDevServer.TemporalDevServerStorage;
using EngineOwnedElsewhere = WarehouseOms.TemporalDevServer.EmbeddedEngineOwnedElsewhereException;

namespace WarehouseOms.Host;

/// <summary>Temporal client + workers; the embedded engine when no address is configured.</summary>
public static class TemporalHosting
{
    // A second instance waits this long for the engine's owner to publish a reachable address.
    private static readonly TimeSpan OwnerWait = TimeSpan.FromSeconds(15);

    public static async Task AddWarehouseTemporalAsync(this WebApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = TemporalOptions.Read(builder.Configuration);
        using var loggers = new SerilogLoggerFactory();
        var logger = loggers.CreateLogger(typeof(TemporalHosting).FullName!);

        // Temporal:Address, else Temporal's own TEMPORAL_ADDRESS / profile (with TLS and API key); else embedded.
        var connection = TemporalConnection.Load(options);
        TemporalEngineInfo engine;
        if (!string.IsNullOrWhiteSpace(connection.TargetHost))
        {
            engine = new TemporalEngineInfo(connection.TargetHost, "Temporal cluster", $"Temporal at {connection.TargetHost} ({TemporalConnection.Describe(connection)})");
        }
        else
        {
            engine = await StartEmbeddedAsync(builder, options, cancellationToken).ConfigureAwait(false);
            connection = new Temporalio.Client.TemporalClientConnectOptions(engine.Address) { Namespace = options.Namespace };
        }

        logger.LogInformation("Temporal engine: {Engine} ({Description}), namespace {Namespace}", engine.Kind, engine.Description, connection.Namespace);
        builder.Services.AddSingleton(engine);
        builder.Services.AddWarehouseTemporalClient(builder.Configuration, connection);

        builder.Services
            .AddHostedTemporalWorker(options.OrderTaskQueue)
            .AddWorkflow<OrderIntakeWorkflow>()
            .AddWorkflow<OrderFulfillmentWorkflow>()
            .AddWorkflow<ReplenishmentWorkflow>()
            .AddWarehouseActivities()
            .AddReplenishmentActivities()
            .ConfigureOptions(worker => ConfigureWorker(worker, options));

        // Carts live on their own task queue (the seed's CART_TASK_QUEUE) so they scale apart from orders.
        builder.Services
            .AddHostedTemporalWorker(options.CartTaskQueue)
            .AddWorkflow<CartWorkflow>()
            .ConfigureOptions(worker => ConfigureWorker(worker, options));
    }

    private static async Task<TemporalEngineInfo> StartEmbeddedAsync(WebApplicationBuilder builder, TemporalOptions options, CancellationToken cancellationToken)
    {
        var mode = options.Embedded ?? (builder.Environment.IsProduction()
            ? throw new InvalidOperationException(
                "Temporal:Address is empty and Temporal:Embedded is not set. In Production the service does not guess: set Temporal:Address " +
                "to a Temporal cluster, or Temporal:Embedded to Persistent (workflow state in PostgreSQL, one engine per database) or InMemory (lost on restart).")
            : EmbeddedTemporal.Persistent);
        DevServerStorage storage;
        if (mode == EmbeddedTemporal.InMemory)
        {
            storage = DevServerStorage.InMemory;
        }
        else
        {
            var connectionString = string.IsNullOrWhiteSpace(options.EmbeddedConnectionString)
                ? builder.Configuration.GetConnectionString("WarehouseOms") ?? throw new InvalidOperationException("ConnectionStrings:WarehouseOms is not set")
                : options.EmbeddedConnectionString;
            // The engine's share of the process' connection budget (Persistence:MaxConnections).
            var budget = builder.Configuration.GetValue($"{PersistenceOptions.SectionName}:{nameof(PersistenceOptions.MaxConnections)}", ConnectionBudget.DefaultMaxConnections);
            storage = DevServerStorage.Postgres(ConnectionBudget.Limit(connectionString, ConnectionBudget.EngineShare(budget)), options.EmbeddedSchema);
        }

        var serverOptions = new DevServerOptions
        {
            Port = options.EmbeddedPort,
            Ip = options.EmbeddedIp,
            Namespace = options.Namespace,
            Storage = storage,
            Retention = options.EmbeddedRetention,
        };
        var deadline = DateTime.UtcNow + OwnerWait;
        while (true)
        {
            try
            {
                var server = await DevServer.StartAsync(serverOptions, cancellationToken, new SerilogLoggerFactory()).ConfigureAwait(false);
                // Created through a factory and started as a hosted service, so the container owns it: it is
                // disposed after the workers stop, which writes what is left and releases the store.
                builder.Services.AddSingleton(services => new EmbeddedTemporalServer(server, services.GetRequiredService<IHostApplicationLifetime>()));
                builder.Services.AddHostedService(services => services.GetRequiredService<EmbeddedTemporalServer>());
                var kind = mode == EmbeddedTemporal.InMemory ? "embedded, in memory" : "embedded, persistent";
                return new TemporalEngineInfo(server.Target, kind, $"embedded engine at {server.Target}, state: {server.StoreDescription}");
            }
            catch (EngineOwnedElsewhere ex)
            {
                // Another instance serves this database: use its engine, never start a second one.
                if (ex.Address is { } address && await ReachableAsync(address, cancellationToken).ConfigureAwait(false))
                {
                    return new TemporalEngineInfo(address, "embedded, another instance's", $"the embedded engine of {ex.Owner} at {address}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException(
                        $"Another WarehouseOms instance ({ex.Owner}) runs the embedded Temporal engine on this database, but it cannot be reached" +
                        $"{(ex.Address is null ? " (it has not published an address)" : $" at {ex.Address}")}. Stop that instance, or set Temporal:Address.", ex);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> ReachableAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            var client = await Temporalio.Client.TemporalClient.ConnectAsync(new(address)).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            await client.WorkflowService.GetSystemInfoAsync(new(), new() { Timeout = TimeSpan.FromSeconds(3), CancellationToken = cancellationToken }).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void ConfigureWorker(Temporalio.Worker.TemporalWorkerOptions worker, TemporalOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.WorkerIdentity))
        {
            worker.Identity = options.WorkerIdentity;
        }

        worker.GracefulShutdownTimeout = options.GracefulShutdownTimeout;
        worker.Interceptors = [new TraceContextWorkerInterceptor(), .. worker.Interceptors ?? []];
    }
}

/// <summary>Which Temporal engine this instance uses, for logs and <c>/health/ready</c>.</summary>
public sealed record TemporalEngineInfo(string Address, string Kind, string Description);

/// <summary>
/// The in-process engine, owned by the service container: started with the host, disposed after the
/// workers. If it loses its store to another engine, the service stops rather than run on without it.
/// </summary>
public sealed class EmbeddedTemporalServer : IHostedService, IAsyncDisposable
{
    private readonly DevServer server;
    private readonly CancellationTokenRegistration onFault;

    public EmbeddedTemporalServer(DevServer server, IHostApplicationLifetime lifetime)
    {
        this.server = server;
        onFault = server.Faulted.Register(lifetime.StopApplication);
    }

    public string Target => server.Target;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await onFault.DisposeAsync().ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
    }
}
