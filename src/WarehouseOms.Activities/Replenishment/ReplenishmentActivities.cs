using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Activities.Replenishment;

/// <summary>
/// IMS replenishment activities: each writes one outbound event through the outbox. Idempotent: the
/// outbox message ID is derived from the workflow run and activity ID (<see cref="ChangeOrigin.MessageIdFor"/>),
/// the same for every attempt, so a retry after a lost commit acknowledgement writes no second event.
/// </summary>
public sealed partial class ReplenishmentActivities(
    IOrderChanges changes,
    TimeProvider clock,
    ILogger<ReplenishmentActivities> logger) : IReplenishmentActivities
{
    [Activity(ReplenishmentActivityNames.RequestReplenishment)]
    public Task<ReplenishmentRequested> RequestReplenishmentAsync(RequestReplenishmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, ChangeSubject.Sku(input.Sku), async change =>
        {
            var item = await change.Ims.FindStockItemAsync(input.Sku)
                ?? throw new ApplicationFailureException(
                    $"No stock item for SKU {input.Sku}", ReplenishmentErrors.UnknownSku, nonRetryable: true, details: [input.Sku]);

            // The configured reorder quantity; without one, enough to get back to the reorder point.
            var available = item.OnHand - item.Reserved;
            var quantity = item.ReorderQuantity > 0 ? item.ReorderQuantity : Math.Max(1, item.ReorderPoint - available);
            var now = clock.GetUtcNow();
            var emitted = await change.PublishAsync(
                Exchanges.ReplenishmentRequested,
                new ReplenishmentRequestedEvent(item.Sku, item.OnHand, item.ReorderPoint, quantity, now));
            LogRequested(logger, item.Sku, quantity, item.OnHand, item.ReorderPoint, emitted.MessageId, emitted.Written);
            return new ReplenishmentRequested(item.Sku, item.OnHand, item.ReorderPoint, quantity, now);
        });
    }

    [Activity(ReplenishmentActivityNames.MarkReplenishmentOverdue)]
    public Task MarkReplenishmentOverdueAsync(ReplenishmentOverdueInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, ChangeSubject.Sku(input.Sku), async change =>
        {
            var emitted = await change.PublishAsync(
                Exchanges.ReplenishmentOverdue,
                new ReplenishmentOverdueEvent(input.Sku, input.RequestedAt, clock.GetUtcNow()));
            LogOverdue(logger, input.Sku, input.RequestedAt, emitted.MessageId, emitted.Written);
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replenishment of {Sku} requested: {Quantity} (on hand {OnHand}, reorder point {ReorderPoint}), event {MessageId} (new: {Written})")]
    private static partial void LogRequested(ILogger logger, string sku, int quantity, int onHand, int reorderPoint, Guid messageId, bool written);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replenishment of {Sku} requested at {RequestedAt} is overdue, event {MessageId} (new: {Written})")]
    private static partial void LogOverdue(ILogger logger, string sku, DateTimeOffset requestedAt, Guid messageId, bool written);
}
