using System.Globalization;
using System.Text;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// Bounds on what an inbound message may carry. Hostile input is the normal case at a boundary: these are
/// checked by the consumers before anything reaches PostgreSQL, Temporal or a log line, and a message
/// outside them goes to its endpoint's error queue with the reason (docs/messages.md, "Limits").
/// </summary>
public static class InboundLimits
{
    /// <summary>
    /// Default of <c>Messaging:MaxMessageBytes</c>: bodies above it are refused before deserialization. The largest
    /// valid message (200 items of 128-character identifiers, every character escaped as \uXXXX) is about 200 KiB;
    /// half the broker's 1 MiB bounds the parser's work and keeps most refusals' Fault&lt;T&gt; (often 2–4× the body)
    /// under the broker's limit.
    /// </summary>
    public const int DefaultMaxMessageBytes = 512 * 1024;

    /// <summary>
    /// Identifiers (requestId, orderId, customerId, sku, receiptId, deviceId, packageId, approvedBy, and the
    /// AMQP message_id): 1..128 characters (UTF-16 code units) after trimming, every one printable.
    /// </summary>
    public const int MaxIdentifierLength = 128;

    /// <summary>Free text (shipTo fields, a cancellation reason): at most 1024 characters, every one printable.</summary>
    public const int MaxTextLength = 1024;

    /// <summary>Items of one list in one message: order lines, pick lines, packages, cart items.</summary>
    public const int MaxItems = 200;
}

/// <summary>
/// What "printable" means here: no control characters (C0, DEL, C1), no format characters (bidi overrides,
/// zero-width), no line or paragraph separators, no private-use or unassigned code points and no unpaired
/// surrogates. A value with any of them could break a log line, a PostgreSQL text column (NUL) or an
/// operator's screen.
/// </summary>
public static class InboundText
{
    /// <summary>The first unprintable character of <paramref name="value"/> ("U+0000 at index 3"), or null when there is none.</summary>
    public static string? FindUnprintable(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var index = 0;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return $"an unpaired surrogate U+{(int)value[index]:X4} at index {index}";
            }

            if (!IsPrintable(rune))
            {
                return $"U+{rune.Value:X4} at index {index}";
            }

            index += consumed;
        }

        return null;
    }

    public static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate => false,
        _ => true,
    };
}

/// <summary>
/// Makes a message-supplied value safe to log: every unprintable character (see <see cref="InboundText"/>)
/// becomes <c>\uXXXX</c>, so a newline can never start a forged log line and control bytes never make the
/// log binary; long values are cut. Apply it to every value a consumer logs that came from a message.
/// </summary>
public static class LogText
{
    public const int DefaultMaxLength = 256;

    public static string Escape(string? value, int maxLength = DefaultMaxLength)
    {
        if (value is null)
        {
            return string.Empty;
        }

        if (value.Length <= maxLength && InboundText.FindUnprintable(value) is null)
        {
            return value;
        }

        var builder = new StringBuilder(Math.Min(value.Length, maxLength) + 16);
        var index = 0;
        while (index < value.Length && builder.Length < maxLength)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)value[index]:x4}");
                index++;
                continue;
            }

            if (InboundText.IsPrintable(rune))
            {
                builder.Append(value, index, consumed);
            }
            else
            {
                foreach (var unit in value.AsSpan(index, consumed))
                {
                    builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)unit:x4}");
                }
            }

            index += consumed;
        }

        if (index < value.Length)
        {
            builder.Append(CultureInfo.InvariantCulture, $"…(+{value.Length - index} chars)");
        }

        return builder.ToString();
    }
}
