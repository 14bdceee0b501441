using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WarehouseOms.TemporalDevServer.Engine;
using WarehouseOms.TemporalDevServer.Grpc;
using WarehouseOms.TemporalDevServer.Store;
using WarehouseOms.TemporalDevServer.Store.Postgres;

namespace WarehouseOms.TemporalDevServer;

/// <summary>
/// An in-process Temporal-compatible server: the real Temporalio SDK client and workers run against it
/// unchanged. State lives in memory (tests) or durably in PostgreSQL (<see cref="TemporalDevServerOptions.Storage"/>),
/// where a restart resumes every open workflow and at most one engine serves a store.
/// </summary>
public sealed class TemporalDevServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly WorkflowEngine engine;
    private readonly IEngineStore store;
    private int disposed;

    private TemporalDevServer(WebApplication app, WorkflowEngine engine, IEngineStore store, string target)
    {
        this.app = app;
        this.engine = engine;
        this.store = store;
        Target = target;
    }

    /// <summary>host:port for <c>TemporalClient.ConnectAsync</c>.</summary>
    public string Target { get; }

    public string Namespace => engine.DefaultNamespace;

    /// <summary>Which store holds the state, for logs and health checks.</summary>
    public string StoreDescription => engine.StoreDescription;

    /// <summary>Workflow tasks handed out and history events sent with them (full histories vs sticky).</summary>
    public WorkflowTaskStatistics WorkflowTasks => engine.Stats;

    /// <summary>Runs looked up in the durable store for a call because they were not in memory (found or not).</summary>
    public long StoreReadBacks => engine.StoreReadBacks;

    /// <summary>Times the read-back filter was built again from the store because it was full (ADR 0065).</summary>
    public long ReadBackFilterRebuilds => engine.ReadBackFilterRebuilds;

    /// <summary>Cancelled when the engine lost its store for good (another engine took it over): the process should stop.</summary>
    public CancellationToken Faulted => engine.Faulted;

    /// <exception cref="EmbeddedEngineOwnedElsewhereException">The PostgreSQL store is served by another engine.</exception>
    public static async Task<TemporalDevServer> StartAsync(
        TemporalDevServerOptions options,
        CancellationToken cancellationToken = default,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = loggerFactory?.CreateLogger<WorkflowEngine>();
        var store = await OpenStoreAsync(options, loggerFactory, cancellationToken).ConfigureAwait(false);
        WorkflowEngine? engine = null;
        WebApplication? app = null;
        try
        {
            engine = new WorkflowEngine(options, store, logger);
            await engine.RestoreAsync(cancellationToken).ConfigureAwait(false);
            engine.StartBackgroundWork();

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedLifetime>();
            if (loggerFactory is not null)
            {
                builder.Services.AddSingleton(loggerFactory);
            }

            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                // gRPC over cleartext HTTP/2 only: the SDK speaks prior-knowledge h2c.
                kestrel.Listen(IPAddress.Parse(options.Ip), options.Port, listen => listen.Protocols = HttpProtocols.Http2);
                kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            });

            builder.Services.AddSingleton(engine);
            builder.Services.AddGrpc(grpc =>
            {
                grpc.EnableDetailedErrors = true;
                grpc.MaxReceiveMessageSize = 64 * 1024 * 1024;
                grpc.MaxSendMessageSize = 64 * 1024 * 1024;
            });
            builder.Services.AddTemporalServiceBindings();

            app = builder.Build();
            app.MapTemporalServices(options.ServeTestService);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            app.Services.GetRequiredService<ServingHealth>().Serving(); // from the moment it takes calls

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            var target = $"{options.Ip}:{port}";
            await store.PublishAddressAsync(AdvertisedAddress(options.Ip, port), cancellationToken).ConfigureAwait(false);
            return new TemporalDevServer(app, engine, store, target);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (engine is not null)
            {
                await engine.StopBackgroundWorkAsync().ConfigureAwait(false);
                engine.Dispose();
            }

            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<IEngineStore> OpenStoreAsync(TemporalDevServerOptions options, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        switch (options.Storage)
        {
            case PostgresStorage postgres:
                if (options.TimeSkipping)
                {
                    throw new ArgumentException("Time skipping needs the in-memory store: virtual time does not survive a restart.", nameof(options));
                }

                var instance = options.InstanceName ?? $"{Environment.MachineName} pid {Environment.ProcessId}";
                return await PostgresEngineStore.OpenAsync(postgres, instance, loggerFactory?.CreateLogger<PostgresEngineStore>(), cancellationToken).ConfigureAwait(false);
            default:
                return new InMemoryEngineStore();
        }
    }

    // What another instance should dial: the bound address, or this host's name when bound to all interfaces.
    private static string AdvertisedAddress(string ip, int port) =>
        IPAddress.TryParse(ip, out var parsed) && (parsed.Equals(IPAddress.Any) || parsed.Equals(IPAddress.IPv6Any))
            ? $"{Dns.GetHostName()}:{port}"
            : $"{ip}:{port}";

    public async ValueTask DisposeAsync()
    {
        // Hosts may dispose what they own more than once.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        // Health checks say NOT_SERVING first, as Temporal's frontend does when it stops; long polls answer next
        // (they would hold the stop up), then no new calls; then whatever was changed is written before the store
        // closes (and its lock goes); the clock goes last.
        app.Services.GetRequiredService<ServingHealth>().ShuttingDown();
        await engine.DrainPollsAsync().WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await app.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await engine.StopBackgroundWorkAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
        engine.Dispose();
    }
}
