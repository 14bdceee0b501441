using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// A refused message's <c>Fault&lt;T&gt;</c> would be over the broker's <c>max_message_size</c>, so it is not
/// published. The message goes to its error queue with this reason, which names the original one.
/// </summary>
public sealed class FaultTooLargeException(string refusal, long faultBytes, int maxBytes)
    : Exception($"{refusal}; its Fault ({faultBytes} bytes) would be over the broker's max_message_size of {maxBytes} bytes (Messaging:BrokerMaxMessageBytes), so none was published")
{
    public long FaultBytes { get; } = faultBytes;

    public int MaxBytes { get; } = maxBytes;
}

/// <summary>
/// Keeps a <c>Fault&lt;T&gt;</c> within the broker's size limit. MassTransit's fault carries the refused message whole,
/// re-serialized, which can be several times its body (every default field written out). Published over the limit,
/// the broker closes the channel (406) and the refused message comes back on that channel, and so on for ever. This
/// publish observer serializes a fault before it goes out, measures it and throws <see cref="FaultTooLargeException"/>
/// instead: the message then goes to its error queue like any refusal (ADR 0057). A publish observer is enough: faults
/// are never sent to an address, since a publisher's reply addresses are dropped (<see cref="PublishedFaultsOnlyConsumeContext"/>).
/// An observer, not a scoped filter: MassTransit sends faults outside the consumer's scope, where scoped filters do not run.
/// </summary>
public sealed class FaultSizeGuard(int brokerMaxMessageBytes) : IPublishObserver
{
    /// <summary>What the transport adds to the body: AMQP properties and headers.</summary>
    internal const int HeaderAllowance = 16 * 1024;

    public Task PrePublish<T>(PublishContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message is Fault fault && BodyBytes(context) + HeaderAllowance is var size && size > brokerMaxMessageBytes)
        {
            throw new FaultTooLargeException(Refusal(fault), size, brokerMaxMessageBytes);
        }

        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;

    /// <summary>The body as the transport will send it (MassTransit's envelope around the fault), serialized here once more.</summary>
    private static long BodyBytes<T>(SendContext<T> context)
        where T : class
    {
        if (context.Serializer is { } serializer)
        {
            var body = serializer.GetMessageBody(context);
            return body.Length ?? body.GetBytes().LongLength;
        }

        // No serializer chosen yet: the message alone, which the envelope only adds to.
        return JsonSerializer.SerializeToUtf8Bytes(context.Message, context.Message.GetType(), SystemTextJsonMessageSerializer.Options).LongLength;
    }

    private static string Refusal(Fault fault) =>
        fault.Exceptions is [var first, ..] ? $"refused ({ShortName(first.ExceptionType)}: {first.Message})" : "refused";

    private static string ShortName(string? type) => type is null ? "exception" : type[(type.LastIndexOf('.') + 1)..];
}
