namespace WarehouseOms.Domain.Inventory;

/// <summary>
/// A SKU of the item master as registered (<c>ims.sku-registered</c>): a stocked item with its reorder
/// policy, or a kit with its bill of materials (<see cref="Components"/> not empty; kits have no stock of
/// their own, so their reorder policy is ignored).
/// </summary>
public sealed record ItemDefinition(string Sku, string Name, int ReorderPoint, int ReorderQuantity, IReadOnlyList<SkuQuantity> Components)
{
    public bool IsKit => Components.Count > 0;
}

/// <summary>What the item master knows of a SKU another definition refers to.</summary>
public sealed record RegisteredItem(string Sku, bool IsKit, bool Retired);

/// <summary>
/// The rules a registration must pass against the item master as it is; each broken rule is one reason.
/// Pure: the caller loads what it needs under its lock and applies the definition only when nothing is returned.
/// </summary>
public static class ItemMasterRules
{
    /// <param name="definition">The registration.</param>
    /// <param name="existing">The SKU as registered so far, or null when it is new.</param>
    /// <param name="components">The registered items among the definition's components.</param>
    /// <param name="bom">The current bill of materials of every kit.</param>
    public static IReadOnlyList<string> Check(
        ItemDefinition definition,
        RegisteredItem? existing,
        IReadOnlyCollection<RegisteredItem> components,
        BillOfMaterials bom)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(bom);
        var problems = new List<string>();
        if (existing is not null && existing.IsKit != definition.IsKit)
        {
            problems.Add(existing.IsKit
                ? $"SKU {definition.Sku} is registered as a kit; a kit cannot become a stocked item (register a new SKU)"
                : $"SKU {definition.Sku} is registered as a stocked item; it cannot become a kit (register the kit under a new SKU)");
        }

        if (!definition.IsKit)
        {
            return problems;
        }

        var known = components.ToDictionary(c => c.Sku, StringComparer.Ordinal);
        foreach (var component in definition.Components.Select(c => c.Sku).Distinct(StringComparer.Ordinal))
        {
            if (string.Equals(component, definition.Sku, StringComparison.Ordinal))
            {
                problems.Add($"kit {definition.Sku} cannot contain itself");
            }
            else if (!known.TryGetValue(component, out var item))
            {
                problems.Add($"component {component} is not registered; publish ims.sku-registered for it first");
            }
            else if (item.Retired)
            {
                problems.Add($"component {component} is retired (ims.sku-retired)");
            }
        }

        if (problems.Count == 0)
        {
            try
            {
                bom.WithKit(definition.Sku, definition.Components).Expand([new SkuQuantity(definition.Sku, 1)]);
            }
            catch (BomCycleException ex)
            {
                problems.Add($"the components would make a cycle: {string.Join(" -> ", ex.Path)}");
            }
        }

        return problems;
    }
}
