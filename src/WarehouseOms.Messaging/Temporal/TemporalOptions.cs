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
}

/// <summary>Configuration section <c>Fulfillment</c>: per-order settings fixed into each new workflow's input.</summary>
public sealed class FulfillmentSettings
{
    public const string SectionName = "Fulfillment";

    /// <summary>Wait for PickCompleted; null = workflow default (4 h).</summary>
    public TimeSpan? PickTimeout { get; set; }

    /// <summary>Wait for PackCompleted; null = no limit.</summary>
    public TimeSpan? PackTimeout { get; set; }

    public FulfillmentOptions? ToWorkflowOptions() =>
        PickTimeout is null && PackTimeout is null ? null : new FulfillmentOptions(PickTimeout, PackTimeout);
}
