using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using WarehouseOms.Cli.Broker;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Cli.Messages;
using WarehouseOms.Contracts;
using WarehouseOms.Testing;

namespace WarehouseOms.Cli.Tests;

/// <summary>
/// Through the local RabbitMQ (scripts/deps.sh starts it; RabbitMq__Uri overrides the address like the
/// integration tests). Each test binds its own exclusive queue and uses unique IDs, so a running service
/// that consumes the same exchange only ever sees harmless messages (a new empty cart).
/// </summary>
public sealed class RabbitMqPublishTests : IAsyncLifetime
{
    private static Uri BrokerUri => TestBroker.Uri;

    private IConnection? connection;
    private IChannel? channel;

    private IChannel Channel => channel ?? throw new InvalidOperationException("not connected");

    public async Task InitializeAsync()
    {
        connection = await new ConnectionFactory { Uri = BrokerUri, ClientProvidedName = "cli-tests" }.CreateConnectionAsync();
        channel = await connection.CreateChannelAsync();
    }

    public async Task DisposeAsync()
    {
        if (connection is not null)
        {
            await connection.CloseAsync();
            connection.Dispose();
        }
    }

    [Fact]
    public async Task The_cli_publishes_raw_camel_case_json_with_a_message_id_to_the_fanout_exchange()
    {
        await Channel.ExchangeDeclareAsync(Exchanges.CartItemsAdded, ExchangeType.Fanout, durable: true);
        var queue = (await Channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await Channel.QueueBindAsync(queue, Exchanges.CartItemsAdded, string.Empty);
        var customer = $"cli-test-{Guid.NewGuid():N}";
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await CliApplication.RunAsync(
            ["cart", "add", customer, "--sku", "WIDGET-RED", "--qty", "2", "--sku", "GADGET", "--rabbitmq-uri", BrokerUri.ToString()],
            _ => null,
            output,
            error);

        Assert.True(exitCode == ExitCodes.Ok, error.ToString());
        var delivery = await TakeAsync(queue);
        Assert.Equal("application/json", delivery.BasicProperties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, delivery.BasicProperties.DeliveryMode);
        Assert.True(Guid.TryParse(delivery.BasicProperties.MessageId, out _));
        var json = Encoding.UTF8.GetString(delivery.Body.Span);
        Assert.Equal($$"""{"customerId":"{{customer}}","items":[{"sku":"WIDGET-RED","quantity":2},{"sku":"GADGET","quantity":1}]}""", json);
        var read = JsonSerializer.Deserialize<CartItemsAdded>(json, JsonSerializerOptions.Web)!;
        Assert.Equal(customer, read.CustomerId);
        Assert.Contains(delivery.BasicProperties.MessageId!, output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"cart-{customer}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_json_the_cli_prints_the_exchange_message_id_body_and_workflow_as_one_object()
    {
        await Channel.ExchangeDeclareAsync(Exchanges.CartItemsAdded, ExchangeType.Fanout, durable: true);
        var queue = (await Channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await Channel.QueueBindAsync(queue, Exchanges.CartItemsAdded, string.Empty);
        var customer = $"cli-test-{Guid.NewGuid():N}";
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await CliApplication.RunAsync(
            ["cart", "add", customer, "--json", "--sku", "GADGET", "--qty", "-1", "--rabbitmq-uri", BrokerUri.ToString()],
            _ => null,
            output,
            error);

        Assert.True(exitCode == ExitCodes.Ok, error.ToString());
        var delivery = await TakeAsync(queue);
        var printed = Assert.Single(output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        using var document = JsonDocument.Parse(printed);
        var root = document.RootElement;
        Assert.Equal(Exchanges.CartItemsAdded, root.GetProperty("exchange").GetString());
        Assert.Equal(delivery.BasicProperties.MessageId, root.GetProperty("message_id").GetString());
        Assert.Equal($"cart-{customer}", root.GetProperty("workflow").GetString());
        Assert.Equal(Encoding.UTF8.GetString(delivery.Body.Span), root.GetProperty("body").GetRawText());
        Assert.Equal(-1, root.GetProperty("body").GetProperty("items")[0].GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task A_message_no_queue_receives_is_an_error_not_a_silent_loss()
    {
        var exchange = $"warehouse-oms.cli-tests-{Guid.NewGuid():N}";
        var settings = CommandParser.Parse(["show", "x", "--rabbitmq-uri", BrokerUri.ToString()], _ => null).Settings;
        try
        {
            await using var publisher = await BrokerPublisher.ConnectAsync(settings.RabbitMq);

            var failure = await Assert.ThrowsAsync<CliFailure>(() => publisher.PublishAsync(OutgoingMessage.For(exchange, new CartReset("C-1"))));

            Assert.Equal(ExitCodes.Failure, failure.ExitCode);
            Assert.Contains("No queue is bound", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            await Channel.ExchangeDeleteAsync(exchange);
        }
    }

    private async Task<BasicGetResult> TakeAsync(string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (await Channel.BasicGetAsync(queue, autoAck: true) is { } result)
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"nothing arrived on {queue}");
            await Task.Delay(50);
        }
    }
}
