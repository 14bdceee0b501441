using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>The outcome of publishing one outbox row.</summary>
internal sealed record PublishOutcome(PendingMessage Message, bool Confirmed, string? Error, bool BrokerFailure);

/// <summary>
/// One connection and one confirm-tracking channel to the broker. Publishes with the mandatory flag
/// (an unroutable message is returned, not silently confirmed), persistent delivery and the row's
/// message ID and the order ID as correlation_id; declares each target exchange as a durable fanout the first time it is used.
/// </summary>
internal sealed class RabbitMqOutboxPublisher(RabbitMqConnectionOptions options, string clientName) : IAsyncDisposable
{
    // The header OrderChange writes on every message about an order (ChangeSubject.OrderHeader).
    private const string OrderHeader = WarehouseOms.Persistence.Changes.ChangeSubject.OrderHeader;

    private readonly HashSet<string> _declaredExchanges = new(StringComparer.Ordinal);
    private IConnection? _connection;
    private IChannel? _channel;

    public bool IsOpen => _channel is { IsOpen: true } && _connection is { IsOpen: true };

    public async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (IsOpen)
        {
            return;
        }

        await ResetAsync().ConfigureAwait(false);
        // The relay reconnects itself with backoff; automatic recovery would hide the outage from it.
        var factory = options.CreateFactory(clientName);

        _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes the batch concurrently on the channel and waits for every confirm, return or failure.
    /// </summary>
    public async Task<IReadOnlyList<PublishOutcome>> PublishAsync(IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        var channel = _channel ?? throw new InvalidOperationException("Not connected.");
        foreach (var exchange in messages.Select(m => m.Exchange).Distinct(StringComparer.Ordinal))
        {
            if (_declaredExchanges.Add(exchange))
            {
                try
                {
                    await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _declaredExchanges.Remove(exchange);
                    throw;
                }
            }
        }

        var pending = messages.Select(m => (Message: m, Task: PublishOneAsync(channel, m, cancellationToken))).ToList();
        var outcomes = new List<PublishOutcome>(pending.Count);
        foreach (var (message, task) in pending)
        {
            outcomes.Add(await task.ConfigureAwait(false));
        }

        return outcomes;
    }

    private static async Task<PublishOutcome> PublishOneAsync(IChannel channel, PendingMessage message, CancellationToken cancellationToken)
    {
        using var span = OutboxTracing.StartPublishSpan(message.Exchange, message.MessageId, message.TraceParent);
        var outcome = await PublishTracedAsync(channel, message, OutboxTracing.TraceParentFor(span, message.TraceParent), cancellationToken).ConfigureAwait(false);
        if (span is not null && !outcome.Confirmed)
        {
            span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.Error);
        }

        return outcome;
    }

    private static async Task<PublishOutcome> PublishTracedAsync(IChannel channel, PendingMessage message, string? traceParent, CancellationToken cancellationToken)
    {
        var headers = ParseHeaders(message.Headers);
        if (traceParent is not null)
        {
            headers[OutboxTracing.TraceParentHeader] = traceParent;
        }

        var properties = new BasicProperties
        {
            MessageId = message.MessageId.ToString(),
            // The order the message is about, for consumers that correlate (MassTransit reads it as CorrelationId when it is a GUID).
            CorrelationId = headers.GetValueOrDefault(OrderHeader) as string,
            Type = message.MessageType,
            ContentType = "application/json",
            ContentEncoding = "utf-8",
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(message.CreatedAt.ToUnixTimeSeconds()),
            Headers = headers,
        };
        try
        {
            await channel.BasicPublishAsync(
                message.Exchange,
                routingKey: string.Empty,
                mandatory: true,
                properties,
                Encoding.UTF8.GetBytes(message.Payload),
                cancellationToken).ConfigureAwait(false);
            return new PublishOutcome(message, Confirmed: true, Error: null, BrokerFailure: false);
        }
        catch (PublishReturnException ex)
        {
            return new PublishOutcome(message, false, $"Returned by the broker as unroutable ({ex.ReplyCode} {ex.ReplyText}): no queue is bound to exchange '{message.Exchange}'.", BrokerFailure: false);
        }
        catch (PublishException ex) when (ex.IsReturn)
        {
            return new PublishOutcome(message, false, $"Returned by the broker as unroutable: no queue is bound to exchange '{message.Exchange}'.", BrokerFailure: false);
        }
        catch (PublishException)
        {
            return new PublishOutcome(message, false, "Negatively acknowledged (nack) by the broker.", BrokerFailure: false);
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or OperationCanceledException or IOException or BrokerUnreachableException)
        {
            // The connection or channel failed: nothing is known about this message; it stays pending as is.
            return new PublishOutcome(message, false, $"{ex.GetType().Name}: {ex.Message}", BrokerFailure: true);
        }
    }

    private static Dictionary<string, object?> ParseHeaders(string json)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                headers[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }

        return headers;
    }

    public async Task ResetAsync()
    {
        _declaredExchanges.Clear();
        var channel = _channel;
        var connection = _connection;
        _channel = null;
        _connection = null;
        await DisposeQuietlyAsync(channel).ConfigureAwait(false);
        await DisposeQuietlyAsync(connection).ConfigureAwait(false);
    }

    private static async Task DisposeQuietlyAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null)
        {
            return;
        }

        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Disposing a connection that is already broken may throw anything; the relay reconnects regardless.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public ValueTask DisposeAsync() => new(ResetAsync());
}
