using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Cart;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Messaging.Tests.Consumers;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows.Cart;

namespace WarehouseOms.Messaging.Tests.Cart;

/// <summary>
/// The cart endpoint on the local RabbitMQ, with a fake gateway: raw JSON published by a plain AMQP
/// client to the four exchanges, one queue, in order per customer. Each test has its own queue and
/// exchanges (same shape as <see cref="CartTopology.Default"/>), deleted at the end.
/// </summary>
public sealed class CartEndpointTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly string prefix = $"warehouse-oms.test-{Guid.NewGuid():N}"[..31];
    private readonly RecordingCartGateway gateway = new();
    private readonly WarningLog warnings = new();
    private readonly EndpointStops endpointStops = new();
    private CartTopology topology = null!;
    private ServiceProvider provider = null!;
    private IBusControl bus = null!;
    private IConnection connection = null!;
    private IChannel channel = null!;

    public async Task InitializeAsync()
    {
        topology = new CartTopology(
            $"{prefix}.cart", $"{prefix}.{Exchanges.CartItemsAdded}", $"{prefix}.{Exchanges.CartItemsRemoved}",
            $"{prefix}.{Exchanges.CartReset}", $"{prefix}.{Exchanges.CartCheckedOut}");
        var rabbitMq = RabbitMqFromEnvironment();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:PrefetchCount"] = "16",
            ["Messaging:TransientRetryLimit"] = "3",
            ["Messaging:TransientMinInterval"] = "00:00:00.010",
            ["Messaging:TransientMaxInterval"] = "00:00:00.050",
            ["Messaging:TransientIntervalDelta"] = "00:00:00.010",
            ["Messaging:OutagePause"] = "00:00:01",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(warnings));
        services.AddSingleton<ICartWorkflows>(gateway);
        MessagingRegistration.AddMessagingOptions(services, configuration);
        services.AddMassTransit(x =>
        {
            CartMessagingRegistration.AddCartConsumers(x);
            x.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(rabbitMq.Host, (ushort)rabbitMq.Port, rabbitMq.VirtualHost, host =>
                {
                    host.Username(rabbitMq.Username);
                    host.Password(rabbitMq.Password);
                });
                OutagePolicy.UseOutageKillSwitch(rabbit, context.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessagingOptions>>().Value);
                CartMessagingRegistration.ConfigureCartEndpoint(rabbit, context, topology);
                rabbit.ConfigureEndpoints(context);
            });
        });
        provider = services.BuildServiceProvider(true);
        bus = provider.GetRequiredService<IBusControl>();
        bus.ConnectReceiveEndpointObserver(endpointStops);

        connection = await new ConnectionFactory
        {
            HostName = rabbitMq.Host,
            Port = rabbitMq.Port,
            UserName = rabbitMq.Username,
            Password = rabbitMq.Password,
            VirtualHost = rabbitMq.VirtualHost,
            ClientProvidedName = "warehouse-oms-cart-endpoint-tests",
        }.CreateConnectionAsync();
        channel = await connection.CreateChannelAsync();
    }

    /// <summary>Starts consuming (the bus declares the queue, its bindings and the exchanges).</summary>
    private async Task StartBusAsync()
    {
        using var start = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StartAsync(start.Token);
    }

    /// <summary>The queue and its bindings as the bus declares them, for a backlog published before it starts.</summary>
    private async Task DeclareTopologyAsync()
    {
        await channel.QueueDeclareAsync(topology.Queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
        foreach (var exchange in topology.AllExchanges)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueBindAsync(topology.Queue, exchange, string.Empty);
        }
    }

    public async Task DisposeAsync()
    {
        await bus.StopAsync();
        await provider.DisposeAsync();
        await channel.DisposeAsync();

        // A channel of its own: a failed test may have left the other one closed.
        await using var cleanup = await connection.CreateChannelAsync();
        foreach (var queue in new[] { topology.Queue, topology.Queue + "_error", topology.Queue + "_skipped" })
        {
            await cleanup.QueueDeleteAsync(queue);
        }

        foreach (var exchange in topology.AllExchanges.Concat([topology.Queue, topology.Queue + "_error", topology.Queue + "_skipped"]))
        {
            await cleanup.ExchangeDeleteAsync(exchange);
        }

        await connection.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RawMessagesOfManyCustomers_SignalledOncePerMessage_InPublishOrderPerCustomer_CustomersInParallel(bool backlog)
    {
        // A backlog (published before the service starts) arrives in bursts of PrefetchCount deliveries
        // handed to concurrent workers at once: where an unordered endpoint reorders the most.
        if (backlog)
        {
            await DeclareTopologyAsync();
        }
        else
        {
            await StartBusAsync();
        }

        // Every customer: adds, a removal, a reset, more adds, a checkout. Customers are interleaved at
        // random, so a customer's messages are often adjacent in the queue and often apart.
        string[] script = [topology.ItemsAdded, topology.ItemsAdded, topology.ItemsRemoved, topology.Reset, topology.ItemsAdded, topology.ItemsAdded, topology.CheckedOut];
        var customers = Enumerable.Range(1, 12).Select(i => $"{prefix}-c{i:00}").ToList();
        var next = customers.ToDictionary(c => c, _ => 0);
        var random = new Random(20261123);
        var delays = new Random(7);
        gateway.Delay = () => TimeSpan.FromMilliseconds(delays.Next(0, 8));
        var published = 0;
        while (next.Count > 0)
        {
            var customer = next.Keys.ElementAt(random.Next(next.Count));
            var step = next[customer];
            await PublishAsync(script[step], BodyFor(script[step], customer, step), $"{customer}-{step}");
            published++;
            if (++next[customer] == script.Length)
            {
                next.Remove(customer);
            }
        }

        if (backlog)
        {
            await StartBusAsync();
        }

        await Eventually.UntilAsync(() => gateway.Signals.Count >= published, $"{published} signals");
        await Task.Delay(300); // anything dispatched twice would show up now

        Assert.Equal(published, gateway.Signals.Count);
        foreach (var customer in customers)
        {
            var signals = gateway.Signals.Where(s => s.CustomerId == customer).OrderBy(s => s.Sequence).ToList();
            Assert.Equal(Enumerable.Range(0, script.Length).Select(step => $"{customer}-{step}"), signals.Select(s => s.MessageId));
            Assert.Equal(script.Select(SignalNameOf), signals.Select(s => s.SignalName));
        }

        Assert.True(gateway.MaxConcurrency > 1, $"customers were processed one at a time (max concurrency {gateway.MaxConcurrency})");
        Assert.Empty(warnings.Messages); // in particular, no delivery was let through by the gap timeout
    }

    [Fact]
    public async Task TemporalDownLongerThanTheRetries_EndpointPauses_MessagesStayOnTheQueue_AndAreConsumedWhenItIsBack()
    {
        var down = 1;
        gateway.Unavailable = () => Volatile.Read(ref down) == 1;
        await StartBusAsync();
        var customers = Enumerable.Range(1, 5).Select(i => $"{prefix}-o{i}").ToList();
        foreach (var customer in customers)
        {
            await PublishAsync(topology.Reset, BodyFor(topology.Reset, customer, 0), $"{customer}-reset");
        }

        // Each message meets the outage through its retries; then the kill switch stops the endpoint
        // (restarting it after Messaging:OutagePause, when the outage stops it again).
        await Eventually.UntilAsync(() => endpointStops.Count(topology.Queue) >= 2, "the endpoint to pause twice during the outage");
        Assert.Empty(gateway.Signals);
        Assert.False(await QueueExistsAsync(topology.Queue + "_error") && await MessageCountAsync(topology.Queue + "_error") > 0, "an outage moved messages to the error queue");

        Volatile.Write(ref down, 0);
        await Eventually.UntilAsync(() => gateway.Signals.Count >= customers.Count, "every message once Temporal is back");
        Assert.Equal(customers.Select(c => $"{c}-reset").Order(), gateway.Signals.Select(s => s.MessageId).Order());
        Assert.False(await QueueExistsAsync(topology.Queue + "_error") && await MessageCountAsync(topology.Queue + "_error") > 0, "an outage moved messages to the error queue");
    }

    [Fact]
    public async Task InvalidRawMessage_GoesToTheCartErrorQueue_WithTheReasonAndItsSourceExchange()
    {
        await StartBusAsync();
        await PublishAsync(topology.ItemsRemoved, """{"items":[{"sku":"WIDGET-RED","quantity":1}]}""", "no-customer");

        var (_, headers) = await TakeAsync(topology.Queue + "_error", "no-customer");
        Assert.Contains("customerId is required", headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Equal(topology.ItemsRemoved, headers[InboundHeaders.SourceExchange]);
        Assert.Empty(gateway.Signals);
    }

    [Fact]
    public async Task RawMessageStraightIntoTheQueue_IsTypedBySourceExchangeHeader_AndWithoutItGoesToTheErrorQueue()
    {
        await StartBusAsync();
        var body = BodyFor(topology.ItemsRemoved, $"{prefix}-replayed", 0);

        // A replay moved from the error queue into the queue (default exchange) keeps its header.
        await PublishAsync(string.Empty, body, "replayed", routingKey: topology.Queue, sourceExchange: topology.ItemsRemoved);
        await Eventually.UntilAsync(() => !gateway.Signals.IsEmpty, "the replayed removal");
        var signal = Assert.Single(gateway.Signals);
        Assert.Equal((CartSignalNames.RemoveItems, "replayed"), (signal.SignalName, signal.MessageId));

        await PublishAsync(string.Empty, body, "untyped", routingKey: topology.Queue);
        var (errorBody, headers) = await TakeAsync(topology.Queue + "_error", "untyped");
        Assert.Equal(body, errorBody);
        Assert.Contains("cannot tell which cart message this is", headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Single(gateway.Signals);
    }

    [Fact]
    public async Task MassTransitEnvelopeOnACartExchange_IsStillAccepted()
    {
        await StartBusAsync();
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{topology.CheckedOut}?type=fanout"));
        var messageId = NewId.NextGuid();

        await endpoint.Send(new CartCheckedOut($"{prefix}-mt", "req-mt", null), context => context.MessageId = messageId);

        await Eventually.UntilAsync(() => !gateway.Signals.IsEmpty, "the checkout signal");
        var signal = Assert.Single(gateway.Signals);
        Assert.Equal((CartSignalNames.Checkout, messageId.ToString()), (signal.SignalName, signal.MessageId));
    }

    [Fact]
    public async Task MassTransitEnvelopeOfAnotherType_GoesToTheCartErrorQueue_WithTheReason_NotToASkippedQueue()
    {
        await StartBusAsync();
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{topology.CheckedOut}?type=fanout"));
        var messageId = NewId.NextGuid();

        await endpoint.Send(new PartnerCheckout($"{prefix}-partner"), context => context.MessageId = messageId);

        var (_, headers) = await TakeAsync(topology.Queue + "_error", messageId.ToString());
        Assert.Contains("a MassTransit envelope of type 'urn:message:WarehouseOms.Messaging.Tests.Cart:PartnerCheckout', which is none of the cart's", headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Equal(topology.CheckedOut, headers[InboundHeaders.SourceExchange]);
        Assert.False(await QueueExistsAsync(topology.Queue + "_skipped") && await MessageCountAsync(topology.Queue + "_skipped") > 0, "a message went to the skipped queue");
        Assert.Empty(gateway.Signals);
    }

    private string SignalNameOf(string exchange) =>
        exchange == topology.ItemsAdded ? CartSignalNames.AddItems
        : exchange == topology.ItemsRemoved ? CartSignalNames.RemoveItems
        : exchange == topology.Reset ? CartSignalNames.Reset
        : CartSignalNames.Checkout;

    private string BodyFor(string exchange, string customerId, int step) =>
        exchange == topology.Reset ? JsonSerializer.Serialize(new { customerId }, Json)
        : exchange == topology.CheckedOut ? JsonSerializer.Serialize(new { customerId, requestId = $"{customerId}-req" }, Json)
        : JsonSerializer.Serialize(new { customerId, items = new[] { new { sku = $"SKU-{step}", quantity = 1 } } }, Json);

    private async Task PublishAsync(string exchange, string json, string messageId, string routingKey = "", string? sourceExchange = null)
    {
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = messageId };
        if (sourceExchange is not null)
        {
            properties.Headers = new Dictionary<string, object?> { [InboundHeaders.SourceExchange] = sourceExchange };
        }

        if (exchange.Length > 0)
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, Encoding.UTF8.GetBytes(json));
            return;
        }

        // Straight into a queue (the default exchange) is an operator's replay: the service's user has no
        // right to the default exchange (rabbitmq/definitions.json), the operator's has.
        await using var operatorConnection = await new ConnectionFactory { Uri = TestBroker.OperatorUri }.CreateConnectionAsync();
        await using var operatorChannel = await operatorConnection.CreateChannelAsync();
        await operatorChannel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, Encoding.UTF8.GetBytes(json));
    }

    private async Task<(string Body, IDictionary<string, string> Headers)> TakeAsync(string queue, string messageId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await QueueExistsAsync(queue) && await channel.BasicGetAsync(queue, autoAck: true) is { } result)
            {
                Assert.Equal(messageId, result.BasicProperties.MessageId);
                var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                    .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString() ?? string.Empty);
                return (Encoding.UTF8.GetString(result.Body.Span), headers);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Timed out waiting for {messageId} on {queue}.");
    }

    private async Task<uint> MessageCountAsync(string queue)
    {
        await using var probe = await connection.CreateChannelAsync();
        return (await probe.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>MassTransit declares an error queue with the first message it moves there.</summary>
    private async Task<bool> QueueExistsAsync(string queue)
    {
        // A passive declare of a missing queue closes its channel, so it gets one of its own.
        await using var probe = await connection.CreateChannelAsync();
        try
        {
            await probe.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return false;
        }
    }

    private static RabbitMqConnectionOptions RabbitMqFromEnvironment() => new()
    {
        Host = TestBroker.Host,
        Port = TestBroker.Port,
        Username = TestBroker.Username,
        Password = TestBroker.Password,
        VirtualHost = TestBroker.VirtualHost,
    };
}

/// <summary>Records every cart signal in the order the consumers sent them, and how many ran at once.</summary>
internal sealed class RecordingCartGateway : ICartWorkflows
{
    private readonly Lock delayLock = new();
    private long sequence;
    private int running;
    private int maxConcurrency;

    public ConcurrentQueue<RecordedCartSignal> Signals { get; } = new();

    public Func<TimeSpan> Delay { get; set; } = () => TimeSpan.Zero;

    /// <summary>While true, every call fails as Temporal being unreachable does.</summary>
    public Func<bool> Unavailable { get; set; } = () => false;

    public int MaxConcurrency => Volatile.Read(ref maxConcurrency);

    public async Task SignalAsync(string customerId, Expression<Func<CartWorkflow, Task>> signal, CancellationToken cancellationToken)
    {
        if (Unavailable())
        {
            throw new TemporalUnavailableException("Temporal unreachable (test)", new TimeoutException("deadline"));
        }

        var now = Interlocked.Increment(ref running);
        try
        {
            int seen;
            while (now > (seen = Volatile.Read(ref maxConcurrency)) && Interlocked.CompareExchange(ref maxConcurrency, now, seen) != seen)
            {
            }

            // Recorded on arrival: the order in which the consumers called, which is what reaches Temporal.
            var (signalName, payload) = (WorkflowCalls.SignalName(signal), WorkflowCalls.Argument(signal));
            var messageId = payload switch
            {
                CartItemsSignal items => items.MessageId,
                CartResetSignal reset => reset.MessageId,
                CartCheckoutSignal checkout => checkout.MessageId,
                _ => throw new ArgumentException($"unexpected payload {payload?.GetType()}", nameof(signal)),
            };
            Signals.Enqueue(new RecordedCartSignal(Interlocked.Increment(ref sequence), customerId, signalName, messageId));
            TimeSpan delay;
            lock (delayLock)
            {
                delay = Delay();
            }

            await Task.Delay(delay, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref running);
        }
    }

    public Task<CartView?> GetAsync(string customerId, CancellationToken cancellationToken) => Task.FromResult<CartView?>(null);
}

/// <summary>Counts the times each receive endpoint stopped (by its queue name).</summary>
internal sealed class EndpointStops : IReceiveEndpointObserver
{
    private readonly ConcurrentDictionary<string, int> stops = new();

    public int Count(string queue) => stops.GetValueOrDefault(queue);

    public Task Ready(ReceiveEndpointReady ready) => Task.CompletedTask;

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        stops.AddOrUpdate(completed.InputAddress.AbsolutePath.Split('/')[^1], 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
}

internal sealed record RecordedCartSignal(long Sequence, string CustomerId, string SignalName, string MessageId);

/// <summary>Warnings and errors logged by the bus and the cart endpoint.</summary>
internal sealed class WarningLog : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(WarningLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Messages.Enqueue($"{category}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>Another service's own contract, published to a cart exchange in a MassTransit envelope.</summary>
public sealed record PartnerCheckout(string CustomerId);
