using System.Text.Json.Serialization;
using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Workflows;

/// <summary>
/// Per-order fulfillment settings, carried in the workflow input (so they are fixed in history for the
/// life of the order). Null means the default.
/// </summary>
/// <param name="PickTimeout">How long to wait for PickCompleted after the pick wave; then the stock is released and the order FAILED. Default 4 h.</param>
/// <param name="PackTimeout">How long to wait for PackCompleted after picking. Default: no limit, because the
/// goods are already off the shelves (stock consumed) and failing the order would not put them back.</param>
/// <param name="Payment">Payment approval settings; null means the defaults (manual approval, 15 min).</param>
/// <param name="DeliveryTimeout">How long a shipped order waits for sms.shipment-delivered before the workflow
/// ends with the order left SHIPPED. Default 30 days.</param>
/// <param name="ReplenishmentOverdueAfter">For a replenishment this order starts: when to escalate with
/// ims.replenishment-overdue. Default 48 h.</param>
public sealed record FulfillmentOptions(
    TimeSpan? PickTimeout = null,
    TimeSpan? PackTimeout = null,
    PaymentOptions? Payment = null,
    TimeSpan? DeliveryTimeout = null,
    TimeSpan? ReplenishmentOverdueAfter = null,
    ShortPickOptions? ShortPick = null)
{
    public static readonly TimeSpan DefaultPickTimeout = TimeSpan.FromHours(4);

    public static readonly TimeSpan DefaultDeliveryTimeout = TimeSpan.FromDays(30);

    [JsonIgnore]
    public TimeSpan EffectivePickTimeout => PickTimeout ?? DefaultPickTimeout;

    [JsonIgnore]
    public TimeSpan EffectiveDeliveryTimeout => DeliveryTimeout ?? DefaultDeliveryTimeout;

    [JsonIgnore]
    public PaymentOptions EffectivePayment => Payment ?? new PaymentOptions();

    [JsonIgnore]
    public ShortPickOptions EffectiveShortPick => ShortPick ?? new ShortPickOptions();
}

/// <summary>What a short pick does (ADR 0021), fixed per order in its workflow input.</summary>
/// <param name="Policy">Ship what was picked (default), or hold the order for a restock pick.</param>
/// <param name="HoldTimeout">How long a held order waits for the restock pick. Default 24 h.</param>
/// <param name="AfterHold">What a held order does when the hold ends without a restock pick: ship what was picked (default) or cancel with a refund.</param>
public sealed record ShortPickOptions(ShortPickPolicy Policy = ShortPickPolicy.ShipPicked, TimeSpan? HoldTimeout = null, AfterHold AfterHold = AfterHold.ShipPicked)
{
    public static readonly TimeSpan DefaultHoldTimeout = TimeSpan.FromHours(24);

    [JsonIgnore]
    public TimeSpan EffectiveHoldTimeout => HoldTimeout ?? DefaultHoldTimeout;
}

/// <summary>Payment approval (docs/ADR/0010-payment-approval-inside-fulfillment.md), fixed per order in its workflow input.</summary>
/// <param name="AutoApprove">Approve without waiting for payments.payment-approved (the AUTO_APPROVE of the original starter; <c>Payments:AutoApprove</c>).</param>
/// <param name="ApprovalTimeout">How long a reserved order waits for approval before it is cancelled. Default 15 min.</param>
/// <param name="MaxPaymentAttempts">Attempts of ProcessPayment against the provider before the order fails. Default 5.</param>
public sealed record PaymentOptions(bool AutoApprove = false, TimeSpan? ApprovalTimeout = null, int? MaxPaymentAttempts = null)
{
    public static readonly TimeSpan DefaultApprovalTimeout = TimeSpan.FromMinutes(15);

    public const int DefaultMaxPaymentAttempts = 5;

    [JsonIgnore]
    public TimeSpan EffectiveApprovalTimeout => ApprovalTimeout ?? DefaultApprovalTimeout;

    [JsonIgnore]
    public int EffectiveMaxPaymentAttempts => MaxPaymentAttempts ?? DefaultMaxPaymentAttempts;
}
