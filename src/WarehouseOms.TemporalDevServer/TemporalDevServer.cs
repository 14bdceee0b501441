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

namespace WarehouseOms.TemporalDevServer;

/// <summary>
/// An in-process, in-memory Temporal-compatible server for tests and local development: the real
/// Temporalio SDK client and workers run against it unchanged. Not for production (no persistence).
/// </summary>
public sealed class TemporalDevServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly WorkflowEngine engine;

    private TemporalDevServer(WebApplication app, WorkflowEngine engine, string target)
    {
        this.app = app;
        this.engine = engine;
        Target = target;
    }

    /// <summary>host:port for <c>TemporalClient.ConnectAsync</c>.</summary>
    public string Target { get; }

    public string Namespace => engine.DefaultNamespace;

    public static async Task<TemporalDevServer> StartAsync(
        TemporalDevServerOptions options,
        CancellationToken cancellationToken = default,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
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

        var engine = new WorkflowEngine(options, loggerFactory?.CreateLogger<WorkflowEngine>());
        builder.Services.AddSingleton(engine);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = true;
            grpc.MaxReceiveMessageSize = 64 * 1024 * 1024;
            grpc.MaxSendMessageSize = 64 * 1024 * 1024;
        });
        builder.Services.AddTemporalServiceBindings();

        var app = builder.Build();
        app.MapTemporalServices(options.ServeTestService);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new TemporalDevServer(app, engine, $"{options.Ip}:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        engine.Dispose();
        await app.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
