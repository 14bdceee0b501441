using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Pricing;

namespace WarehouseOms.Domain.Orders;

/// <summary>What a deployment does when the warehouse picks fewer units than were reserved (<c>Fulfillment:ShortPick:Policy</c>).</summary>
public enum ShortPickPolicy
{
    /// <summary>Ship what was picked: release the rest of the reservation, refund it, emit oms.order-line-shorted.</summary>
    ShipPicked,

    /// <summary>Hold the order for a restock pick of the missing units (replenishment is started); after the hold, <see cref="AfterHold"/>.</summary>
    HoldForRestock,
}

/// <summary>What a held order does when no restock pick arrives within the hold (<c>Fulfillment:ShortPick:AfterHold</c>).</summary>
public enum AfterHold
{
    /// <summary>Ship what was picked, as <see cref="ShortPickPolicy.ShipPicked"/> would have at once.</summary>
    ShipPicked,

    /// <summary>Cancel the order: release the stock, refund the whole capture.</summary>
    Cancel,
}

/// <summary>A reserved SKU the warehouse could not fill completely.</summary>
public sealed record ShortedLine(string Sku, int Reserved, int Picked)
{
    public int Shorted => Reserved - Picked;
}

/// <summary>
/// A pick report held against the reservation (SKUs as picked: after BOM expansion). A report without
/// lines means "all of it" (the behaviour before short picks). More units than reserved, or a SKU that is
/// not reserved, refuses the report; fewer units (a reserved SKU missing counts as 0) is a short pick.
/// </summary>
public sealed record PickAssessment(IReadOnlyList<string> Refusals, IReadOnlyList<SkuQuantity> Picked, IReadOnlyList<ShortedLine> Shorted)
{
    public bool IsRefused => Refusals.Count > 0;

    public bool IsShort => !IsRefused && Shorted.Count > 0;

    public static PickAssessment Assess(IReadOnlyList<SkuQuantity> reserved, IReadOnlyList<SkuQuantity> reported)
    {
        ArgumentNullException.ThrowIfNull(reserved);
        ArgumentNullException.ThrowIfNull(reported);
        var held = Sum(reserved);
        if (reported.Count == 0)
        {
            return new PickAssessment([], [.. held.Select(h => new SkuQuantity(h.Key, h.Value))], []);
        }

        var picked = Sum(reported);
        var refusals = new List<string>();
        foreach (var (sku, quantity) in picked)
        {
            if (!held.TryGetValue(sku, out var reservedQuantity))
            {
                refusals.Add($"sku '{sku}' is not reserved for this order.");
            }
            else if (quantity > reservedQuantity)
            {
                refusals.Add($"sku '{sku}': {quantity} picked, only {reservedQuantity} reserved.");
            }
        }

        var shorted = held
            .Select(h => new ShortedLine(h.Key, h.Value, picked.GetValueOrDefault(h.Key)))
            .Where(s => s.Shorted > 0)
            .ToList();
        return new PickAssessment(refusals, [.. picked.Select(p => new SkuQuantity(p.Key, p.Value))], shorted);
    }

    private static SortedDictionary<string, int> Sum(IEnumerable<SkuQuantity> lines)
    {
        var sums = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            sums[line.Sku] = checked(sums.GetValueOrDefault(line.Sku) + line.Quantity);
        }

        return sums;
    }
}

/// <summary>The units of one order line a short pick leaves unfilled, and their price.</summary>
public sealed record ShortedOrderLine(string Sku, int Ordered, int Unfilled, Money Refund);

/// <summary>
/// What a short pick refunds. Prices are per order line (a kit is one line), shortages per picked SKU
/// (components): a line loses as many units as its most-shorted component cannot fill (rounded up), and
/// the components it loses no longer count against the lines after it. Lines are charged in order.
/// </summary>
public static class ShortPickRefund
{
    /// <param name="lines">The order's priced lines, in order.</param>
    /// <param name="componentsPerUnit">The stocked SKUs one unit of an order SKU takes (itself, for a SKU that is not a kit).</param>
    /// <param name="shorted">The short pick's missing units per SKU.</param>
    public static IReadOnlyList<ShortedOrderLine> For(
        IReadOnlyList<PricedLine> lines,
        Func<string, IReadOnlyList<SkuQuantity>> componentsPerUnit,
        IReadOnlyList<ShortedLine> shorted)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(componentsPerUnit);
        ArgumentNullException.ThrowIfNull(shorted);
        var missing = shorted.ToDictionary(s => s.Sku, s => s.Shorted, StringComparer.Ordinal);
        var result = new List<ShortedOrderLine>();
        foreach (var line in lines)
        {
            var components = componentsPerUnit(line.Sku);
            var unfilled = components
                .Select(c => (missing.GetValueOrDefault(c.Sku) + c.Quantity - 1) / c.Quantity)
                .DefaultIfEmpty(0)
                .Max();
            unfilled = Math.Min(unfilled, line.Quantity);
            if (unfilled == 0)
            {
                continue;
            }

            foreach (var component in components)
            {
                missing[component.Sku] = Math.Max(0, missing.GetValueOrDefault(component.Sku) - (unfilled * component.Quantity));
            }

            result.Add(new ShortedOrderLine(line.Sku, line.Quantity, unfilled, line.UnitPrice.Times(unfilled)));
        }

        return result;
    }
}
