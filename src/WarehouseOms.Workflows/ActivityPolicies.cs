using Temporalio.Common;
using Temporalio.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows;

/// <summary>
/// Every activity timeout and retry policy of the order workflows, in one place. Each call returns a
/// fresh options object (they are mutable). Philosophy (docs/architecture.md, failure handling): retries with exponential backoff
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
