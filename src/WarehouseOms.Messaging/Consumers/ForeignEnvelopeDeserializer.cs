using System.Net.Mime;
using System.Text.Json;
using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// MassTransit's envelope (<c>application/vnd.masstransit+json</c>) on a queue of one message type: the body's
/// <c>message</c> is read as the raw JSON of the endpoint's contract, whatever message URN the envelope names.
/// Another service's MassTransit publisher declares its own types (<c>urn:message:Their.Namespace:OrderSubmitted</c>),
/// which MassTransit's own deserializer would not match to ours, and the message would land in <c>_skipped</c>.
/// The queue is bound to one exchange only, so the exchange, not the URN, says what the message is (ADR 0019).
/// The envelope's message ID travels as the AMQP <c>message_id</c>, which MassTransit's RabbitMQ transport sets.
/// </summary>
public sealed class ForeignEnvelopeDeserializer(IMessageDeserializer raw) : IMessageDeserializer
{
    public static readonly ContentType EnvelopeContentType = SystemTextJsonMessageSerializer.JsonContentType;

    public ContentType ContentType => EnvelopeContentType;

    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CreateScope("foreignEnvelope").Add("contentType", ContentType.MediaType);
    }

    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        return new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
    }

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return raw.Deserialize(new BytesMessageBody(MessageOf(body.GetBytes())), headers, destinationAddress);
    }

    public MessageBody GetMessageBody(string text) => raw.GetMessageBody(text);

    /// <summary>The bytes of the envelope's <c>message</c> property.</summary>
    /// <exception cref="System.Runtime.Serialization.SerializationException">The body is not a MassTransit envelope with a message object.</exception>
    public static byte[] MessageOf(byte[] envelope)
    {
        try
        {
            using var document = JsonDocument.Parse(envelope);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.Object)
            {
                return JsonSerializer.SerializeToUtf8Bytes(message);
            }
        }
        catch (JsonException ex)
        {
            throw new System.Runtime.Serialization.SerializationException($"malformed MassTransit envelope: {ex.Message}", ex);
        }

        throw new System.Runtime.Serialization.SerializationException("MassTransit envelope (application/vnd.masstransit+json) without a 'message' object");
    }
}
