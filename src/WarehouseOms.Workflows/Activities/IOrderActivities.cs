using Temporalio.Activities;

namespace WarehouseOms.Workflows.Activities;

/// <summary>
/// Activity names are fixed strings: they are recorded in workflow histories, so renaming a method
/// must never rename the activity. Every activity is idempotent: running it twice changes nothing
/// the second time and returns the same result.
/// </summary>
public static class ActivityNames
{
    public const string ValidateOrder = "ValidateOrder";
    public const string CreateOrder = "CreateOrder";
    public const string EmitOrderEvent = "EmitOrderEvent";
    public const string RejectOrder = "RejectOrder";
    public const string MarkOrderReserved = "MarkOrderReserved";
    public const string MarkOrderShipped = "MarkOrderShipped";
    public const string MarkOrderFailed = "MarkOrderFailed";
    public const string MarkOrderCancelled = "MarkOrderCancelled";
    public const string AllocateInventory = "AllocateInventory";
    public const string ReleaseInventory = "ReleaseInventory";
    public const string ConsumeInventory = "ConsumeInventory";
    public const string CreatePickWave = "CreatePickWave";
    public const string CreateShipment = "CreateShipment";
    public const string GenerateShippingLabel = "GenerateShippingLabel";
    public const string ConfirmShipment = "ConfirmShipment";
    public const string CancelShipment = "CancelShipment";
}

/// <summary>Error types raised as non-retryable application failures by activities.</summary>
public static class ActivityErrors
{
    public const string InvalidOrder = "InvalidOrder";
    public const string InsufficientStock = "InsufficientStock";
    public const string IllegalTransition = "IllegalTransition";
    public const string UnknownOrder = "UnknownOrder";
}

/// <summary>OMS: the order's system of record.</summary>
public interface IOmsActivities
{
    /// <summary>Non-retryable <see cref="ActivityErrors.InvalidOrder"/> with the reasons as details when invalid.</summary>
    [Activity(ActivityNames.ValidateOrder)]
    Task<ValidatedOrder> ValidateOrderAsync(OrderIntakeInput input);

    [Activity(ActivityNames.CreateOrder)]
    Task<OrderRef> CreateOrderAsync(ValidatedOrder order);

    /// <summary>Writes the order-created event to the outbox.</summary>
    [Activity(ActivityNames.EmitOrderEvent)]
    Task EmitOrderEventAsync(ValidatedOrder order);

    /// <summary>Records the rejection and writes the order-rejected event.</summary>
    [Activity(ActivityNames.RejectOrder)]
    Task RejectOrderAsync(RejectOrderInput input);

    [Activity(ActivityNames.MarkOrderReserved)]
    Task MarkOrderReservedAsync(OrderRef order);

    /// <summary>Order SHIPPED and the order-shipped event.</summary>
    [Activity(ActivityNames.MarkOrderShipped)]
    Task MarkOrderShippedAsync(MarkOrderShippedInput input);

    /// <summary>Order FAILED and the order-failed event.</summary>
    [Activity(ActivityNames.MarkOrderFailed)]
    Task MarkOrderFailedAsync(OrderStatusChange change);

    /// <summary>Order CANCELLED and the order-cancelled event.</summary>
    [Activity(ActivityNames.MarkOrderCancelled)]
    Task MarkOrderCancelledAsync(OrderStatusChange change);
}

/// <summary>IMS: inventory truth.</summary>
public interface IImsActivities
{
    /// <summary>Reserves stock after BOM expansion; non-retryable <see cref="ActivityErrors.InsufficientStock"/> when it cannot.</summary>
    [Activity(ActivityNames.AllocateInventory)]
    Task<AllocationResult> AllocateInventoryAsync(AllocateInventoryInput input);

    /// <summary>Releases whatever the order still holds; a no-op when nothing is held.</summary>
    [Activity(ActivityNames.ReleaseInventory)]
    Task ReleaseInventoryAsync(ReleaseInventoryInput input);

    [Activity(ActivityNames.ConsumeInventory)]
    Task<ConsumeInventoryResult> ConsumeInventoryAsync(ConsumeInventoryInput input);
}

/// <summary>WMS: warehouse execution.</summary>
public interface IWmsActivities
{
    [Activity(ActivityNames.CreatePickWave)]
    Task<PickWaveResult> CreatePickWaveAsync(CreatePickWaveInput input);
}

/// <summary>SMS: shipment lifecycle.</summary>
public interface ISmsActivities
{
    [Activity(ActivityNames.CreateShipment)]
    Task<ShipmentResult> CreateShipmentAsync(CreateShipmentInput input);

    [Activity(ActivityNames.GenerateShippingLabel)]
    Task<LabelResult> GenerateShippingLabelAsync(ShipmentRef shipment);

    [Activity(ActivityNames.ConfirmShipment)]
    Task ConfirmShipmentAsync(LabelResult label);

    /// <summary>Cancels the order's shipment if one exists; a no-op otherwise.</summary>
    [Activity(ActivityNames.CancelShipment)]
    Task CancelShipmentAsync(OrderStatusChange change);
}
