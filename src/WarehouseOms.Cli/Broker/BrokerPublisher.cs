using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Cli.Messages;

namespace WarehouseOms.Cli.Broker;

/// <summary>
/// Publishes raw JSON to the inbound fanout exchanges with a plain AMQP client, as an upstream system
/// does (no MassTransit envelope). Publisher confirms and the mandatory flag make a lost message an
/// error here rather than a silent no-op: an exchange with no bound queue means the service never ran.
/// </summary>
public sealed class BrokerPublisher : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly HashSet<string> declared = new(StringComparer.Ordinal);

    private BrokerPublisher(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public static async Task<BrokerPublisher> ConnectAsync(RabbitMqSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var factory = settings.CreateFactory();

        IConnection? connection = null;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            return new BrokerPublisher(connection, channel);
        }
        catch (BrokerUnreachableException ex)
        {
            connection?.Dispose();
            throw new CliFailure(ExitCodes.BrokerUnavailable, $"RabbitMQ at {settings.Describe()} is unreachable: {Innermost(ex).Message}", ex);
        }
    }

    /// <summary>Publishes one message and waits for the broker's confirm.</summary>
    public async Task PublishAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (declared.Add(message.Exchange))
        {
            // Same declaration as the service's (durable fanout), so it is a no-op when the service created it.
            await channel.ExchangeDeclareAsync(message.Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = message.MessageId,
        };
        try
        {
            await channel.BasicPublishAsync(message.Exchange, string.Empty, mandatory: true, properties, Encoding.UTF8.GetBytes(message.Json), cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException ex) when (ex.IsReturn)
        {
            throw new CliFailure(
                ExitCodes.Failure,
                $"No queue is bound to exchange '{message.Exchange}': the message was returned. Is the WarehouseOms service running, in a version that consumes this exchange (it binds its queues at start-up)?",
                ex);
        }
        catch (PublishException ex)
        {
            throw new CliFailure(ExitCodes.Failure, $"RabbitMQ refused the message to '{message.Exchange}' (nack).", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await channel.CloseAsync().ConfigureAwait(false);
        channel.Dispose();
        await connection.CloseAsync().ConfigureAwait(false);
        connection.Dispose();
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;
}
