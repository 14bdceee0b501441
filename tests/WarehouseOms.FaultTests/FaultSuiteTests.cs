using System.Diagnostics;
using Xunit.Abstractions;

namespace WarehouseOms.FaultTests;

/// <summary>
/// A RabbitMQ node and a PostgreSQL cluster of this suite alone, started once for it: the faults below stop
/// and restart them for real, which the shared servers (other tests run on them) must never see.
/// </summary>
public sealed class PrivateServers : IAsyncLifetime
{
    public PrivatePostgres Postgres { get; } = new();

    public PrivateRabbitMq RabbitMq { get; } = new();

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), RabbitMq.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await RabbitMq.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

/// <summary>
/// The service as its own process on private servers, with orders in flight through a broker restart, a
/// PostgreSQL stop, a Temporal engine outage longer than the consumers' retries, and a backlog queued while the
/// service was down. Each case counts the orders submitted, completed (reached their pick wave: created,
/// reserved, paid, pick wave emitted), lost and duplicated (one order's event of one type under two outbound
/// message IDs), prints them, and requires none lost, none duplicated and nothing in the error queue.
/// </summary>
public sealed class FaultSuiteTests(PrivateServers servers, ITestOutputHelper output) : IClassFixture<PrivateServers>, IAsyncLifetime
{
    private const string OrderErrorQueue = "warehouse-oms.oms.order-submitted_error";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    // Generous: a bound for a hung run, not a performance goal (the drain time is printed).
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(12);
    private static readonly string[] Skus = ["CABLE-USB", "WIDGET-RED", "WIDGET-BLUE", "GADGET"];
    private readonly string database = $"fault_{Guid.NewGuid():N}"[..20];
    private readonly string prefix = $"F{Guid.NewGuid():N}"[..9];

    public Task InitializeAsync() => servers.Postgres.CreateDatabaseAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    private string ConnectionString => servers.Postgres.ConnectionString(database);

    private Dictionary<string, string> Settings(string? temporalAddress = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__WarehouseOms"] = ConnectionString,
            ["RabbitMq__Uri"] = servers.RabbitMq.Uri.ToString(),
            ["Persistence__SeedDemoData"] = "true",
            ["Payments__AutoApprove"] = "true",
            ["Payments__MaxAttempts"] = "12",
            ["Outbox__PollInterval"] = "00:00:00.500",
            // Retries of a few seconds, so that each outage below outlasts them by far.
            ["Messaging__TransientRetryLimit"] = "3",
            ["Messaging__TransientMinInterval"] = "00:00:00.200",
            ["Messaging__TransientMaxInterval"] = "00:00:01",
            ["Messaging__OutagePause"] = "00:00:02",
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        if (temporalAddress is null)
        {
            settings["Temporal__Embedded"] = "Persistent";
            settings["Temporal__EmbeddedPort"] = "0";
        }
        else
        {
            settings["Temporal__Address"] = temporalAddress;
        }

        return settings;
    }

    [Fact(Timeout = 1_200_000)]
    public async Task BrokerRestartedMidFlow_NoOrderLostOrDuplicated()
    {
        await using var service = await StartServiceAsync(Settings());
        var submitted = 0;
        await using (var traffic = await ConnectAsync())
        {
            submitted += await SubmitAsync(traffic, 0, 30);
            await Eventually.UntilAsync(() => CompletedAsync(), done => done > 0, "a first order at its pick wave", DrainTimeout);
        }

        await servers.RabbitMq.StopAsync();
        // A service that can neither consume nor publish is not ready (MassTransit alone calls it Degraded, 200).
        await Eventually.UntilAsync(() => service.IsReadyAsync(), ready => !ready, "the service to notice the broker is gone", TimeSpan.FromMinutes(1));
        await servers.RabbitMq.StartAsync();
        await Eventually.UntilAsync(() => service.IsReadyAsync(), ready => ready, "the service to be ready again with the broker back", TimeSpan.FromMinutes(2));

        await using (var traffic = await ConnectAsync())
        {
            submitted += await SubmitAsync(traffic, 30, 30);
        }

        await AssertNothingLostOrDuplicatedAsync("broker restarted mid-flow", submitted, Stopwatch.StartNew());
    }

    [Fact(Timeout = 1_200_000)]
    public async Task PostgresStoppedMidFlow_NoOrderLostOrDuplicated()
    {
        await using var service = await StartServiceAsync(Settings());
        await using var traffic = await ConnectAsync();
        var submitted = await SubmitAsync(traffic, 0, 30);
        await Eventually.UntilAsync(() => CompletedAsync(), done => done > 0, "a first order at its pick wave", DrainTimeout);

        await servers.Postgres.StopAsync();
        // Orders keep arriving while the database is down; the service reports itself not ready.
        submitted += await SubmitAsync(traffic, 30, 20);
        await Eventually.UntilAsync(() => service.IsReadyAsync(), ready => !ready, "the service to notice the database is gone", TimeSpan.FromMinutes(1));
        await servers.Postgres.StartAsync();

        await AssertNothingLostOrDuplicatedAsync("PostgreSQL stopped mid-flow", submitted, Stopwatch.StartNew());
        Assert.Null(service.ExitCode);
    }

    [Fact(Timeout = 1_200_000)]
    public async Task TemporalUnreachableLongerThanTheRetries_ConsumersPause_NothingDeadLettered_NoOrderLostOrDuplicated()
    {
        await servers.Postgres.CreateDatabaseAsync(database + "_engine");
        await using var engine = new EngineProcess(servers.Postgres.ConnectionString(database + "_engine"));
        await engine.StartAsync();
        await using var service = await StartServiceAsync(Settings(engine.Address));
        await using var traffic = await ConnectAsync();
        var submitted = await SubmitAsync(traffic, 0, 30);
        await Eventually.UntilAsync(() => CompletedAsync(), done => done > 0, "a first order at its pick wave", DrainTimeout);

        await engine.KillAsync();
        submitted += await SubmitAsync(traffic, 30, 30);
        // Past the consumers' retries: messages go back to their queue and the endpoints pause.
        await Eventually.UntilAsync(
            () => Task.FromResult(service.Output.Contains("goes back to its queue", StringComparison.Ordinal)),
            returned => returned,
            "a message to outlast its retries and return to its queue",
            TimeSpan.FromMinutes(2));
        await engine.StartAsync();

        await AssertNothingLostOrDuplicatedAsync("Temporal unreachable past the retries", submitted, Stopwatch.StartNew());
    }

    [Fact(Timeout = 1_200_000)]
    public async Task BacklogQueuedWhileTheServiceWasDown_DrainedCompletely()
    {
        const int Backlog = 300;
        await using (var first = await StartServiceAsync(Settings()))
        {
            // The first start declares the queues and seeds the stock; then the service is gone.
            await first.KillAsync();
        }

        await using (var traffic = await ConnectAsync())
        {
            await SubmitAsync(traffic, 0, Backlog);
        }

        var drain = Stopwatch.StartNew();
        await using var service = await StartServiceAsync(Settings());
        await AssertNothingLostOrDuplicatedAsync($"backlog of {Backlog}", Backlog, drain);
    }

    private async Task<ServiceProcess> StartServiceAsync(Dictionary<string, string> settings)
    {
        var service = new ServiceProcess(settings);
        service.Start();
        await service.WaitUntilReadyAsync(StartTimeout);
        await using var traffic = new WarehouseTraffic(ConnectionString, servers.RabbitMq.Uri);
        foreach (var sku in Skus)
        {
            await traffic.SetStockAsync(sku, 100_000);
        }

        return service;
    }

    private async Task<WarehouseTraffic> ConnectAsync()
    {
        var traffic = new WarehouseTraffic(ConnectionString, servers.RabbitMq.Uri);
        await traffic.ConnectAsync();
        return traffic;
    }

    private async Task<int> SubmitAsync(WarehouseTraffic traffic, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await traffic.OrderAsync($"{prefix}-{i}", (Skus[i % Skus.Length], 1));
        }

        return count;
    }

    private async Task<long> CompletedAsync()
    {
        await using var traffic = new WarehouseTraffic(ConnectionString, servers.RabbitMq.Uri);
        return await traffic.OrdersWithEventAsync(prefix, "wms.pick-wave-created");
    }

    private async Task AssertNothingLostOrDuplicatedAsync(string fault, int submitted, Stopwatch drain)
    {
        long completed = 0;
        try
        {
            await Eventually.UntilAsync(() => CompletedAsync(), done => (completed = done) == submitted, $"all {submitted} orders at their pick wave", DrainTimeout);
        }
        finally
        {
            await using var traffic = new WarehouseTraffic(ConnectionString, servers.RabbitMq.Uri);
            var duplicated = await traffic.DuplicatedEventsAsync(prefix);
            var deadLettered = await servers.RabbitMq.MessageCountAsync(OrderErrorQueue);
            output.WriteLine($"{fault}: submitted {submitted}, completed {completed}, lost {submitted - completed}, duplicated {duplicated}, error queue {deadLettered}, drained in {drain.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(0, duplicated);
            Assert.Equal(0u, deadLettered);
        }
    }
}
