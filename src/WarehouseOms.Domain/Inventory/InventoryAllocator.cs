namespace WarehouseOms.Domain.Inventory;

/// <summary>The outcome of an all-or-nothing allocation: either every requirement or none.</summary>
public sealed record AllocationOutcome(IReadOnlyList<SkuQuantity> Allocations, IReadOnlyList<string> Shortages)
{
    public bool Succeeded => Shortages.Count == 0;
}

/// <summary>
/// All-or-nothing allocation (the MVP does no partial fulfilment): every required SKU must be known
/// and have enough available stock, otherwise nothing is reserved and every shortage is reported.
/// </summary>
public static class InventoryAllocator
{
    public static AllocationOutcome Allocate(IReadOnlyList<SkuQuantity> requirements, IReadOnlyCollection<StockLevel> stock)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(stock);

        var bySku = stock.ToDictionary(s => s.Sku, StringComparer.Ordinal);
        var required = requirements
            .GroupBy(r => r.Sku, StringComparer.Ordinal)
            .Select(g => new SkuQuantity(g.Key, g.Sum(r => r.Quantity)))
            .OrderBy(r => r.Sku, StringComparer.Ordinal)
            .ToList();

        var shortages = new List<string>();
        if (required.Count == 0)
        {
            shortages.Add("Nothing to allocate: the order has no lines.");
        }

        foreach (var requirement in required)
        {
            if (requirement.Quantity <= 0)
            {
                shortages.Add($"SKU {requirement.Sku}: quantity {requirement.Quantity} is not positive.");
            }
            else if (!bySku.TryGetValue(requirement.Sku, out var level))
            {
                shortages.Add($"SKU {requirement.Sku}: unknown SKU, not registered (publish ims.sku-registered for it).");
            }
            else if (level.Available < requirement.Quantity)
            {
                shortages.Add(
                    $"SKU {requirement.Sku}: requested {requirement.Quantity}, available {Math.Max(level.Available, 0)} (on hand {level.OnHand}, reserved {level.Reserved}).");
            }
        }

        return shortages.Count == 0
            ? new AllocationOutcome(required, [])
            : new AllocationOutcome([], shortages);
    }
}
