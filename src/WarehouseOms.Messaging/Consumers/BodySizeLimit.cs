using System.Net.Mime;
using MassTransit;
using MassTransit.Serialization;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The inbound body is larger than <c>Messaging:MaxMessageBytes</c>. Thrown before the body is parsed,
/// inside MassTransit's deserialize step, so the message goes to the error queue with this reason and is
/// never retried.
/// </summary>
public sealed class MessageTooLargeException(long bodyBytes, int maxBytes)
    : Exception($"message body is {bodyBytes} bytes, over the limit of {maxBytes} bytes (Messaging:MaxMessageBytes); not deserialized")
{
    public long BodyBytes { get; } = bodyBytes;

    public int MaxBytes { get; } = maxBytes;
}

/// <summary>
/// The endpoint's deserializers, each behind a size check on the raw body: raw JSON (the default, for any
/// content type) and MassTransit's envelope JSON. Registering both replaces MassTransit's own deserializers
/// for those content types, so no body reaches a JSON parser unchecked, and no publisher's reply address
/// reaches the consume context (<see cref="PublishedFaultsOnlyConsumeContext"/>).
/// </summary>
public static class BodySizeLimit
{
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="maxBytes">The largest body accepted.</param>
    /// <param name="maxHeaderBytes">The largest AMQP header table accepted (<see cref="HeaderSizeLimit"/>).</param>
    /// <param name="singleType">The endpoint's queue carries one message type (one exchange): a MassTransit envelope
    /// is read by its <c>message</c> whatever URN its <c>messageType</c> names, so another service's MassTransit
    /// publisher with its own contract types is understood (<see cref="ForeignEnvelopeDeserializer"/>).</param>
    public static void Apply(IReceiveEndpointConfigurator endpoint, int maxBytes, int maxHeaderBytes, bool singleType = false)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var raw = new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType);
        var limits = new Limits(maxBytes, maxHeaderBytes);
        endpoint.AddDeserializer(new Factory(raw, limits), isDefault: true);
        endpoint.AddDeserializer(new Factory(singleType ? new ForeignEnvelopeDeserializer(raw) : new SystemTextJsonMessageSerializer(), limits));
    }

    /// <summary>Throws <see cref="MessageTooLargeException"/> when <paramref name="body"/> is over <paramref name="maxBytes"/>.</summary>
    public static void Check(MessageBody body, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        var length = body.Length ?? body.GetBytes().LongLength;
        if (length > maxBytes)
        {
            throw new MessageTooLargeException(length, maxBytes);
        }
    }

    private sealed record Limits(int MaxBytes, int MaxHeaderBytes)
    {
        public void Check(MessageBody body, Headers headers)
        {
            HeaderSizeLimit.Check(headers, MaxHeaderBytes);
            BodySizeLimit.Check(body, MaxBytes);
        }
    }

    private sealed class Factory(IMessageDeserializer inner, Limits limits) : ISerializerFactory
    {
        public ContentType ContentType => inner.ContentType;

        // Only deserializers are registered from here; outgoing messages keep the bus's serializer.
        public IMessageSerializer CreateSerializer() => throw new NotSupportedException("deserializer only");

        public IMessageDeserializer CreateDeserializer() => new Deserializer(inner, limits);
    }

    private sealed class Deserializer(IMessageDeserializer inner, Limits limits) : IMessageDeserializer
    {
        public ContentType ContentType => inner.ContentType;

        public void Probe(ProbeContext context)
        {
            var scope = context.CreateScope("bodySizeLimit");
            scope.Add("maxBytes", limits.MaxBytes);
            scope.Add("maxHeaderBytes", limits.MaxHeaderBytes);
            inner.Probe(scope);
        }

        public ConsumeContext Deserialize(ReceiveContext receiveContext)
        {
            ArgumentNullException.ThrowIfNull(receiveContext);
            limits.Check(receiveContext.Body, receiveContext.TransportHeaders);
            // As MassTransit's own deserializers build it, less the publisher's reply addresses.
            return new PublishedFaultsOnlyConsumeContext(receiveContext, inner.Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
        }

        public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
        {
            ArgumentNullException.ThrowIfNull(headers);
            limits.Check(body, headers);
            return inner.Deserialize(body, headers, destinationAddress);
        }

        public MessageBody GetMessageBody(string text) => inner.GetMessageBody(text);
    }
}
