using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Shipping;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.Shipping;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>SMS activities over sms.* and the outbox. One shipment per order (unique order ID).</summary>
public sealed partial class SmsActivities(IOrderChanges changes, TimeProvider clock, ILogger<SmsActivities> logger)
    : ISmsActivities
{
    /// <summary>The shipment ID of an order: derived, so every attempt names the same shipment.</summary>
    public static string ShipmentIdFor(string orderId) => $"shp-{orderId}";

    [Activity(ActivityNames.CreateShipment)]
    public Task<ShipmentResult> CreateShipmentAsync(CreateShipmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId, async change =>
        {
            if (input.Packages.Count == 0)
            {
                throw ActivityFailures.IllegalTransition($"Order {input.OrderId}: a shipment needs at least one package.");
            }

            var shipmentId = ShipmentIdFor(input.OrderId);
            var packageIds = input.Packages.Select(p => p.PackageId).ToList();
            var now = clock.GetUtcNow();
            if (!await change.Sms.TryAddShipmentAsync(shipmentId, input.OrderId, packageIds, input.Packages.Sum(p => p.WeightKg), now))
            {
                var existing = await change.Sms.GetShipmentOfOrderAsync(input.OrderId);
                return existing.State == ShipmentState.Cancelled
                    ? throw ActivityFailures.IllegalTransition($"The shipment of order {input.OrderId} was cancelled; it cannot be created again.")
                    : new ShipmentResult(input.OrderId, existing.ShipmentId);
            }

            var messageId = await change.EmitAsync(Exchanges.ShipmentCreated, new ShipmentCreatedEvent(input.OrderId, shipmentId, packageIds, now));
            LogCreated(logger, input.OrderId, shipmentId, packageIds.Count, messageId);
            return new ShipmentResult(input.OrderId, shipmentId);
        });
    }

    /// <summary>Asks the (simulated) carrier for a label; the tracking number is derived from the shipment ID.</summary>
    [Activity(ActivityNames.GenerateShippingLabel)]
    public Task<LabelResult> GenerateShippingLabelAsync(ShipmentRef shipment)
    {
        ArgumentNullException.ThrowIfNull(shipment);
        return changes.RunAsync(logger, shipment.OrderId, async change =>
        {
            var record = await LockShipmentAsync(change, shipment.OrderId, shipment.ShipmentId);
            if (ShipmentTransitions.HasReached(record.State, ShipmentState.Labelled))
            {
                return ToLabel(record);
            }

            var now = Move(record, ShipmentState.Labelled);
            var label = SimulatedCarrier.IssueLabel(record.ShipmentId);
            record.TrackingNumber = label.TrackingNumber;
            record.LabelReference = label.LabelReference;
            var messageId = await change.EmitAsync(
                Exchanges.ShipmentLabelGenerated,
                new ShipmentLabelGeneratedEvent(record.OrderId, record.ShipmentId, label.TrackingNumber, label.LabelReference, now));
            LogLabelled(logger, record.OrderId, record.ShipmentId, label.TrackingNumber, messageId);
            return ToLabel(record);
        });
    }

    [Activity(ActivityNames.ConfirmShipment)]
    public Task ConfirmShipmentAsync(LabelResult label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return changes.RunAsync(logger, label.OrderId, async change =>
        {
            var record = await LockShipmentAsync(change, label.OrderId, label.ShipmentId);
            if (record.State == ShipmentState.Confirmed)
            {
                return;
            }

            var now = Move(record, ShipmentState.Confirmed);
            var messageId = await change.EmitAsync(
                Exchanges.ShipmentConfirmed,
                new ShipmentConfirmedEvent(record.OrderId, record.ShipmentId, record.TrackingNumber!, record.LabelReference!, now));
            LogConfirmed(logger, record.OrderId, record.ShipmentId, messageId);
        });
    }

    [Activity(ActivityNames.CancelShipment)]
    public Task CancelShipmentAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return changes.RunAsync(logger, change.OrderId, async unit =>
        {
            var record = await unit.Sms.LockShipmentOfOrderAsync(change.OrderId);
            if (record is null || record.State == ShipmentState.Cancelled)
            {
                LogNothingToCancel(logger, change.OrderId);
                return;
            }

            var now = Move(record, ShipmentState.Cancelled);
            record.CancellationReason = change.Reason;
            var messageId = await unit.EmitAsync(Exchanges.ShipmentCancelled, new ShipmentCancelledEvent(record.OrderId, record.ShipmentId, change.Reason, now));
            LogCancelled(logger, record.OrderId, record.ShipmentId, change.Reason, messageId);
        });
    }

    private static async Task<ShipmentRecord> LockShipmentAsync(OrderChange change, string orderId, string shipmentId) =>
        await change.Sms.LockShipmentAsync(shipmentId) is { } record && record.OrderId == orderId
            ? record
            : throw ActivityFailures.UnknownOrder(orderId, $"shipment {shipmentId}");

    /// <summary>Moves the shipment to <paramref name="target"/> (non-retryable when its transitions forbid it); returns the time of the move.</summary>
    private DateTimeOffset Move(ShipmentRecord record, ShipmentState target)
    {
        EnsureAllowed(record, target);
        var now = clock.GetUtcNow();
        record.State = target;
        record.UpdatedAt = now;
        return now;
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
