using System.Text.Json.Serialization;
using Temporalio.Common;
using Temporalio.Workflows;
using WarehouseOms.Workflows.Activities;

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
    TimeSpan? ReplenishmentOverdueAfter = null)
{
    public static readonly TimeSpan DefaultPickTimeout = TimeSpan.FromHours(4);

    public static readonly TimeSpan DefaultDeliveryTimeout = TimeSpan.FromDays(30);

    [JsonIgnore]
    public TimeSpan EffectivePickTimeout => PickTimeout ?? DefaultPickTimeout;

    [JsonIgnore]
    public TimeSpan EffectiveDeliveryTimeout => DeliveryTimeout ?? DefaultDeliveryTimeout;

    [JsonIgnore]
    public PaymentOptions EffectivePayment => Payment ?? new PaymentOptions();
}

/// <summary>Payment approval (seed 002), fixed per order in its workflow input.</summary>
/// <param name="AutoApprove">Approve without waiting for payments.payment-approved (the seed's AUTO_APPROVE).</param>
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

/// <summary>
/// Every activity timeout and retry policy of the order workflows, in one place. Each call returns a
/// fresh options object (they are mutable). Philosophy (DESIGN.md): retries with exponential backoff
/// for everything; validation, stock shortage, unknown orders and illegal transitions are business
/// answers, not outages, so never retried.
/// </summary>
public static class ActivityPolicies
{
    /// <summary>Error types no retry can fix.</summary>
    public static readonly IReadOnlyList<string> NonRetryableErrors =
    [
        ActivityErrors.InvalidOrder,
        ActivityErrors.InsufficientStock,
        ActivityErrors.IllegalTransition,
        ActivityErrors.UnknownOrder,
        ActivityErrors.PaymentDeclined,
    ];

    /// <summary>One database transaction plus an outbox row: seconds at most when healthy.</summary>
    public static readonly TimeSpan StartToClose = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan InitialInterval = TimeSpan.FromSeconds(1);

    public const float BackoffCoefficient = 2f;

    public static readonly TimeSpan MaximumInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// CreateOrder keeps retrying while OMS storage is down ("never lose an order"), bounded so that an
    /// outage of days surfaces as a FAILED intake an operator can reset rather than an invisible loop.
    /// </summary>
    public static readonly TimeSpan CreateOrderScheduleToClose = TimeSpan.FromDays(3);

    /// <summary>Forward steps: unlimited attempts with exponential backoff, business errors not retried.</summary>
    public static ActivityOptions Standard() => new()
    {
        StartToCloseTimeout = StartToClose,
        RetryPolicy = Retry(),
    };

    /// <summary>CreateOrder: retried while OMS is down, for up to <see cref="CreateOrderScheduleToClose"/>.</summary>
    public static ActivityOptions CreateOrder() => new()
    {
        StartToCloseTimeout = StartToClose,
        ScheduleToCloseTimeout = CreateOrderScheduleToClose,
        RetryPolicy = Retry(),
    };

    /// <summary>
    /// Compensations (release stock, cancel shipment, mark failed / cancelled) must eventually happen:
    /// unlimited retries; only an illegal transition (already in the target state's opposite) stops them.
    /// </summary>
    public static ActivityOptions Compensation() => new()
    {
        StartToCloseTimeout = StartToClose,
        RetryPolicy = Retry(),
    };

    /// <summary>
    /// ProcessPayment: the provider fails transiently, so retry with exponential backoff, but only
    /// <paramref name="maxAttempts"/> times: a payment that keeps failing fails the order (and compensates)
    /// rather than holding its stock for ever.
    /// </summary>
    public static ActivityOptions Payment(int maxAttempts) => new()
    {
        StartToCloseTimeout = StartToClose,
        RetryPolicy = Retry() with { MaximumAttempts = maxAttempts, MaximumInterval = TimeSpan.FromSeconds(30) },
    };

    /// <summary>
    /// Enrichment that the order can do without (inventory snapshot, recommendations) and notifications
    /// (best-effort): a few quick attempts, then the workflow carries on without them.
    /// </summary>
    public static ActivityOptions BestEffort() => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(10),
        RetryPolicy = Retry() with { MaximumAttempts = 3, MaximumInterval = TimeSpan.FromSeconds(5) },
    };

    private static RetryPolicy Retry() => new()
    {
        InitialInterval = InitialInterval,
        BackoffCoefficient = BackoffCoefficient,
        MaximumInterval = MaximumInterval,
        MaximumAttempts = 0,
        NonRetryableErrorTypes = [.. NonRetryableErrors],
    };
}
