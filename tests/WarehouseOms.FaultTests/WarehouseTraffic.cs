using System.Text;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;

namespace WarehouseOms.FaultTests;

/// <summary>What upstream systems and devices send (raw JSON on the inbound exchanges), and what the service recorded.</summary>
public sealed class WarehouseTraffic(string connectionString, Uri? broker = null) : IAsyncDisposable
{
    public static readonly Uri BrokerUri = TestBroker.Uri;

    private IConnection? connection;
    private IChannel? channel;

    public async Task ConnectAsync()
    {
        connection = await new ConnectionFactory { Uri = broker ?? BrokerUri, ClientProvidedName = "fault-tests" }.CreateConnectionAsync();
        channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
    }

    public Task OrderAsync(string orderId, params (string Sku, int Quantity)[] lines) => PublishAsync("oms.order-submitted", new
    {
        requestId = $"req-{orderId}",
        orderId,
        customerId = "CUST-FAULT",
        lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }),
        shipTo = new { name = "Ada", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    });

    public Task PickAsync(string orderId, params (string Sku, int Quantity)[] lines) => PublishAsync("wms.pick-completed", new
    {
        orderId,
        deviceId = "scanner-1",
        lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }),
    });

    public Task PackAsync(string orderId) => PublishAsync("wms.pack-completed", new
    {
        orderId,
        deviceId = "pack-1",
        packages = new[] { new { packageId = $"PKG-{orderId}", weightKg = 1.2 } },
    });

    /// <summary>How many of these orders have an outbox row on <paramref name="exchange"/>.</summary>
    public Task<long> OrdersWithEventAsync(string prefix, string exchange) => ScalarAsync<long>(
        "SELECT count(DISTINCT payload->>'orderId') FROM messaging.outbox_messages WHERE exchange = @x AND payload->>'orderId' LIKE @p",
        ("x", exchange), ("p", prefix + "%"));

    /// <summary>(order, event type) pairs published under more than one message ID: must be none.</summary>
    public Task<long> DuplicatedEventsAsync(string prefix) => ScalarAsync<long>(
        """
        SELECT count(*) FROM (
            SELECT 1 FROM messaging.outbox_messages WHERE payload->>'orderId' LIKE @p
            GROUP BY exchange, payload->>'orderId' HAVING count(DISTINCT message_id) > 1) d
        """,
        ("p", prefix + "%"));

    public Task<long> OrdersInStatusAsync(string prefix, string status) => ScalarAsync<long>(
        "SELECT count(*) FROM oms.orders WHERE order_id LIKE @p AND status = @s", ("p", prefix + "%"), ("s", status));

    /// <summary>Sets the stock on hand of <paramref name="sku"/> (before any order reserves it).</summary>
    public Task<long> SetStockAsync(string sku, int onHand) => ScalarAsync<long>(
        "WITH u AS (UPDATE ims.stock_items SET on_hand = @n WHERE sku = @s RETURNING 1) SELECT count(*) FROM u", ("n", onHand), ("s", sku));

    public async Task<(int OnHand, int Reserved)> StockAsync(string sku)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT on_hand, reserved FROM ims.stock_items WHERE sku = @s", db);
        command.Parameters.AddWithValue("s", sku);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt32(1)) : throw new InvalidOperationException($"no stock row for {sku}");
    }

    public async ValueTask DisposeAsync()
    {
        if (channel is not null)
        {
            await channel.DisposeAsync();
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task PublishAsync(string exchange, object message)
    {
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = Guid.NewGuid().ToString() };
        await channel!.BasicPublishAsync(exchange, string.Empty, mandatory: true, properties, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message)));
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
