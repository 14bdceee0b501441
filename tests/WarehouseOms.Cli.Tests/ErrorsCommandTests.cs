using System.Text;
using RabbitMQ.Client;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Contracts;
using WarehouseOms.Testing;

namespace WarehouseOms.Cli.Tests;

/// <summary>
/// <c>errors list|replay|discard</c>: the command line, and list + discard on the local RabbitMQ. A message
/// is placed in the pack error queue with a unique key; the test only ever removes that one. (Replay into
/// a running service's input queue is walked by the console's browser tests.)
/// </summary>
public sealed class ErrorsCommandTests
{
    // The CLI as the service's user (its default); the test seeds the error queue as an operator, through the
    // default exchange, which the service's user has no right to.
    private static Uri BrokerUri => TestBroker.Uri;

    private static CliCommand Parse(params string[] args) => CommandParser.Parse(args, _ => null).Command;

    [Theory]
    [InlineData("wms.pick-completed")]
    [InlineData("warehouse-oms.wms.pick-completed")]
    [InlineData("warehouse-oms.wms.pick-completed_error")]
    public void A_queue_is_named_in_full_or_by_its_exchange(string name) =>
        Assert.Equal("warehouse-oms.wms.pick-completed_error", Assert.IsType<ErrorsReplayCommand>(Parse("errors", "replay", name, "--all")).Queue);

    [Fact]
    public void Replay_needs_exactly_one_of_key_or_all_and_discard_needs_a_reason()
    {
        Assert.Throws<UsageException>(() => Parse("errors", "replay", "cart"));
        Assert.Throws<UsageException>(() => Parse("errors", "replay", "cart", "--all", "--key", "k"));
        Assert.Throws<UsageException>(() => Parse("errors", "discard", "cart", "--key", "k"));
        Assert.Throws<UsageException>(() => Parse("errors", "list", "some-other-queue"));
        Assert.Equal(new ErrorsReplayCommand(Queues.CartError, "k"), Parse("errors", "replay", "cart", "--key", "k"));
        Assert.Equal(new ErrorsDiscardCommand(Queues.CartError, "k", "test data"), Parse("errors", "discard", "cart", "--key", "k", "--reason", "test data"));
        Assert.Equal(new ErrorsListCommand(null, 100), Parse("errors", "list"));
    }

    [Fact]
    public async Task A_parked_message_is_listed_with_its_reason_and_discarded_alone()
    {
        var queue = Queues.ErrorQueueFor(Exchanges.PackCompleted);
        var key = $"cli-errors-{Guid.NewGuid():N}";
        await using (var connection = await new ConnectionFactory { Uri = TestBroker.OperatorUri }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            // As MassTransit declares its error queues: durable, classic, no arguments.
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            var properties = new BasicProperties
            {
                MessageId = key,
                ContentType = "application/json",
                Headers = new Dictionary<string, object?> { ["MT-Fault-Message"] = Encoding.UTF8.GetBytes("workflow not found: order-fulfillment-x") },
            };
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, Encoding.UTF8.GetBytes("{\"orderId\":\"x\"}"));
        }

        var (listed, listOutput) = await RunAsync("errors", "list", "wms.pack-completed", "--limit", "10000");
        var (discarded, discardOutput) = await RunAsync("errors", "discard", "wms.pack-completed", "--key", key, "--reason", "test data");
        var (again, againOutput) = await RunAsync("errors", "discard", "wms.pack-completed", "--key", key, "--reason", "test data");

        Assert.Equal(ExitCodes.Ok, listed);
        Assert.Contains($"{key}  failed", listOutput, StringComparison.Ordinal);
        Assert.Contains("workflow not found: order-fulfillment-x", listOutput, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, discarded);
        Assert.Contains($"discarded {key} from {queue}; reason: test data", discardOutput, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, again);
        Assert.Contains($"no message '{key}'", againOutput, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CliApplication.RunAsync([.. args, "--rabbitmq-uri", BrokerUri.ToString()], _ => null, output, error);
        return (exitCode, output + error.ToString());
    }
}
