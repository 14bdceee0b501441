namespace WarehouseOms.Contracts;

/// <summary>
/// The stable names of the fanout exchanges on the broker. Publishers that are not MassTransit
/// applications (a WMS gateway, a script with a plain AMQP client) publish raw JSON to these names,
/// so they are part of the public contract: never rename one.
/// </summary>
public static class Exchanges
{
    // Inbound: published by upstream systems and warehouse devices.
    public const string StockReceived = "ims.stock-received";
    public const string OrderSubmitted = "oms.order-submitted";
    public const string PickCompleted = "wms.pick-completed";
    public const string PackCompleted = "wms.pack-completed";
    public const string OrderCancellationRequested = "oms.order-cancellation-requested";
    public const string CartItemsAdded = "oms.cart-items-added";
    public const string CartItemsRemoved = "oms.cart-items-removed";
    public const string CartReset = "oms.cart-reset";
    public const string CartCheckedOut = "oms.cart-checked-out";
    public const string PaymentApproved = "payments.payment-approved";
    public const string OrderLineAdded = "oms.order-line-added";
    public const string ShipmentDelivered = "sms.shipment-delivered";
    public const string SkuRegistered = "ims.sku-registered";
    public const string SkuRetired = "ims.sku-retired";

    // Outbound: published by the outbox relay for downstream consumers.
    public const string OrderCreated = "oms.order-created";
    public const string OrderRejected = "oms.order-rejected";
    public const string OrderFailed = "oms.order-failed";
    public const string OrderCancelled = "oms.order-cancelled";
    public const string OrderShipped = "oms.order-shipped";
    public const string OrderCompleted = "oms.order-completed";
    public const string OrderLineShorted = "oms.order-line-shorted";
    public const string InventoryAllocated = "ims.inventory-allocated";
    public const string InventoryReleased = "ims.inventory-released";
    public const string ReplenishmentRequested = "ims.replenishment-requested";
    public const string ReplenishmentOverdue = "ims.replenishment-overdue";
    public const string PickWaveCreated = "wms.pick-wave-created";
    public const string OrderPicked = "oms.order-picked";
    public const string ShipmentCreated = "sms.shipment-created";
    public const string ShipmentLabelGenerated = "sms.shipment-label-generated";
    public const string ShipmentConfirmed = "sms.shipment-confirmed";
    public const string ShipmentCancelled = "sms.shipment-cancelled";
    public const string OrderConfirmationNotification = "notifications.order-confirmation";
    public const string OrderCancellationNotification = "notifications.order-cancellation";

    /// <summary>
    /// Every exchange the service publishes to (the outbox relay, mandatory): downstream systems bind their
    /// queues here, and a test or benchmark that stands in for them must bind one to each.
    /// </summary>
    public static IReadOnlyList<string> Outbound { get; } =
    [
        OrderCreated, OrderRejected, OrderFailed, OrderCancelled, OrderShipped, OrderCompleted, OrderLineShorted,
        InventoryAllocated, InventoryReleased, ReplenishmentRequested, ReplenishmentOverdue, PickWaveCreated, OrderPicked,
        ShipmentCreated, ShipmentLabelGenerated, ShipmentConfirmed, ShipmentCancelled,
        OrderConfirmationNotification, OrderCancellationNotification,
    ];
}

/// <summary>
/// The stable names of the queues this service consumes from. Each is bound to the inbound exchange of
/// the same suffix, except <see cref="Cart"/>; failures land in <c>{queue}_error</c> (MassTransit's
/// convention) with the reason in the headers.
/// </summary>
public static class Queues
{
    public const string Prefix = "warehouse-oms.";

    /// <summary>
    /// The one queue of the four cart exchanges (<c>oms.cart-*</c>): one queue keeps a customer's cart
    /// messages in publish order (ADR 0008). Not for the cart exchanges: <see cref="For"/>.
    /// </summary>
    public const string Cart = Prefix + "cart";

    public const string CartError = Cart + "_error";

    public static string For(string exchange) => Prefix + exchange;

    public static string ErrorQueueFor(string exchange) => For(exchange) + "_error";

    /// <summary>
    /// Direct exchange every input queue is bound to with its own name as the key: parked signals come back
    /// through it (ADR 0016) and operators replay error-queue messages through it into one input queue only
    /// (ADR 0023), within the service user's rights (no default exchange).
    /// </summary>
    public const string Return = Prefix + "wait-return";

    /// <summary>Every input queue the service consumes from: one per inbound exchange, one for the cart.</summary>
    public static IReadOnlyList<string> InputQueues { get; } =
    [
        For(Exchanges.OrderSubmitted), For(Exchanges.PaymentApproved), For(Exchanges.OrderLineAdded),
        For(Exchanges.PickCompleted), For(Exchanges.PackCompleted), For(Exchanges.ShipmentDelivered),
        For(Exchanges.OrderCancellationRequested), For(Exchanges.StockReceived),
        For(Exchanges.SkuRegistered), For(Exchanges.SkuRetired),
        Cart,
    ];

    /// <summary>Every error queue of the service's endpoints (MassTransit's <c>{queue}_error</c>).</summary>
    public static IReadOnlyList<string> ErrorQueues { get; } = [.. InputQueues.Select(q => q + "_error")];
}

/// <summary>AMQP headers of inbound messages that are part of the contract.</summary>
public static class InboundHeaders
{
    /// <summary>
    /// The exchange a raw cart message was published to. The service sets it on every message it moves
    /// to <see cref="Queues.CartError"/>, and reads it when a raw message reaches the cart queue through
    /// any other exchange (a replay moved straight into the queue): it tells which of the four cart
    /// messages the body is.
    /// </summary>
    public const string SourceExchange = "oms-source-exchange";
}

/// <summary>
/// AMQP properties and headers of every outbound message (ADR 0019), for consumers that order and de-duplicate.
/// Besides these: <c>message_id</c> (stable across re-publication: the de-duplication key), <c>type</c> (the
/// exchange name), and the headers <c>orderId</c> or <c>sku</c>, <c>workflowId</c>, <c>activityId</c>.
/// </summary>
public static class OutboundHeaders
{
    /// <summary>
    /// The order's event version (<c>oms.order_events</c>, <c>GET /orders/{id}/history</c>) the message announces:
    /// increasing per order in the order things happened. A message that records no history event of its own (a
    /// notification) carries the version of the order's latest event, so two messages can share a number.
    /// Absent on messages about no order (replenishment). The AMQP <c>correlation_id</c> is the order ID.
    /// </summary>
    public const string OrderSequence = "oms-order-sequence";

    /// <summary>The version of the payload's schema (docs/asyncapi.yaml). A breaking change gets a new number.</summary>
    public const string SchemaVersion = "oms-schema-version";

    /// <summary>The schema version of every message published today.</summary>
    public const string CurrentSchemaVersion = "1";
}
