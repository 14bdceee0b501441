using System.Collections;
using System.Text;
using MassTransit;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The inbound message's AMQP headers are larger than <c>Messaging:MaxHeaderBytes</c>. Thrown before the body is
/// parsed, so the message goes to its error queue with this reason (its largest headers left out of that copy).
/// </summary>
public sealed class HeadersTooLargeException(long headerBytes, int maxBytes)
    : Exception($"message headers are {headerBytes} bytes, over the limit of {maxBytes} bytes (Messaging:MaxHeaderBytes); not deserialized")
{
    public long HeaderBytes { get; } = headerBytes;

    public int MaxBytes { get; } = maxBytes;
}

/// <summary>
/// Bounds an inbound message's AMQP headers. Every copy MassTransit makes of an inbound message (its error-queue copy,
/// its <c>Fault&lt;T&gt;</c>, a redelivery) carries the message's headers and adds its own, and AMQP sends all of a
/// message's headers in one frame (RabbitMQ's <c>frame_max</c>, 128 KiB). A message whose headers nearly filled a
/// frame was accepted from its publisher, but its copy was not: the broker closed the service's connection
/// (<c>frame_too_large</c>), every endpoint lost its consumer, and the message came back for ever (ADR 0060).
/// Half a frame leaves the copies room for theirs.
/// </summary>
public static class HeaderSizeLimit
{
    public const int DefaultMaxHeaderBytes = 64 * 1024;

    /// <summary>Throws <see cref="HeadersTooLargeException"/> when <paramref name="headers"/> are over <paramref name="maxBytes"/>.</summary>
    public static void Check(Headers headers, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var size = SizeOf(headers.GetAll().Select(h => new KeyValuePair<string, object?>(h.Key, h.Value)));
        if (size > maxBytes)
        {
            throw new HeadersTooLargeException(size, maxBytes);
        }
    }

    /// <summary>The bytes of an AMQP 0-9-1 field table holding these entries (name, type tag, value).</summary>
    public static long SizeOf(IEnumerable<KeyValuePair<string, object?>> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Sum(entry => 1L + Encoding.UTF8.GetByteCount(entry.Key) + 1 + ValueSize(entry.Value));
    }

    private static long ValueSize(object? value) => value switch
    {
        null => 0,
        string text => 4 + Encoding.UTF8.GetByteCount(text),
        byte[] bytes => 4 + bytes.Length,
        ReadOnlyMemory<byte> memory => 4 + memory.Length,
        IEnumerable<KeyValuePair<string, object?>> nested => 4 + SizeOf(nested),
        IDictionary nested => 4 + SizeOf(nested.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, object?>(e.Key.ToString() ?? string.Empty, e.Value))),
        IEnumerable list => 4 + list.Cast<object?>().Sum(item => 1 + ValueSize(item)),
        _ => 8, // numbers, booleans, timestamps, decimals: at most eight bytes
    };
}
