using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Shipping;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Persistence.Shipping;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>SMS activities over sms.* and the outbox. One shipment per order (unique order ID).</summary>
public sealed partial class SmsActivities(WarehouseOmsDbContext db, IOutbox outbox, IOrderHistory history, TimeProvider clock, ILogger<SmsActivities> logger)
    : ISmsActivities
{
    /// <summary>The shipment ID of an order: derived, so every attempt names the same shipment.</summary>
    public static string ShipmentIdFor(string orderId) => $"shp-{orderId}";

    [Activity(ActivityNames.CreateShipment)]
    public async Task<ShipmentResult> CreateShipmentAsync(CreateShipmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        if (input.Packages.Count == 0)
        {
            throw ActivityFailures.IllegalTransition($"Order {input.OrderId}: a shipment needs at least one package.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var shipmentId = ShipmentIdFor(input.OrderId);
        var packageIds = input.Packages.Select(p => p.PackageId).ToList();
        var weight = input.Packages.Sum(p => p.WeightKg);
        var now = clock.GetUtcNow();
        var state = ShipmentState.Created.ToString().ToLowerInvariant();
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO sms.shipments (shipment_id, order_id, package_ids, total_weight_kg, state, created_at, updated_at)
            VALUES ({shipmentId}, {input.OrderId}, {packageIds}, {weight}, {state}, {now}, {now})
            ON CONFLICT (order_id) DO NOTHING
            """,
            cancellationToken);
        if (inserted == 0)
        {
            var existing = await db.Shipments.AsNoTracking().SingleAsync(s => s.OrderId == input.OrderId, cancellationToken);
            if (existing.State == ShipmentState.Cancelled)
            {
                throw ActivityFailures.IllegalTransition($"The shipment of order {input.OrderId} was cancelled; it cannot be created again.");
            }

            return new ShipmentResult(input.OrderId, existing.ShipmentId);
        }

        var messageId = run.MessageIdFor(Exchanges.ShipmentCreated);
        var created = new ShipmentCreatedEvent(input.OrderId, shipmentId, packageIds, now);
        await outbox.AddAsync(
            Exchanges.ShipmentCreated,
            created,
            messageId,
            run.Headers(input.OrderId),
            cancellationToken);
        await history.AppendAsync(input.OrderId, OrderEventTypes.ShipmentCreated, created, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCreated(logger, input.OrderId, shipmentId, packageIds.Count, messageId);
        return new ShipmentResult(input.OrderId, shipmentId);
    }

    /// <summary>Asks the (simulated) carrier for a label; the tracking number is derived from the shipment ID.</summary>
    [Activity(ActivityNames.GenerateShippingLabel)]
    public async Task<LabelResult> GenerateShippingLabelAsync(ShipmentRef shipment)
    {
        ArgumentNullException.ThrowIfNull(shipment);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, shipment.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var record = await LockShipmentAsync(shipment.OrderId, shipment.ShipmentId, cancellationToken);
        if (ShipmentTransitions.HasReached(record.State, ShipmentState.Labelled))
        {
            return ToLabel(record);
        }

        EnsureAllowed(record, ShipmentState.Labelled);
        var label = SimulatedCarrier.IssueLabel(record.ShipmentId);
        var now = clock.GetUtcNow();
        record.State = ShipmentState.Labelled;
        record.TrackingNumber = label.TrackingNumber;
        record.LabelReference = label.LabelReference;
        record.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);

        var messageId = run.MessageIdFor(Exchanges.ShipmentLabelGenerated);
        var labelled = new ShipmentLabelGeneratedEvent(record.OrderId, record.ShipmentId, label.TrackingNumber, label.LabelReference, now);
        await outbox.AddAsync(
            Exchanges.ShipmentLabelGenerated,
            labelled,
            messageId,
            run.Headers(record.OrderId),
            cancellationToken);
        await history.AppendAsync(record.OrderId, OrderEventTypes.LabelGenerated, labelled, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogLabelled(logger, record.OrderId, record.ShipmentId, label.TrackingNumber, messageId);
        return ToLabel(record);
    }

    [Activity(ActivityNames.ConfirmShipment)]
    public async Task ConfirmShipmentAsync(LabelResult label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, label.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var record = await LockShipmentAsync(label.OrderId, label.ShipmentId, cancellationToken);
        if (record.State == ShipmentState.Confirmed)
        {
            return;
        }

        EnsureAllowed(record, ShipmentState.Confirmed);
        var now = clock.GetUtcNow();
        record.State = ShipmentState.Confirmed;
        record.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);

        var messageId = run.MessageIdFor(Exchanges.ShipmentConfirmed);
        var confirmed = new ShipmentConfirmedEvent(record.OrderId, record.ShipmentId, record.TrackingNumber!, record.LabelReference!, now);
        await outbox.AddAsync(
            Exchanges.ShipmentConfirmed,
            confirmed,
            messageId,
            run.Headers(record.OrderId),
            cancellationToken);
        await history.AppendAsync(record.OrderId, OrderEventTypes.ShipmentConfirmed, confirmed, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogConfirmed(logger, record.OrderId, record.ShipmentId, messageId);
    }

    [Activity(ActivityNames.CancelShipment)]
    public async Task CancelShipmentAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, change.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var record = await db.Shipments
            .FromSql($"SELECT * FROM sms.shipments WHERE order_id = {change.OrderId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (record is null || record.State == ShipmentState.Cancelled)
        {
            LogNothingToCancel(logger, change.OrderId);
            return;
        }

        EnsureAllowed(record, ShipmentState.Cancelled);
        var now = clock.GetUtcNow();
        record.State = ShipmentState.Cancelled;
        record.CancellationReason = change.Reason;
        record.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);

        var messageId = run.MessageIdFor(Exchanges.ShipmentCancelled);
        var cancelled = new ShipmentCancelledEvent(record.OrderId, record.ShipmentId, change.Reason, now);
        await outbox.AddAsync(
            Exchanges.ShipmentCancelled,
            cancelled,
            messageId,
            run.Headers(record.OrderId),
            cancellationToken);
        await history.AppendAsync(record.OrderId, OrderEventTypes.ShipmentCancelled, cancelled, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCancelled(logger, record.OrderId, record.ShipmentId, change.Reason, messageId);
    }

    private async Task<ShipmentRecord> LockShipmentAsync(string orderId, string shipmentId, CancellationToken cancellationToken)
    {
        var record = await db.Shipments
            .FromSql($"SELECT * FROM sms.shipments WHERE shipment_id = {shipmentId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (record is null || record.OrderId != orderId)
        {
            throw ActivityFailures.UnknownOrder(orderId, $"shipment {shipmentId}");
        }

        return record;
    }

    private static void EnsureAllowed(ShipmentRecord record, ShipmentState target)
    {
        if (!ShipmentTransitions.IsAllowed(record.State, target))
        {
            throw ActivityFailures.IllegalTransition(
                $"Shipment {record.ShipmentId} of order {record.OrderId} is {record.State}; it cannot become {target}.");
        }
    }

    private static LabelResult ToLabel(ShipmentRecord record) =>
        new(record.OrderId, record.ShipmentId, record.TrackingNumber!, record.LabelReference!);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: shipment {ShipmentId} created with {PackageCount} package(s), event {MessageId}")]
    private static partial void LogCreated(ILogger logger, string orderId, string shipmentId, int packageCount, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: shipment {ShipmentId} labelled, tracking {TrackingNumber}, event {MessageId}")]
    private static partial void LogLabelled(ILogger logger, string orderId, string shipmentId, string trackingNumber, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: shipment {ShipmentId} confirmed, event {MessageId}")]
    private static partial void LogConfirmed(ILogger logger, string orderId, string shipmentId, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: shipment {ShipmentId} cancelled ({Reason}), event {MessageId}")]
    private static partial void LogCancelled(ILogger logger, string orderId, string shipmentId, string reason, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} has no shipment to cancel")]
    private static partial void LogNothingToCancel(ILogger logger, string orderId);
}
