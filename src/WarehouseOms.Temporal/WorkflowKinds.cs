using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Cart;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Temporal;

/// <summary>Recognises a workflow by its deterministic ID prefix (WorkflowIds) to pick the query that shows it best.</summary>
public static class WorkflowKinds
{
    private static readonly (string Prefix, string Query)[] DefaultQueries =
    [
        (WorkflowIds.OrderFulfillment(string.Empty), QueryNames.Snapshot),
        (WorkflowIds.OrderIntake(string.Empty), QueryNames.IntakeStatus),
        (WorkflowIds.Cart(string.Empty), CartQueryNames.Get),
        (WorkflowIds.Replenishment(string.Empty), ReplenishmentQueryNames.Status),
    ];

    /// <summary>The query to run when none is named, or null for an ID of no known kind.</summary>
    public static string? DefaultQuery(string workflowId) =>
        DefaultQueries.FirstOrDefault(k => workflowId.StartsWith(k.Prefix, StringComparison.Ordinal)).Query;

    public static string KnownPrefixes => string.Join(", ", DefaultQueries.Select(k => $"{k.Prefix}* → {k.Query}"));
}
