using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>
/// The real consumers and endpoint definitions (retry policies included) on MassTransit's in-memory test
/// harness, with a fake gateway and short retry intervals.
/// </summary>
public sealed class ConsumerHarness : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    private ConsumerHarness(
        ServiceProvider provider,
        ITestHarness harness,
        FakeWorkflowGateway gateway,
        FakeIntakeRecords intakes,
        FakeStockReceiptService receipts,
        FakeReplenishmentGateway replenishments)
    {
        Intakes = intakes;
        this.provider = provider;
        Harness = harness;
        Gateway = gateway;
        Receipts = receipts;
        Replenishments = replenishments;
    }

    public ITestHarness Harness { get; }

    public IServiceProvider Services => provider;

    public FakeWorkflowGateway Gateway { get; }

    /// <summary>What earlier intakes were started with (for duplicates: <see cref="StartOutcome.AlreadyHandled"/>).</summary>
    public FakeIntakeRecords Intakes { get; }

    public FakeStockReceiptService Receipts { get; }

    public FakeReplenishmentGateway Replenishments { get; }

    public FakeHeldReservations Reservations { get; private init; } = new();

    public const int NotFoundRetryLimit = 3;

    /// <param name="settings">Configuration over the short retry defaults.</param>
    /// <param name="configure">More services, e.g. the real persistence (the item master consumers need it).</param>
    public static async Task<ConsumerHarness> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection, IConfiguration>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Messaging:TransientRetryLimit"] = "10",
            ["Messaging:TransientMinInterval"] = "00:00:00.010",
            ["Messaging:TransientMaxInterval"] = "00:00:00.050",
            ["Messaging:TransientIntervalDelta"] = "00:00:00.010",
            ["Messaging:WorkflowNotFoundRetryLimit"] = NotFoundRetryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Messaging:WorkflowNotFoundMinInterval"] = "00:00:00.010",
            ["Messaging:WorkflowNotFoundMaxInterval"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var gateway = new FakeWorkflowGateway();
        var receipts = new FakeStockReceiptService();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IOrderWorkflows>(gateway);
        var intakes = new FakeIntakeRecords();
        services.AddSingleton<WarehouseOms.Messaging.Consumers.IIntakeRecords>(intakes);
        services.AddSingleton<IStockReceiptService>(receipts);
        var reservations = new FakeHeldReservations();
        services.AddSingleton<IHeldReservations>(reservations);
        var replenishments = new FakeReplenishmentGateway();
        services.AddSingleton<IReplenishmentWorkflows>(replenishments);
        MessagingRegistration.AddMessagingOptions(services, configuration);
        configure?.Invoke(services, configuration);
        services.AddMassTransitTestHarness(bus => MessagingRegistration.AddInboundConsumers(bus));

        var provider = services.BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromSeconds(20);
        await harness.Start();
        return new ConsumerHarness(provider, harness, gateway, intakes, receipts, replenishments) { Reservations = reservations };
    }

    /// <summary>Sends to the endpoint's real queue name (the harness's own lookup ignores the definition's name).</summary>
    public async Task SendAsync<TMessage>(string exchange, TMessage message, Guid? messageId = null)
        where TMessage : class
    {
        var endpoint = await Harness.Bus.GetSendEndpoint(new Uri("queue:" + Queues.For(exchange)));
        await endpoint.Send(message, context => context.MessageId = messageId ?? NewId.NextGuid());
    }

    /// <summary>The fault MassTransit published for a message that ended in the error queue, or null.</summary>
    public async Task<Fault<TMessage>?> FaultOfAsync<TMessage>()
        where TMessage : class
    {
        if (!await Harness.Published.Any<Fault<TMessage>>())
        {
            return null;
        }

        await foreach (var fault in Harness.Published.SelectAsync<Fault<TMessage>>())
        {
            return fault.Context.Message;
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await provider.DisposeAsync();
    }
}
