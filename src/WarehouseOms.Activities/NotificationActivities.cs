using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>
/// Customer notifications as outbound events (notifications.*) for a mailer downstream; written to the
/// outbox, so a retry rewrites the same message ID and the customer hears once.
/// </summary>
public sealed partial class NotificationActivities(IOrderChanges changes, TimeProvider clock, ILogger<NotificationActivities> logger)
    : INotificationActivities
{
    [Activity(ActivityNames.SendOrderConfirmation)]
    public Task SendOrderConfirmationAsync(OrderNotification notification) =>
        SendAsync(Exchanges.OrderConfirmationNotification, "order-confirmation", notification);

    [Activity(ActivityNames.SendCancellationNotice)]
    public Task SendCancellationNoticeAsync(OrderNotification notification) =>
        SendAsync(Exchanges.OrderCancellationNotification, "order-cancellation", notification);

    private Task SendAsync(string exchange, string kind, OrderNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return changes.RunAsync(logger, notification.OrderId, async change =>
        {
            var emitted = await change.PublishAsync(
                exchange,
                new OrderNotificationEvent(notification.OrderId, notification.CustomerId, kind, notification.Message, clock.GetUtcNow(), notification.CustomerTier, notification.Recommendations));
            LogQueued(logger, kind, notification.OrderId, emitted.MessageId);
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {Kind} for order {OrderId} written to the outbox as {MessageId}")]
    private static partial void LogQueued(ILogger logger, string kind, string orderId, Guid messageId);
}
