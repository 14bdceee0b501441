using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using WarehouseOms.Contracts;

namespace WarehouseOms.Operations;

/// <summary>One error queue: how many messages wait in it (null: not declared yet, no message ever failed there).</summary>
public sealed record ErrorQueueDepth(string Queue, string InputQueue, long? Depth);

/// <summary>
/// A message in an error queue as an operator needs it: the key to act on it by, why it failed
/// (MassTransit's <c>MT-Fault-*</c> headers), when, and its body.
/// </summary>
/// <param name="Key">The AMQP message_id, else <c>sha256-…</c> of the body (a plain publisher sets no ID).</param>
/// <param name="Body">The body as UTF-8 text, or base64 when it is not valid UTF-8 (<paramref name="BodyIsText"/> false); cut at <see cref="ErrorQueues.MaxBodyChars"/>.</param>
public sealed record ErroredMessage(
    string Key,
    string? MessageId,
    string Reason,
    string? ExceptionType,
    DateTimeOffset? FailedAt,
    string? SourceExchange,
    string? ContentType,
    long BodyBytes,
    string Body,
    bool BodyIsText,
    IReadOnlyDictionary<string, string> Headers);

/// <summary>The error queue or the message the operator named is not there (anymore).</summary>
public sealed class ErrorQueueNotFoundException(string message) : Exception(message);

/// <summary>
/// The error queues over plain AMQP (RabbitMQ.Client): depth (passive declare), browse (basic.get without
/// ack, then everything is returned to the queue), replay and discard. At-least-once, never lost: a
/// replayed message is acknowledged in the error queue only after the broker confirmed the copy in its
/// input queue (publisher confirms, mandatory); a crash in between leaves it in both, and the consumers
/// deduplicate by message ID. One connection per call: operator actions are rare and must not share a
/// channel's fate with anything else. Shared by the Host's console and the CLI (ADR 0023).
/// </summary>
public sealed class ErrorQueues(ConnectionFactory factory)
{
    /// <summary>Bodies longer than this are cut for display (the message itself is never changed).</summary>
    public const int MaxBodyChars = 64 * 1024;

    /// <summary>Header on a replayed message: when the operator replayed it (ISO 8601 UTC).</summary>
    public const string ReplayedAtHeader = "oms-replayed-at";

    private static readonly string[] FaultHeaderPrefixes = ["MT-Fault-", "MT-Reason", "MT-Host-"];

    public async Task<IReadOnlyList<ErrorQueueDepth>> DepthsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await DepthsAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The depth of every error queue (null: not declared yet) over a connection the caller keeps open.</summary>
    public static async Task<IReadOnlyList<ErrorQueueDepth>> DepthsAsync(IConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var depths = new List<ErrorQueueDepth>();
        foreach (var queue in ErrorQueueCatalog.ErrorQueues)
        {
            depths.Add(new ErrorQueueDepth(queue, ErrorQueueCatalog.InputQueueOf(queue), await DepthAsync(connection, queue, cancellationToken).ConfigureAwait(false)));
        }

        return depths;
    }

    /// <summary>The first <paramref name="limit"/> messages of <paramref name="queue"/>, left in the queue in their order.</summary>
    public async Task<IReadOnlyList<ErroredMessage>> PeekAsync(string queue, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (await DepthAsync(connection, Known(queue), cancellationToken).ConfigureAwait(false) is null)
        {
            return [];
        }

        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var messages = new List<ErroredMessage>();
        ulong last = 0;
        while (messages.Count < limit && await channel.BasicGetAsync(queue, autoAck: false, cancellationToken).ConfigureAwait(false) is { } got)
        {
            messages.Add(Read(got));
            last = got.DeliveryTag;
        }

        await ReturnAllAsync(channel, last).ConfigureAwait(false);
        return messages;
    }

    /// <summary>
    /// Moves the message with <paramref name="key"/> (null: every message that is in the queue now, but none
    /// that fails again meanwhile and comes back) into its input queue, headers of the failure removed and
    /// <see cref="ReplayedAtHeader"/> added. Returns the keys of the messages replayed.
    /// </summary>
    /// <exception cref="ErrorQueueNotFoundException">No message with that key is in the queue.</exception>
    public async Task<IReadOnlyList<string>> ReplayAsync(string queue, string? key, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        var input = ErrorQueueCatalog.InputQueueOf(Known(queue));
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        return await TakeAsync(queue, key, async (channel, got) =>
        {
            var properties = ReplayProperties(got.BasicProperties, now);
            // The return exchange, routing key = the input queue: only this service's consumer sees the copy
            // (the service user has no right to the default exchange).
            await channel.BasicPublishAsync(Queues.Return, input, mandatory: true, properties, got.Body, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the message with <paramref name="key"/> and returns it, for the caller to log with the operator's reason.</summary>
    /// <exception cref="ErrorQueueNotFoundException">No message with that key is in the queue.</exception>
    public async Task<ErroredMessage> DiscardAsync(string queue, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ErroredMessage? discarded = null;
        await TakeAsync(Known(queue), key, (_, got) =>
        {
            discarded = Read(got);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return discarded!;
    }

    /// <summary>
    /// Takes the messages to act on (the one with <paramref name="key"/>, or all present now), runs
    /// <paramref name="act"/> and acknowledges each only after it returned; every other message, and one
    /// whose action failed, goes back to the queue when the channel closes.
    /// </summary>
    private async Task<IReadOnlyList<string>> TakeAsync(
        string queue, string? key, Func<IChannel, BasicGetResult, Task> act, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var depth = await DepthAsync(connection, queue, cancellationToken).ConfigureAwait(false)
            ?? throw new ErrorQueueNotFoundException($"error queue '{queue}' does not exist (no message has failed there yet)");
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken).ConfigureAwait(false);
        var done = new List<string>();
        ulong last = 0;
        try
        {
            for (long seen = 0; seen < depth; seen++)
            {
                if (await channel.BasicGetAsync(queue, autoAck: false, cancellationToken).ConfigureAwait(false) is not { } got)
                {
                    break;
                }

                last = got.DeliveryTag;
                var gotKey = KeyOf(got);
                if (key is not null && gotKey != key)
                {
                    continue;
                }

                await act(channel, got).ConfigureAwait(false);
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
                done.Add(gotKey);
                if (key is not null)
                {
                    break;
                }
            }
        }
        catch (PublishException ex)
        {
            throw new InvalidOperationException(
                ex.IsReturn
                    ? $"the input queue of '{queue}' does not exist: the copy was returned; the message stays in the error queue"
                    : $"RabbitMQ refused the copy (nack); the message stays in the error queue",
                ex);
        }
        finally
        {
            await ReturnAllAsync(channel, last).ConfigureAwait(false);
        }

        return key is not null && done.Count == 0
            ? throw new ErrorQueueNotFoundException($"no message '{key}' in '{queue}'")
            : done;
    }

    /// <summary>Every unacknowledged delivery up to <paramref name="last"/> back into the queue, in its place.</summary>
    private static async Task ReturnAllAsync(IChannel channel, ulong last)
    {
        if (last > 0 && channel.IsOpen)
        {
            await channel.BasicNackAsync(last, multiple: true, requeue: true).ConfigureAwait(false);
        }
    }

    public static string KeyOf(BasicGetResult got)
    {
        ArgumentNullException.ThrowIfNull(got);
        return string.IsNullOrEmpty(got.BasicProperties.MessageId)
            ? "sha256-" + Convert.ToHexStringLower(SHA256.HashData(got.Body.Span))
            : got.BasicProperties.MessageId;
    }

    private static ErroredMessage Read(BasicGetResult got)
    {
        var headers = (got.BasicProperties.Headers ?? new Dictionary<string, object?>())
            .ToDictionary(h => h.Key, h => HeaderText(h.Value), StringComparer.Ordinal);
        var bytes = got.Body.ToArray();
        string body;
        var isText = true;
        try
        {
            body = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            body = Convert.ToBase64String(bytes);
            isText = false;
        }

        return new ErroredMessage(
            KeyOf(got),
            got.BasicProperties.MessageId,
            headers.GetValueOrDefault("MT-Fault-Message") ?? headers.GetValueOrDefault("MT-Reason") ?? "(no reason recorded)",
            headers.GetValueOrDefault("MT-Fault-ExceptionType"),
            FailedAt(headers.GetValueOrDefault("MT-Fault-Timestamp"), got.BasicProperties),
            headers.GetValueOrDefault(InboundHeaders.SourceExchange),
            got.BasicProperties.ContentType,
            bytes.Length,
            body.Length > MaxBodyChars ? body[..MaxBodyChars] : body,
            isText,
            headers);
    }

    private static DateTimeOffset? FailedAt(string? header, IReadOnlyBasicProperties properties) =>
        DateTimeOffset.TryParse(header, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : properties.IsTimestampPresent() ? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime)
        : null;

    private static string HeaderText(object? value) => value switch
    {
        null => string.Empty,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IEnumerable<object> list => string.Join(", ", list.Select(HeaderText)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static BasicProperties ReplayProperties(IReadOnlyBasicProperties original, DateTimeOffset now)
    {
        var properties = new BasicProperties(original)
        {
            DeliveryMode = DeliveryModes.Persistent,
        };
        var headers = (original.Headers ?? new Dictionary<string, object?>())
            .Where(h => !FaultHeaderPrefixes.Any(p => h.Key.StartsWith(p, StringComparison.Ordinal)))
            .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
        headers[ReplayedAtHeader] = Encoding.UTF8.GetBytes(now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        properties.Headers = headers;
        return properties;
    }

    private static string Known(string queue) =>
        ErrorQueueCatalog.IsErrorQueue(queue)
            ? queue
            : throw new ErrorQueueNotFoundException($"'{queue}' is not one of the service's error queues ({string.Join(", ", ErrorQueueCatalog.ErrorQueues)})");

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken) =>
        await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Passive declare on a channel of its own: the broker closes a channel that names a missing queue.</summary>
    private static async Task<long?> DepthAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }
}
