using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Testing;

namespace WarehouseOms.Messaging.Tests.Outbox;

public sealed class OutboxRelayTests(OutboxFixture fixture) : IClassFixture<OutboxFixture>
{
    private static string NewExchange() => $"warehouse-oms.test-outbox-{Guid.NewGuid():N}";

    [Fact]
    public async Task Relay_RowsWrittenWhileIdle_WokenByNotifyPublishedWithPropertiesAndMarkedSent()
    {
        var exchange = NewExchange();
        var queue = await fixture.BindQueueAsync(exchange);
        var health = new OutboxRelayHealth();
        // A one-minute poll: only the NOTIFY from the writing transaction can wake it within the deadline.
        using var relay = fixture.CreateRelay(health, pollInterval: TimeSpan.FromMinutes(1));
        await relay.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(health.LastSuccessAt), at => at is not null, "relay finished its first (empty) cycle");

            var ids = await fixture.WriteAsync(exchange, 3);

            var rows = await Eventually.UntilAsync(
                () => fixture.RowsAsync(exchange),
                r => r.Count == 3 && r.All(m => m.State == OutboxState.Sent),
                "rows marked sent",
                TimeSpan.FromSeconds(20));
            Assert.All(rows, r => Assert.NotNull(r.SentAt));
            var messages = await fixture.DrainAsync(queue);
            Assert.Equal(ids.Select(i => i.ToString()).Order(), messages.Select(m => m.BasicProperties.MessageId).Order());
            var first = messages.Single(m => m.BasicProperties.MessageId == ids[0].ToString());
            Assert.Equal(exchange, first.BasicProperties.Type);
            Assert.Equal("application/json", first.BasicProperties.ContentType);
            Assert.Equal(DeliveryModes.Persistent, first.BasicProperties.DeliveryMode);
            Assert.Equal("ord-0", Encoding.UTF8.GetString((byte[])first.BasicProperties.Headers!["orderId"]!));
            var body = JsonDocument.Parse(first.Body).RootElement;
            Assert.Equal("ord-0", body.GetProperty("orderId").GetString());
            Assert.Equal(0, body.GetProperty("sequence").GetInt32());
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
            await fixture.DeleteAsync(exchange, queue);
        }
    }

    [Fact]
    public async Task TwoRelays_SameTable_PublishEachRowExactlyOnce()
    {
        const int count = 300;
        var exchange = NewExchange();
        var queue = await fixture.BindQueueAsync(exchange);
        var ids = await fixture.WriteAsync(exchange, count);
        var health = new OutboxRelayHealth();
        using var relayA = fixture.CreateRelay(health, batchSize: 20);
        using var relayB = fixture.CreateRelay(health, batchSize: 20);

        await Task.WhenAll(relayA.StartAsync(CancellationToken.None), relayB.StartAsync(CancellationToken.None));
        try
        {
            await Eventually.UntilAsync(
                () => fixture.RowsAsync(exchange),
                r => r.All(m => m.State == OutboxState.Sent),
                "every row sent");

            var messages = await fixture.DrainAsync(queue);
            Assert.Equal(count, messages.Count);
            Assert.Equal(ids.Select(i => i.ToString()).Order(), messages.Select(m => m.BasicProperties.MessageId).Order());
            Assert.Equal(count, health.Published);
        }
        finally
        {
            await Task.WhenAll(relayA.StopAsync(CancellationToken.None), relayB.StopAsync(CancellationToken.None));
            await fixture.DeleteAsync(exchange, queue);
        }
    }

    [Fact]
    public async Task Relay_OutboundExchangeWithoutSubscriber_GoesToTheUnroutableQueueAndIsMarkedSent()
    {
        // A real outbound exchange: the broker's policy outbound-alternate-exchange (rabbitmq/definitions.json)
        // gives it the alternate exchange warehouse-oms.unroutable. Nothing in this test project binds it.
        var exchange = WarehouseOms.Contracts.Exchanges.ReplenishmentOverdue;
        var ids = await fixture.WriteAsync(exchange, 1, orderPrefix: "ord-unrouted");
        var health = new OutboxRelayHealth();
        using var relay = fixture.CreateRelay(health);

        await relay.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.UntilAsync(
                () => fixture.RowsAsync(exchange),
                r => r.Single(m => m.MessageId == ids[0]).State == OutboxState.Sent,
                "the unrouted event marked sent");
            var parked = await Eventually.UntilAsync(
                async () => (await fixture.DrainAsync("warehouse-oms.unroutable")).FirstOrDefault(m => m.BasicProperties.MessageId == ids[0].ToString()),
                m => m is not null,
                "the unrouted event in warehouse-oms.unroutable");
            Assert.Equal(exchange, parked!.BasicProperties.Type);
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Relay_ExchangeWithoutQueue_RowStaysPendingWithErrorAndOthersAreSent()
    {
        var unroutable = NewExchange();
        var routable = NewExchange();
        var queue = await fixture.BindQueueAsync(routable);
        await fixture.WriteAsync(unroutable, 1);
        await fixture.WriteAsync(routable, 2);
        var health = new OutboxRelayHealth();
        using var relay = fixture.CreateRelay(health);

        await relay.StartAsync(CancellationToken.None);
        try
        {
            var stuck = await Eventually.UntilAsync(
                () => fixture.RowsAsync(unroutable),
                r => r.Single().Attempts >= 1,
                "the unroutable row was attempted");
            await Eventually.UntilAsync(
                () => fixture.RowsAsync(routable),
                r => r.All(m => m.State == OutboxState.Sent),
                "routable rows sent");

            var row = stuck.Single();
            Assert.Equal(OutboxState.Pending, row.State);
            Assert.Null(row.SentAt);
            Assert.Contains("unroutable", row.LastError, StringComparison.Ordinal);
            Assert.Equal(2, (await fixture.DrainAsync(queue)).Count);
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
            await fixture.DeleteAsync(unroutable, null);
            await fixture.DeleteAsync(routable, queue);
        }
    }

    [Fact]
    public async Task Relay_BrokerOutage_BacksOffThenPublishesEverythingOnceWhenBack()
    {
        var exchange = NewExchange();
        var queue = await fixture.BindQueueAsync(exchange);
        await using var proxy = new TcpProxy(fixture.RabbitMq.Host, fixture.RabbitMq.Port);
        proxy.Start();
        var viaProxy = new RabbitMqConnectionOptions
        {
            Host = "127.0.0.1",
            Port = proxy.Port,
            Username = fixture.RabbitMq.Username,
            Password = fixture.RabbitMq.Password,
            VirtualHost = fixture.RabbitMq.VirtualHost,
        };
        var health = new OutboxRelayHealth();
        using var relay = fixture.CreateRelay(health, batchSize: 25, rabbitMq: viaProxy);
        await relay.StartAsync(CancellationToken.None);
        try
        {
            var before = await fixture.WriteAsync(exchange, 10, "before");
            await Eventually.UntilAsync(() => fixture.RowsAsync(exchange), r => r.All(m => m.State == OutboxState.Sent), "rows before the outage sent");

            await proxy.StopAsync();
            var during = await fixture.WriteAsync(exchange, 40, "during");
            await Eventually.UntilAsync(() => Task.FromResult(health.ConsecutiveFailures), f => f >= 2, "relay noticed the outage");
            var pending = await fixture.RowsAsync(exchange);
            Assert.Equal(40, pending.Count(r => r.State == OutboxState.Pending));

            proxy.Start();
            await Eventually.UntilAsync(() => fixture.RowsAsync(exchange), r => r.All(m => m.State == OutboxState.Sent), "backlog sent after the outage");

            var messages = await fixture.DrainAsync(queue);
            Assert.Equal(before.Concat(during).Select(i => i.ToString()).Order(), messages.Select(m => m.BasicProperties.MessageId).Order());
            Assert.Equal(0, health.ConsecutiveFailures);
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
            await fixture.DeleteAsync(exchange, queue);
        }
    }

    [Fact]
    public async Task Relay_DatabaseOutage_BacksOffThenPublishesEverythingOnceWhenBack()
    {
        var exchange = NewExchange();
        var queue = await fixture.BindQueueAsync(exchange);
        var database = new Npgsql.NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        await using var proxy = new TcpProxy(database.Host!, database.Port);
        proxy.Start();
        database.Host = "127.0.0.1";
        database.Port = proxy.Port;
        database.Timeout = 3;
        await using var viaProxy = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var health = new OutboxRelayHealth();
        using var relay = fixture.CreateRelay(health, dataSource: viaProxy);
        await relay.StartAsync(CancellationToken.None);
        try
        {
            var before = await fixture.WriteAsync(exchange, 5, "before");
            await Eventually.UntilAsync(() => fixture.RowsAsync(exchange), r => r.All(m => m.State == OutboxState.Sent), "rows before the outage sent");

            await proxy.StopAsync();
            var during = await fixture.WriteAsync(exchange, 20, "during");
            await Eventually.UntilAsync(() => Task.FromResult(health.ConsecutiveFailures), f => f >= 2, "relay noticed the database outage");

            proxy.Start();
            await Eventually.UntilAsync(() => fixture.RowsAsync(exchange), r => r.All(m => m.State == OutboxState.Sent), "backlog sent after the outage");

            var messages = await fixture.DrainAsync(queue);
            Assert.Equal(before.Concat(during).Select(i => i.ToString()).Order(), messages.Select(m => m.BasicProperties.MessageId).Order());
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
            await fixture.DeleteAsync(exchange, queue);
        }
    }

    [Fact]
    public async Task Relay_SentRowsPastRetention_AreDeletedAndPendingRowsKept()
    {
        var exchange = NewExchange();
        var unroutable = NewExchange();
        var queue = await fixture.BindQueueAsync(exchange);
        await fixture.WriteAsync(exchange, 3);
        await fixture.WriteAsync(unroutable, 1);
        var health = new OutboxRelayHealth();
        using var relay = fixture.CreateRelay(health, retainSentFor: TimeSpan.Zero);

        await relay.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.UntilAsync(() => fixture.RowsAsync(exchange), r => r.Count == 0, "sent rows deleted after retention");

            Assert.Equal(3, (await fixture.DrainAsync(queue)).Count);
            Assert.Equal(OutboxState.Pending, (await fixture.RowsAsync(unroutable)).Single().State);
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
            await fixture.DeleteAsync(exchange, queue);
            await fixture.DeleteAsync(unroutable, null);
        }
    }
}
