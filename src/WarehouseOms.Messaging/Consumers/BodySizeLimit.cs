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
/// for those content types, so no body reaches a JSON parser unchecked.
/// </summary>
public static class BodySizeLimit
{
    public static void Apply(IReceiveEndpointConfigurator endpoint, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.AddDeserializer(new Factory(new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType), maxBytes), isDefault: true);
        endpoint.AddDeserializer(new Factory(new SystemTextJsonMessageSerializer(), maxBytes));
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

    private sealed class Factory(IMessageDeserializer inner, int maxBytes) : ISerializerFactory
    {
        public ContentType ContentType => inner.ContentType;

        // Only deserializers are registered from here; outgoing messages keep the bus's serializer.
        public IMessageSerializer CreateSerializer() => throw new NotSupportedException("deserializer only");

        public IMessageDeserializer CreateDeserializer() => new Deserializer(inner, maxBytes);
    }

    private sealed class Deserializer(IMessageDeserializer inner, int maxBytes) : IMessageDeserializer
    {
        public ContentType ContentType => inner.ContentType;

        public void Probe(ProbeContext context)
        {
            var scope = context.CreateScope("bodySizeLimit");
            scope.Add("maxBytes", maxBytes);
            inner.Probe(scope);
        }

        public ConsumeContext Deserialize(ReceiveContext receiveContext)
        {
            ArgumentNullException.ThrowIfNull(receiveContext);
            Check(receiveContext.Body, maxBytes);
            return inner.Deserialize(receiveContext);
        }

        public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
        {
            Check(body, maxBytes);
            return inner.Deserialize(body, headers, destinationAddress);
        }

        public MessageBody GetMessageBody(string text) => inner.GetMessageBody(text);
    }
}
