using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// A plain AMQP client (RabbitMQ.Client, not MassTransit), as a Java WMS gateway or a script would be:
/// publishes raw JSON to the inbound exchanges and collects everything published to the outbound ones.
/// </summary>
public sealed class Broker(Uri uri) : IAsyncDisposable
{
    private IConnection? connection;
    private IChannel? publisher;
    private IChannel? observer;

    /// <summary>Every outbound message seen so far: exchange, AMQP message_id, parsed body.</summary>
    public ConcurrentQueue<OutboundMessage> Received { get; } = new();

    public async Task ConnectAsync()
    {
        connection = await new ConnectionFactory { Uri = uri, ClientProvidedName = "integration-tests" }.CreateConnectionAsync();
        publisher = await connection.CreateChannelAsync();
        observer = await connection.CreateChannelAsync();
    }

    /// <summary>One exclusive, auto-deleted queue per outbound fanout exchange, consumed into <see cref="Received"/>.</summary>
    public async Task ObserveAsync(IEnumerable<string> exchanges)
    {
        var channel = observer ?? throw new InvalidOperationException("not connected");
        foreach (var exchange in exchanges)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, exchange, string.Empty);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                using var body = JsonDocument.Parse(delivery.Body);
                var traceParent = delivery.BasicProperties.Headers?.TryGetValue("traceparent", out var value) == true && value is byte[] bytes
                    ? Encoding.UTF8.GetString(bytes)
                    : null;
                Received.Enqueue(new OutboundMessage(delivery.Exchange, delivery.BasicProperties.MessageId, body.RootElement.Clone(), traceParent));
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        }
    }

    /// <summary>Raw bytes to an inbound fanout exchange, content type application/json, optional message_id and headers.</summary>
    public async Task PublishRawAsync(string exchange, string json, string? messageId = null, IDictionary<string, object?>? headers = null)
    {
        var channel = publisher ?? throw new InvalidOperationException("not connected");
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
            Headers = headers,
        };
        await channel.BasicPublishAsync(exchange, string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(json));
    }

    public Task PublishAsync(string exchange, object message, string? messageId = null) =>
        PublishRawAsync(exchange, JsonSerializer.Serialize(message, JsonSerializerOptions.Web), messageId);

    /// <summary>
    /// Takes one message with the given message_id off a queue (e.g. an error queue), or null, also while
    /// the queue does not exist yet (MassTransit declares an error queue with its first fault). A channel
    /// of its own: the broker closes a channel that asks for a missing queue.
    /// </summary>
    public async Task<(string Body, IDictionary<string, string> Headers)?> TakeAsync(string queue, string messageId)
    {
        var open = connection ?? throw new InvalidOperationException("not connected");
        await using var channel = await open.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }

        var skipped = new List<ulong>();
        try
        {
            while (await channel.BasicGetAsync(queue, autoAck: false) is { } result)
            {
                if (result.BasicProperties.MessageId != messageId)
                {
                    skipped.Add(result.DeliveryTag);
                    continue;
                }

                await channel.BasicAckAsync(result.DeliveryTag, multiple: false);
                var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                    .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString() ?? string.Empty);
                return (Encoding.UTF8.GetString(result.Body.Span), headers);
            }

            return null;
        }
        finally
        {
            foreach (var tag in skipped)
            {
                await channel.BasicNackAsync(tag, multiple: false, requeue: true);
            }
        }
    }

    /// <summary>
    /// A queue of this connection's own (removed with it) bound to a fanout exchange declared as MassTransit declares
    /// one (durable), so that what is sent to <c>exchange:name</c> can be read with <see cref="DrainAsync"/>.
    /// </summary>
    public async Task<string> BindQueueAsync(string exchange)
    {
        var channel = publisher ?? throw new InvalidOperationException("not connected");
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var queue = await channel.QueueDeclareAsync(exchange + "-observed", durable: false, exclusive: true, autoDelete: false);
        await channel.QueueBindAsync(queue.QueueName, exchange, string.Empty);
        return queue.QueueName;
    }

    /// <summary>The bodies of every message now in <paramref name="queue"/>, taken off it.</summary>
    public async Task<IReadOnlyList<string>> DrainBodiesAsync(string queue)
    {
        var open = connection ?? throw new InvalidOperationException("not connected");
        await using var channel = await open.CreateChannelAsync();
        var bodies = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
        {
            bodies.Add(Encoding.UTF8.GetString(result.Body.Span));
        }

        return bodies;
    }

    /// <summary>
    /// Takes every message now in <paramref name="queue"/> (none while it does not exist): AMQP message_id and
    /// headers, text values decoded. For many messages at once, where <see cref="TakeAsync"/> would rescan the queue each time.
    /// </summary>
    public async Task<IReadOnlyList<(string? MessageId, IDictionary<string, string> Headers)>> DrainAsync(string queue)
    {
        var open = connection ?? throw new InvalidOperationException("not connected");
        await using var channel = await open.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return [];
        }

        var taken = new List<(string?, IDictionary<string, string>)>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
        {
            taken.Add((result.BasicProperties.MessageId, (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString() ?? string.Empty)));
        }

        return taken;
    }

    /// <summary>
    /// How long an order's next event may take at worst by chance: the fixture's simulated provider fails 20 % of
    /// payment calls and the workflow retries them 1, 2, 4, 8, 16, then 30 s apart, up to 12 attempts (211 s). Six
    /// failures in a row (one order in 15,625) already take 63 s, past the usual 60 s wait (CI run 112).
    /// </summary>
    public static readonly TimeSpan EventTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Waits for the first outbound event on <paramref name="exchange"/> about <paramref name="orderId"/>.</summary>
    public Task<OutboundMessage> EventAsync(string exchange, string orderId, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            () => Task.FromResult(For(exchange, orderId).FirstOrDefault()),
            m => m is not null,
            $"{exchange} for {orderId}",
            timeout ?? EventTimeout)!;

    public IReadOnlyList<OutboundMessage> For(string exchange, string orderId) =>
        Received.Where(m => m.Exchange == exchange && m.OrderId == orderId).ToList();

    public async ValueTask DisposeAsync()
    {
        if (connection is not null)
        {
            await connection.CloseAsync();
            connection.Dispose();
        }
    }
}

public sealed record OutboundMessage(string Exchange, string? MessageId, JsonElement Body, string? TraceParent = null)
{
    public string? OrderId => Body.TryGetProperty("orderId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
}
