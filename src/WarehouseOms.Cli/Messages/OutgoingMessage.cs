using System.Text.Encodings.Web;
using System.Text.Json;

namespace WarehouseOms.Cli.Messages;

/// <summary>
/// One message as an upstream system would publish it: a Contracts record for an inbound exchange and a
/// fresh AMQP message_id (the service de-duplicates redeliveries by it, so each CLI call is a new message).
/// </summary>
public sealed record OutgoingMessage(string Exchange, object Body, string MessageId)
{
    public static OutgoingMessage For(string exchange, object body) => new(exchange, body, Guid.NewGuid().ToString());

    /// <summary>The wire body: camelCase JSON, exactly the field names of the records in Inbound.cs.</summary>
    public string Json => JsonSerializer.Serialize(Body, Body.GetType(), MessageJson.Options);
}

public static class MessageJson
{
    /// <summary>
    /// camelCase like every inbound contract. The relaxed encoder keeps "+00:00" and non-ASCII names
    /// readable: the JSON never ends up inside HTML, where the default escaping would matter.
    /// </summary>
    /// Optional fields left unset (a line's <c>unitPrice</c>, an order's <c>currency</c>) are omitted, as a
    /// publisher that does not know them would.
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>For printing query results to the console: every field, nulls included.</summary>
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };
}
