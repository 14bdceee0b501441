using Temporalio.Activities;

// The contract between the workflows and the activities: activity names, business error types and the
// activity interfaces the workflows call (the Activities project implements them).

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
    public const string FetchCustomerProfile = "FetchCustomerProfile";
    public const string FetchInventorySnapshot = "FetchInventorySnapshot";
    public const string FetchRecommendations = "FetchRecommendations";
    public const string ReserveAddedLine = "ReserveAddedLine";
    public const string MarkOrderAwaitingPayment = "MarkOrderAwaitingPayment";
    public const string ProcessPayment = "ProcessPayment";
    public const string RefundPayment = "RefundPayment";
    public const string MarkOrderPaid = "MarkOrderPaid";
    public const string SendOrderConfirmation = "SendOrderConfirmation";
    public const string SendCancellationNotice = "SendCancellationNotice";
    public const string MarkOrderCompleted = "MarkOrderCompleted";
    public const string ShortOrderLines = "ShortOrderLines";
}

/// <summary>Error types raised as non-retryable application failures by activities.</summary>
public static class ActivityErrors
{
    public const string InvalidOrder = "InvalidOrder";
    public const string InsufficientStock = "InsufficientStock";
    public const string IllegalTransition = "IllegalTransition";
    public const string UnknownOrder = "UnknownOrder";

    /// <summary>The payment provider refused the payment for good (not a transient outage).</summary>
    public const string PaymentDeclined = "PaymentDeclined";
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

    /// <summary>Order AWAITING_PAYMENT (reserved, waiting for approval).</summary>
    [Activity(ActivityNames.MarkOrderAwaitingPayment)]
    Task MarkOrderAwaitingPaymentAsync(OrderRef order);

    /// <summary>Order PAID.</summary>
    [Activity(ActivityNames.MarkOrderPaid)]
    Task MarkOrderPaidAsync(MarkOrderPaidInput input);

    /// <summary>Order COMPLETED (delivered) and the order-completed event.</summary>
    [Activity(ActivityNames.MarkOrderCompleted)]
    Task MarkOrderCompletedAsync(MarkOrderCompletedInput input);
}

/// <summary>Read-only lookups that enrich an order before reservation; they change nothing.</summary>
public interface ICustomerActivities
{
    /// <summary>The customer's tier, from their order history.</summary>
    [Activity(ActivityNames.FetchCustomerProfile)]
    Task<CustomerProfile> FetchCustomerProfileAsync(CustomerRef customer);

    /// <summary>SKUs often ordered together with the order's SKUs (optional: failures are tolerated).</summary>
    [Activity(ActivityNames.FetchRecommendations)]
    Task<Recommendations> FetchRecommendationsAsync(RecommendationRequest request);
}

/// <summary>The payment provider.</summary>
public interface IPaymentActivities
{
    /// <summary>Captures the payment once per order; transient provider failures are retried.</summary>
    [Activity(ActivityNames.ProcessPayment)]
    Task<PaymentResult> ProcessPaymentAsync(ProcessPaymentInput input);

    /// <summary>Refunds what is still captured of the order's payment; a no-op when there is none or it is refunded already.</summary>
    [Activity(ActivityNames.RefundPayment)]
    Task RefundPaymentAsync(OrderStatusChange change);

    /// <summary>
    /// A short pick shipped as picked: releases the missing units from the reservation, refunds the order
    /// lines they leave unfilled (priced, paid orders) and emits oms.order-line-shorted, once per order.
    /// </summary>
    [Activity(ActivityNames.ShortOrderLines)]
    Task<ShortOrderLinesResult> ShortOrderLinesAsync(ShortOrderLinesInput input);
}

/// <summary>Customer notifications as outbound events; best-effort (their failure never fails an order).</summary>
public interface INotificationActivities
{
    [Activity(ActivityNames.SendOrderConfirmation)]
    Task SendOrderConfirmationAsync(OrderNotification notification);

    [Activity(ActivityNames.SendCancellationNotice)]
    Task SendCancellationNoticeAsync(OrderNotification notification);
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

    /// <summary>Available stock of the order's SKUs before reservation (optional: failures are tolerated).</summary>
    [Activity(ActivityNames.FetchInventorySnapshot)]
    Task<InventorySnapshot> FetchInventorySnapshotAsync(InventorySnapshotRequest request);

    /// <summary>
    /// Reserves a line added while the order awaits payment and adds it to the order, once per addition
    /// ID; non-retryable <see cref="ActivityErrors.InsufficientStock"/> when it cannot.
    /// </summary>
    [Activity(ActivityNames.ReserveAddedLine)]
    Task<AllocationResult> ReserveAddedLineAsync(ReserveAddedLineInput input);
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
