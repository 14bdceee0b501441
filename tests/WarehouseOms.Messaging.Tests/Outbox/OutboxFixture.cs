using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Outbox;

using WarehouseOms.Testing;

namespace WarehouseOms.Messaging.Tests.Outbox;

/// <summary>
/// A fresh, migrated PostgreSQL database per test class plus a broker connection for assertions.
/// Every test uses its own exchange and queue names, deleted at the end.
/// </summary>
public sealed class OutboxFixture : IAsyncLifetime
{
    private readonly ScratchDatabase database = new("oms_outbox_test");
    private IConnection? _broker;

    public string ConnectionString => database.ConnectionString;

    public RabbitMqConnectionOptions RabbitMq { get; } = new()
    {
        Host = TestBroker.Host,
        Port = TestBroker.Port,
        Username = TestBroker.Username,
        Password = TestBroker.Password,
        VirtualHost = TestBroker.VirtualHost,
    };

    public ServiceProvider Services { get; private set; } = null!;

    public IChannel Broker { get; private set; } = null!;

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
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddWarehousePersistence(configuration);
        Services = services.BuildServiceProvider();
        await WarehouseOmsDatabase.MigrateAsync(Services, seedDemoData: false);

        var factory = new ConnectionFactory
        {
            HostName = RabbitMq.Host,
            Port = RabbitMq.Port,
            UserName = RabbitMq.Username,
            Password = RabbitMq.Password,
            VirtualHost = RabbitMq.VirtualHost,
            ClientProvidedName = "warehouse-oms-outbox-tests",
        };
        _broker = await factory.CreateConnectionAsync();
        Broker = await _broker.CreateChannelAsync();
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        await Services.DisposeAsync();
        await database.DropAsync();
    }

    /// <summary>A relay over this database; <paramref name="rabbitMq"/> and <paramref name="dataSource"/> override the addresses (e.g. a proxy).</summary>
    public OutboxRelay CreateRelay(
        OutboxRelayHealth health,
        int batchSize = 50,
        TimeSpan? pollInterval = null,
        RabbitMqConnectionOptions? rabbitMq = null,
        NpgsqlDataSource? dataSource = null,
        TimeSpan? retainSentFor = null) =>
        new(
            dataSource ?? Services.GetRequiredService<NpgsqlDataSource>(),
            Options.Create(new OutboxRelayOptions
            {
                BatchSize = batchSize,
                PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(200),
                MinBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
                PublishTimeout = TimeSpan.FromSeconds(5),
                RetainSentFor = retainSentFor ?? TimeSpan.FromDays(7),
                CleanupInterval = TimeSpan.FromMilliseconds(200),
            }),
            Options.Create(rabbitMq ?? RabbitMq),
            health,
            TimeProvider.System,
            NullLogger<OutboxRelay>.Instance);

    /// <summary>Writes events through the production outbox writer, in one transaction, as an activity does.</summary>
    public async Task<IReadOnlyList<Guid>> WriteAsync(string exchange, int count, string orderPrefix = "ord")
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
        var ids = new List<Guid>(count);
        await using var transaction = await db.Database.BeginTransactionAsync();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            var orderId = $"{orderPrefix}-{i}";
            await outbox.AddAsync(exchange, new TestEvent(orderId, i, DateTimeOffset.UtcNow), id, new Dictionary<string, string> { ["orderId"] = orderId });
            ids.Add(id);
        }

        await transaction.CommitAsync();
        return ids;
    }

    public async Task<List<OutboxMessage>> RowsAsync(string exchange)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
        return await db.OutboxMessages.AsNoTracking().Where(m => m.Exchange == exchange).OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>Declares a test exchange (as the relay would) and a queue bound to it.</summary>
    public async Task<string> BindQueueAsync(string exchange)
    {
        var queue = $"{exchange}.queue";
        await Broker.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await Broker.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await Broker.QueueBindAsync(queue, exchange, string.Empty);
        return queue;
    }

    public async Task<List<BasicGetResult>> DrainAsync(string queue)
    {
        var messages = new List<BasicGetResult>();
        while (await Broker.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    public async Task DeleteAsync(string exchange, string? queue)
    {
        if (queue is not null)
        {
            await Broker.QueueDeleteAsync(queue);
        }

        await Broker.ExchangeDeleteAsync(exchange);
    }
}

/// <summary>An outbound event shaped like the real ones: camelCase JSON with orderId.</summary>
public sealed record TestEvent(string OrderId, int Sequence, DateTimeOffset OccurredAt);
