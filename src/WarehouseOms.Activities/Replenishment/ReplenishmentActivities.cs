using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Activities.Replenishment;

/// <summary>
/// IMS replenishment activities: each writes one outbound event through the outbox. Idempotent: the
/// outbox message ID is derived from the workflow run and activity ID (<see cref="ActivityRun.MessageIdFor"/>),
/// the same for every attempt, so a retry after a lost commit acknowledgement writes no second event.
/// </summary>
public sealed partial class ReplenishmentActivities(
    WarehouseOmsDbContext db,
    IOutbox outbox,
    TimeProvider clock,
    ILogger<ReplenishmentActivities> logger) : IReplenishmentActivities
{
    [Activity(ReplenishmentActivityNames.RequestReplenishment)]
    public async Task<ReplenishmentRequested> RequestReplenishmentAsync(RequestReplenishmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, "Sku", input.Sku);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var item = await db.StockItems.AsNoTracking().SingleOrDefaultAsync(s => s.Sku == input.Sku, cancellationToken)
            ?? throw new ApplicationFailureException(
                $"No stock item for SKU {input.Sku}", ReplenishmentErrors.UnknownSku, nonRetryable: true, details: [input.Sku]);

        // The configured reorder quantity; without one, enough to get back to the reorder point.
        var available = item.OnHand - item.Reserved;
        var quantity = item.ReorderQuantity > 0 ? item.ReorderQuantity : Math.Max(1, item.ReorderPoint - available);
        var now = clock.GetUtcNow();
        var messageId = run.MessageIdFor(Exchanges.ReplenishmentRequested);
        var written = await outbox.AddAsync(
            Exchanges.ReplenishmentRequested,
            new ReplenishmentRequestedEvent(item.Sku, item.OnHand, item.ReorderPoint, quantity, now),
            messageId,
            run.Headers("sku", item.Sku),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRequested(logger, item.Sku, quantity, item.OnHand, item.ReorderPoint, messageId, written);
        return new ReplenishmentRequested(item.Sku, item.OnHand, item.ReorderPoint, quantity, now);
    }

    [Activity(ReplenishmentActivityNames.MarkReplenishmentOverdue)]
    public async Task MarkReplenishmentOverdueAsync(ReplenishmentOverdueInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, "Sku", input.Sku);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var messageId = run.MessageIdFor(Exchanges.ReplenishmentOverdue);
        var written = await outbox.AddAsync(
            Exchanges.ReplenishmentOverdue,
            new ReplenishmentOverdueEvent(input.Sku, input.RequestedAt, clock.GetUtcNow()),
            messageId,
            run.Headers("sku", input.Sku),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogOverdue(logger, input.Sku, input.RequestedAt, messageId, written);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replenishment of {Sku} requested: {Quantity} (on hand {OnHand}, reorder point {ReorderPoint}), event {MessageId} (new: {Written})")]
    private static partial void LogRequested(ILogger logger, string sku, int quantity, int onHand, int reorderPoint, Guid messageId, bool written);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replenishment of {Sku} requested at {RequestedAt} is overdue, event {MessageId} (new: {Written})")]
    private static partial void LogOverdue(ILogger logger, string sku, DateTimeOffset requestedAt, Guid messageId, bool written);
}
