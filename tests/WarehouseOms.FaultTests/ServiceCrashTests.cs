using WarehouseOms.Testing;
using Xunit.Abstractions;

namespace WarehouseOms.FaultTests;

/// <summary>
/// The service on its default engine (embedded, persistent) killed with SIGKILL while orders are in flight,
/// then started again; two instances on one database; the Production guard.
/// </summary>
public sealed class ServiceCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly ScratchDatabase database = new("warehouse_oms_fault");

    public Task InitializeAsync() => database.CreateAsync();

    public Task DisposeAsync() => database.DropAsync();

    private Dictionary<string, string> Settings(string environment = "Development") => new()
    {
        ["DOTNET_ENVIRONMENT"] = environment,
        ["ConnectionStrings__WarehouseOms"] = database.ConnectionString,
        ["RabbitMq__Uri"] = WarehouseTraffic.BrokerUri.ToString(),
        ["Temporal__Embedded"] = "Persistent",
        ["Temporal__EmbeddedPort"] = "0",
        ["Persistence__SeedDemoData"] = "true",
        ["Payments__AutoApprove"] = "true",
        ["Payments__MaxAttempts"] = "12",
        ["Outbox__PollInterval"] = "00:00:00.500",
        ["Serilog__MinimumLevel__Default"] = "Warning",
    };

    [Fact(Timeout = 420_000)]
    public async Task KilledWithOrdersInFlight_EveryOrderReachesItsPickWave_AfterRestart_AndShips()
    {
        const int Orders = 40;
        var prefix = $"KILL-{Guid.NewGuid():N}"[..13];
        await using var service = new ServiceProcess(Settings());
        service.Start();
        await service.WaitUntilReadyAsync(StartTimeout);
        await using var traffic = new WarehouseTraffic(database.ConnectionString);
        await traffic.ConnectAsync();
        var (cableBefore, _) = await traffic.StockAsync("CABLE-USB");

        for (var i = 0; i < Orders; i++)
        {
            await traffic.OrderAsync($"{prefix}-{i}", ("CABLE-USB", 1), ("WIDGET-RED", 1));
        }

        // Kill as soon as the first orders exist: the rest are somewhere between intake and pick wave.
        await Eventually.UntilAsync(async () => await traffic.OrdersWithEventAsync(prefix, "oms.order-created") > 0, done => done, "a first order", TimeSpan.FromSeconds(60));
        var atKill = await traffic.OrdersWithEventAsync(prefix, "wms.pick-wave-created");
        await service.KillAsync();
        output.WriteLine($"killed with {atKill}/{Orders} orders at their pick wave");

        await using var restarted = new ServiceProcess(Settings());
        restarted.Start();
        await restarted.WaitUntilReadyAsync(StartTimeout);
        await Eventually.UntilAsync(async () => await traffic.OrdersWithEventAsync(prefix, "wms.pick-wave-created") == Orders, done => done, "every order at its pick wave", TimeSpan.FromMinutes(3));

        Assert.Equal(0, await traffic.DuplicatedEventsAsync(prefix));
        var (cableOnHand, cableReserved) = await traffic.StockAsync("CABLE-USB");
        Assert.Equal((cableBefore, Orders), (cableOnHand, cableReserved));

        // Devices report after the restart: every order ships.
        for (var i = 0; i < Orders; i++)
        {
            await traffic.PickAsync($"{prefix}-{i}", ("CABLE-USB", 1), ("WIDGET-RED", 1));
            await traffic.PackAsync($"{prefix}-{i}");
        }

        await Eventually.UntilAsync(async () => await traffic.OrdersInStatusAsync(prefix, "SHIPPED") == Orders, done => done, "every order shipped", TimeSpan.FromMinutes(3));
        Assert.Equal(0, await traffic.DuplicatedEventsAsync(prefix));
        Assert.Equal((cableBefore - Orders, 0), await traffic.StockAsync("CABLE-USB"));
    }

    [Fact(Timeout = 300_000)]
    public async Task TwoInstancesOnOneDatabase_ShareOneEngine_AndShipOrdersThroughEither()
    {
        const int Orders = 10;
        var prefix = $"TWO-{Guid.NewGuid():N}"[..12];
        await using var first = new ServiceProcess(Settings());
        first.Start();
        var firstHealth = await first.WaitUntilReadyAsync(StartTimeout);
        await using var second = new ServiceProcess(Settings());
        second.Start();
        var secondHealth = await second.WaitUntilReadyAsync(StartTimeout);
        Assert.Contains("embedded, persistent", firstHealth, StringComparison.Ordinal);
        Assert.Contains("another instance", secondHealth, StringComparison.Ordinal);

        await using var traffic = new WarehouseTraffic(database.ConnectionString);
        await traffic.ConnectAsync();
        for (var i = 0; i < Orders; i++)
        {
            await traffic.OrderAsync($"{prefix}-{i}", ("CABLE-USB", 1));
        }

        await Eventually.UntilAsync(async () => await traffic.OrdersWithEventAsync(prefix, "wms.pick-wave-created") == Orders, done => done, "every order at its pick wave", TimeSpan.FromMinutes(2));
        for (var i = 0; i < Orders; i++)
        {
            await traffic.PickAsync($"{prefix}-{i}", ("CABLE-USB", 1));
            await traffic.PackAsync($"{prefix}-{i}");
        }

        // Both instances consume the same queues: starts and signals land on either, one engine serves both.
        await Eventually.UntilAsync(async () => await traffic.OrdersInStatusAsync(prefix, "SHIPPED") == Orders, done => done, "every order shipped", TimeSpan.FromMinutes(2));
        Assert.DoesNotContain("workflow not found", first.Output + second.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = 120_000)]
    public async Task Production_WithoutAddressOrEngineChoice_RefusesToStart()
    {
        var settings = Settings("Production");
        settings.Remove("Temporal__Embedded");
        await using var service = new ServiceProcess(settings);
        service.Start();

        var exit = await service.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.NotEqual(0, exit);
        Assert.Contains("Temporal:Embedded is not set", service.Output, StringComparison.Ordinal);
    }
}
