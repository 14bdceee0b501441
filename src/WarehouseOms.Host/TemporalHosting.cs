using Temporalio.Extensions.Hosting;
using WarehouseOms.Activities;
using WarehouseOms.Activities.Replenishment;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Cart;
using WarehouseOms.Workflows.Replenishment;
using DevServer = WarehouseOms.TemporalDevServer.TemporalDevServer;
using DevServerOptions = WarehouseOms.TemporalDevServer.TemporalDevServerOptions;

namespace WarehouseOms.Host;

/// <summary>Temporal client + order worker; the embedded dev server when no address is configured.</summary>
public static class TemporalHosting
{
    /// <summary>Port of the embedded dev server (0 = any free port). Key <c>Temporal:EmbeddedPort</c>.</summary>
    public const int DefaultEmbeddedPort = 7233;

    public static async Task AddWarehouseTemporalAsync(this WebApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TemporalOptions.SectionName);
        var options = section.Get<TemporalOptions>() ?? new TemporalOptions();

        var address = options.Address;
        if (string.IsNullOrWhiteSpace(address))
        {
            var server = await DevServer.StartAsync(
                new DevServerOptions
                {
                    Port = section.GetValue("EmbeddedPort", DefaultEmbeddedPort),
                    Namespace = options.Namespace,
                },
                cancellationToken).ConfigureAwait(false);
            // Created through a factory so the container owns it: it stops after the worker, on dispose.
            builder.Services.AddSingleton(_ => new EmbeddedTemporalServer(server));
            address = server.Target;
            Console.WriteLine($"Temporal:Address is empty: embedded Temporal dev server listening on {address}");
        }

        builder.Services.AddTemporalClient(client =>
        {
            client.TargetHost = address;
            client.Namespace = options.Namespace;
        });

        builder.Services
            .AddHostedTemporalWorker(options.OrderTaskQueue)
            .AddWorkflow<OrderIntakeWorkflow>()
            .AddWorkflow<OrderFulfillmentWorkflow>()
            .AddWorkflow<ReplenishmentWorkflow>()
            .AddWarehouseActivities()
            .AddReplenishmentActivities()
            .ConfigureOptions(worker => ConfigureWorker(worker, options, section));

        // Carts live on their own task queue (the seed's CART_TASK_QUEUE) so they scale apart from orders.
        builder.Services
            .AddHostedTemporalWorker(options.CartTaskQueue)
            .AddWorkflow<CartWorkflow>()
            .ConfigureOptions(worker => ConfigureWorker(worker, options, section));
    }

    private static void ConfigureWorker(Temporalio.Worker.TemporalWorkerOptions worker, TemporalOptions options, IConfigurationSection section)
    {
        if (!string.IsNullOrWhiteSpace(options.WorkerIdentity))
        {
            worker.Identity = options.WorkerIdentity;
        }

        // Running activities get this long to finish on shutdown before they are cancelled.
        worker.GracefulShutdownTimeout = section.GetValue("GracefulShutdownTimeout", TimeSpan.FromSeconds(10));
    }
}

/// <summary>The in-process dev server, owned (and disposed) by the service container.</summary>
public sealed class EmbeddedTemporalServer(DevServer server) : IAsyncDisposable
{
    public string Target => server.Target;

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
