using Temporalio.Activities;

namespace WarehouseOms.Workflows.Replenishment;

// Replenishment workflow and activity records. Records only: they are serialized into history.

/// <param name="OverdueAfter">How long to wait for stock before ims.replenishment-overdue (default 48 h). The workflow keeps waiting after that.</param>
public sealed record ReplenishmentOptions(TimeSpan? OverdueAfter = null)
{
    public static readonly TimeSpan DefaultOverdueAfter = TimeSpan.FromHours(48);
}

/// <summary>Input of <c>replenishment-{sku}</c>.</summary>
/// <param name="Reason">Why it started, for the log (e.g. the order whose consumption took the SKU below its reorder point).</param>
public sealed record ReplenishmentInput(string Sku, string? Reason = null, ReplenishmentOptions? Options = null);

/// <summary>Stock for the SKU arrived (from ims.stock-received; idempotent by message ID and receipt ID).</summary>
public sealed record StockReceivedSignal(string MessageId, string ReceiptId, string Sku, int Quantity);

public sealed record ReplenishmentResult(string Sku, string ReceiptId, int Quantity, DateTimeOffset? RequestedAt, bool Escalated);

/// <summary>What the Status query answers.</summary>
public sealed record ReplenishmentStatus(string Sku, string Stage, DateTimeOffset? RequestedAt, DateTimeOffset? EscalatedAt, string? ReceiptId);

public sealed record RequestReplenishmentInput(string Sku);

/// <summary>What was requested: the stock level when the request was written and the quantity asked for.</summary>
public sealed record ReplenishmentRequested(string Sku, int OnHand, int ReorderPoint, int RequestedQuantity, DateTimeOffset RequestedAt);

public sealed record ReplenishmentOverdueInput(string Sku, DateTimeOffset RequestedAt);

public static class ReplenishmentSignalNames
{
    public const string StockReceived = "StockReceived";
}

public static class ReplenishmentQueryNames
{
    public const string Status = "Status";
}

public static class ReplenishmentActivityNames
{
    public const string RequestReplenishment = "RequestReplenishment";
    public const string MarkReplenishmentOverdue = "MarkReplenishmentOverdue";
}

public static class ReplenishmentErrors
{
    /// <summary>The SKU has no stock item: retrying cannot help, the replenishment fails.</summary>
    public const string UnknownSku = "UnknownSku";
}

/// <summary>IMS activities of replenishment. Both are idempotent: a retry writes no second event.</summary>
public interface IReplenishmentActivities
{
    /// <summary>Writes ims.replenishment-requested (reorder quantity of the SKU) to the outbox.</summary>
    [Activity(ReplenishmentActivityNames.RequestReplenishment)]
    Task<ReplenishmentRequested> RequestReplenishmentAsync(RequestReplenishmentInput input);

    /// <summary>Writes ims.replenishment-overdue to the outbox.</summary>
    [Activity(ReplenishmentActivityNames.MarkReplenishmentOverdue)]
    Task MarkReplenishmentOverdueAsync(ReplenishmentOverdueInput input);
}
