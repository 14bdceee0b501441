namespace WarehouseOms.Domain.Inventory;

/// <summary>When stock must be replenished.</summary>
public static class ReorderPolicy
{
    /// <summary>
    /// True when the stock not already promised to orders (on hand minus reserved) has fallen below
    /// the reorder point. A reorder point of zero disables replenishment for the SKU.
    /// </summary>
    public static bool IsBelowReorderPoint(StockLevel level, int reorderPoint)
    {
        ArgumentNullException.ThrowIfNull(level);
        return reorderPoint > 0 && level.Available < reorderPoint;
    }
}
