using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Workflows;

namespace WarehouseOms.Temporal;

/// <summary>
/// Configuration section <c>Fulfillment</c> (with section <c>Payments</c> in <see cref="Payments"/>): the
/// order settings fixed into each new order's workflow input when it is started (intake, cart checkout).
/// </summary>
public sealed class FulfillmentSettings
{
    public const string SectionName = "Fulfillment";

    /// <summary>Wait for PickCompleted; null = workflow default (4 h).</summary>
    public TimeSpan? PickTimeout { get; set; }

    /// <summary>Wait for PackCompleted; null = no limit.</summary>
    public TimeSpan? PackTimeout { get; set; }

    /// <summary>Wait for sms.shipment-delivered after shipping; null = workflow default (30 days).</summary>
    public TimeSpan? DeliveryTimeout { get; set; }

    /// <summary>When a replenishment started by an order escalates with ims.replenishment-overdue; null = 48 h.</summary>
    public TimeSpan? ReplenishmentOverdueAfter { get; set; }

    /// <summary>Section <c>Fulfillment:ShortPick</c>: what a pick of fewer units than reserved does (ADR 0021).</summary>
    public ShortPickSettings ShortPick { get; set; } = new();

    /// <summary>Bound from section <c>Payments</c>.</summary>
    public PaymentSettings Payments { get; set; } = new();

    /// <summary>The settings as they are fixed into a new order's workflow input.</summary>
    public FulfillmentOptions ToWorkflowOptions() =>
        new(
            PickTimeout,
            PackTimeout,
            new PaymentOptions(Payments.AutoApprove, Payments.ApprovalTimeout, Payments.MaxAttempts),
            DeliveryTimeout,
            ReplenishmentOverdueAfter,
            new ShortPickOptions(ShortPick.Policy, ShortPick.HoldTimeout, ShortPick.AfterHold));
}

/// <summary>Section <c>Fulfillment:ShortPick</c>, fixed into each new order's workflow input.</summary>
public sealed class ShortPickSettings
{
    /// <summary><c>ShipPicked</c> (default) or <c>HoldForRestock</c>.</summary>
    public ShortPickPolicy Policy { get; set; } = ShortPickPolicy.ShipPicked;

    /// <summary>How long a held order waits for its restock pick; null = 24 h.</summary>
    public TimeSpan? HoldTimeout { get; set; }

    /// <summary>When the hold ends without a restock pick: <c>ShipPicked</c> (default) or <c>Cancel</c> (with a refund).</summary>
    public AfterHold AfterHold { get; set; } = AfterHold.ShipPicked;
}

/// <summary>
/// Section <c>Payments</c>: how an order's payment is approved and captured. The simulated provider's
/// <c>FailureRate</c> in the same section is read by the activities.
/// </summary>
public sealed class PaymentSettings
{
    public const string SectionName = "Payments";

    /// <summary>Approve every order without waiting for payments.payment-approved (AUTO_APPROVE).</summary>
    public bool AutoApprove { get; set; }

    /// <summary>How long a reserved order waits for approval before it is cancelled; null = 15 min.</summary>
    public TimeSpan? ApprovalTimeout { get; set; }

    /// <summary>ProcessPayment attempts before the order fails; null = 5.</summary>
    [Range(1, 100)]
    public int? MaxAttempts { get; set; }
}

/// <summary>Every wait must be positive: a zero or negative timeout would fail or cancel each order at once.</summary>
internal sealed class FulfillmentSettingsValidation : IValidateOptions<FulfillmentSettings>
{
    public ValidateOptionsResult Validate(string? name, FulfillmentSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Positive(options.PickTimeout, FulfillmentSettings.SectionName, nameof(FulfillmentSettings.PickTimeout));
        Positive(options.PackTimeout, FulfillmentSettings.SectionName, nameof(FulfillmentSettings.PackTimeout));
        Positive(options.DeliveryTimeout, FulfillmentSettings.SectionName, nameof(FulfillmentSettings.DeliveryTimeout));
        Positive(options.ReplenishmentOverdueAfter, FulfillmentSettings.SectionName, nameof(FulfillmentSettings.ReplenishmentOverdueAfter));
        Positive(options.Payments.ApprovalTimeout, PaymentSettings.SectionName, nameof(PaymentSettings.ApprovalTimeout));
        Positive(options.ShortPick.HoldTimeout, $"{FulfillmentSettings.SectionName}:ShortPick", nameof(ShortPickSettings.HoldTimeout));
        if (!Enum.IsDefined(options.ShortPick.Policy) || !Enum.IsDefined(options.ShortPick.AfterHold))
        {
            failures.Add($"{FulfillmentSettings.SectionName}:ShortPick: Policy must be ShipPicked or HoldForRestock, AfterHold ShipPicked or Cancel.");
        }
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options.Payments, new ValidationContext(options.Payments), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{PaymentSettings.SectionName}: {r.ErrorMessage}"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan? value, string section, string key)
        {
            if (value is { } v && v <= TimeSpan.Zero)
            {
                failures.Add($"{section}:{key} must be positive (or unset for the default), not {v}.");
            }
        }
    }
}
