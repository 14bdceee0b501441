using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Temporal;

/// <summary>Configuration section <c>Temporal</c>.</summary>
public sealed class TemporalOptions
{
    public const string SectionName = "Temporal";

    /// <summary>host:port of the Temporal frontend. Empty: the Host starts the embedded dev server in-process.</summary>
    public string? Address { get; set; }

    public string Namespace { get; set; } = "default";

    public string OrderTaskQueue { get; set; } = TaskQueues.Orders;

    public string CartTaskQueue { get; set; } = TaskQueues.Carts;

    /// <summary>Worker identity shown in Temporal; empty means the SDK default (pid@host).</summary>
    public string? WorkerIdentity { get; set; }

    /// <summary>
    /// The engine started when <see cref="Address"/> is empty: <c>Persistent</c> (PostgreSQL) or <c>InMemory</c>.
    /// Unset: Persistent, except in Production, where the service refuses to guess.
    /// </summary>
    public EmbeddedTemporal? Embedded { get; set; }

    /// <summary>Database of the persistent embedded engine; empty = the service's own (<c>ConnectionStrings:WarehouseOms</c>).</summary>
    public string? EmbeddedConnectionString { get; set; }

    /// <summary>Schema of the persistent embedded engine's tables.</summary>
    public string EmbeddedSchema { get; set; } = "temporal";

    /// <summary>How long closed workflows stay readable in the embedded engine.</summary>
    public TimeSpan EmbeddedRetention { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>Which embedded engine runs when no Temporal address is configured.</summary>
public enum EmbeddedTemporal
{
    /// <summary>Workflow state in PostgreSQL: survives kills and restarts; one engine per database.</summary>
    Persistent,

    /// <summary>Workflow state in memory: lost with the process (tests).</summary>
    InMemory,
}

/// <summary>Configuration section <c>Fulfillment</c>: per-order settings fixed into each new workflow's input.</summary>
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

    /// <summary>Bound from section <c>Payments</c>.</summary>
    public PaymentSettings Payments { get; set; } = new();

    /// <summary>The settings as they are fixed into a new order's workflow input.</summary>
    public FulfillmentOptions ToWorkflowOptions() =>
        new(PickTimeout, PackTimeout, new PaymentOptions(Payments.AutoApprove, Payments.ApprovalTimeout, Payments.MaxAttempts), DeliveryTimeout, ReplenishmentOverdueAfter);
}

/// <summary>Section <c>Payments</c> (seed 002); the simulated provider's FailureRate is read by the activities.</summary>
public sealed class PaymentSettings
{
    public const string SectionName = "Payments";

    /// <summary>Approve every order without waiting for payments.payment-approved (the seed's AUTO_APPROVE).</summary>
    public bool AutoApprove { get; set; }

    /// <summary>How long a reserved order waits for approval before it is cancelled; null = 15 min.</summary>
    public TimeSpan? ApprovalTimeout { get; set; }

    /// <summary>ProcessPayment attempts before the order fails; null = 5.</summary>
    public int? MaxAttempts { get; set; }
}
