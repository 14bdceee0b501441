namespace WarehouseOms.Workflows;

/// <summary>
/// Patch IDs for <c>Workflow.Patched</c>: each names a change to workflow code that running workflows
/// must still replay without. Recorded in histories, so never renamed or reused.
/// </summary>
public static class Patches
{
    /// <summary>Fulfillment starts a replenishment for SKUs that fell below their reorder point.</summary>
    public const string StartReplenishment = "start-replenishment";
}
