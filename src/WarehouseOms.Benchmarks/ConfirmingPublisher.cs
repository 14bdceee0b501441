using RabbitMQ.Client;

namespace WarehouseOms.Benchmarks;

/// <summary>
/// One publisher's own channel with publisher confirms: a publish returns once the broker has taken
/// responsibility for the message, as a careful upstream system would wait. Mandatory, so a message no
/// queue takes is an error instead of a silent loss that would only show up as a timeout.
/// </summary>
public sealed class ConfirmingPublisher : IAsyncDisposable
{
    private readonly IChannel channel;

    private ConfirmingPublisher(IChannel channel) => this.channel = channel;

    public static async Task<ConfirmingPublisher> OpenAsync(IConnection connection, CancellationToken cancellationToken) =>
        new(await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken));

    public static async Task<ConfirmingPublisher[]> OpenManyAsync(IConnection connection, int count, CancellationToken cancellationToken)
    {
        var publishers = new ConfirmingPublisher[count];
        for (var i = 0; i < count; i++)
        {
            publishers[i] = await OpenAsync(connection, cancellationToken);
        }

        return publishers;
    }

    public async Task PublishAsync(string exchange, string messageId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
        };
        await channel.BasicPublishAsync(exchange, string.Empty, mandatory: true, properties, body, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await channel.CloseAsync();
        channel.Dispose();
    }
}
