using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace WarehouseOms.Benchmarks;

/// <summary>When and on which exchange the awaited message arrived (a <see cref="Stopwatch"/> timestamp).</summary>
public readonly record struct Observation(string Exchange, long Timestamp);

/// <summary>
/// Watches fanout exchanges through exclusive, auto-deleted queues of its own, and completes the waiter
/// registered for a message's key (a top-level string property such as <c>orderId</c>) when the message
/// comes from one of the exchanges the waiter named. Bound before anything is published, so no awaited
/// message can pass unseen; messages nobody waits for are dropped.
/// </summary>
public sealed class EventObserver : IAsyncDisposable
{
    private readonly IChannel channel;
    private readonly string keyProperty;
    private readonly ConcurrentDictionary<string, Waiter> waiters = new(StringComparer.Ordinal);

    private EventObserver(IChannel channel, string keyProperty)
    {
        this.channel = channel;
        this.keyProperty = keyProperty;
    }

    /// <summary>
    /// Declares the exchanges (fanout; <paramref name="durable"/> as the service declares its own, or
    /// transient and auto-deleted for a benchmark's scratch exchange) and starts consuming them.
    /// </summary>
    public static async Task<EventObserver> StartAsync(
        IConnection connection, IReadOnlyList<string> exchanges, string keyProperty, bool durable, CancellationToken cancellationToken)
    {
        var observer = new EventObserver(await connection.CreateChannelAsync(cancellationToken: cancellationToken), keyProperty);
        foreach (var exchange in exchanges)
        {
            await observer.channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable, autoDelete: !durable, cancellationToken: cancellationToken);
            var queue = await observer.channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
            await observer.channel.QueueBindAsync(queue.QueueName, exchange, string.Empty, cancellationToken: cancellationToken);
            var consumer = new AsyncEventingBasicConsumer(observer.channel);
            consumer.ReceivedAsync += observer.OnReceivedAsync;
            await observer.channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken);
        }

        return observer;
    }

    /// <summary>
    /// Waits for the first message with <paramref name="key"/> from any of <paramref name="outcomes"/>
    /// (e.g. the pick wave, or order-failed); call it before publishing what causes the message.
    /// </summary>
    public Task<Observation> Expect(string key, IReadOnlyCollection<string> outcomes)
    {
        var waiter = new Waiter(new(TaskCreationOptions.RunContinuationsAsynchronously), outcomes);
        return waiters.TryAdd(key, waiter) ? waiter.Completion.Task : throw new InvalidOperationException($"already waiting for {key}");
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        // Timestamp first: the latency ends when the message reached us, not when a waiter got scheduled.
        var arrived = Stopwatch.GetTimestamp();
        if (KeyOf(delivery.Body.Span) is { } key
            && waiters.TryGetValue(key, out var waiter)
            && waiter.Outcomes.Contains(delivery.Exchange)
            && waiters.TryRemove(new(key, waiter)))
        {
            waiter.Completion.TrySetResult(new Observation(delivery.Exchange, arrived));
        }

        return Task.CompletedTask;
    }

    private string? KeyOf(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(keyProperty))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
            // Someone else's malformed message on a shared exchange: not ours to wait for.
        }

        return null;
    }

    private sealed record Waiter(TaskCompletionSource<Observation> Completion, IReadOnlyCollection<string> Outcomes);

    public async ValueTask DisposeAsync()
    {
        await channel.CloseAsync();
        channel.Dispose();
    }
}
