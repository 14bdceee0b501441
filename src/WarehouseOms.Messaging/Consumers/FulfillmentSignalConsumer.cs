using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The shape of every consumer that turns a message into a signal to <c>order-fulfillment-{orderId}</c>:
/// validate (all problems at once, to the error queue), take the broker message ID as the signal's
/// de-duplication key, signal. A subclass only says how its message is read and which signal it is.
/// </summary>
public abstract class FulfillmentSignalConsumer<TMessage>(IOrderWorkflows gateway, ILogger logger) : IConsumer<TMessage>
    where TMessage : class
{
    /// <summary>The exchange the message comes from, named in validation errors.</summary>
    protected abstract string Exchange { get; }

    /// <summary>Reads the order ID and the signal (built from the message ID) with <paramref name="checks"/> collecting problems.</summary>
    private protected abstract (string OrderId, Func<string, FulfillmentSignal> Signal) Read(TMessage message, MessageChecks checks);

    /// <summary>Checks of the message against what the service holds (after the shape checks passed); none by default.</summary>
    private protected virtual Task CheckAsync(TMessage message, string orderId, MessageChecks checks, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public async Task Consume(ConsumeContext<TMessage> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var checks = new MessageChecks(Exchange);
        var (orderId, signal) = Read(context.Message, checks);
        checks.ThrowIfInvalid();
        await CheckAsync(context.Message, orderId, checks, context.CancellationToken).ConfigureAwait(false);
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        await FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, signal(messageId), context.CancellationToken).ConfigureAwait(false);
    }
}
