using System.Security.Cryptography;
using MassTransit;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The ID that makes a redelivery recognisable downstream: the AMQP <c>message_id</c> set by the
/// publisher, else MassTransit's envelope ID, else a hash of the body (a plain publisher that sets no
/// ID still gets the same ID for the same bytes on every redelivery). A message_id that is not a valid
/// identifier (<see cref="InboundLimits.MaxIdentifierLength"/>, printable) is refused like any other field.
/// </summary>
public static class MessageIds
{
    public static string For(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp)
            && !string.IsNullOrWhiteSpace(amqp.Properties.MessageId))
        {
            // It travels into workflow histories, the database and log lines like any identifier.
            var checks = new MessageChecks("message");
            var messageId = checks.Required(amqp.Properties.MessageId, "message_id (AMQP property)");
            checks.ThrowIfInvalid();
            return messageId;
        }

        if (context.MessageId is { } envelopeId)
        {
            return envelopeId.ToString();
        }

        return FromBody(context.ReceiveContext.Body.GetBytes());
    }

    public static string FromBody(ReadOnlySpan<byte> body) => "sha256-" + Convert.ToHexStringLower(SHA256.HashData(body));
}
