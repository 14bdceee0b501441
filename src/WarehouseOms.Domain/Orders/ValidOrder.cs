using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Domain.Orders;

/// <summary>
/// A submitted order that passed validation: trimmed IDs, one line per SKU, a complete address. A priced
/// order has a <see cref="Currency"/> and a unit price for every SKU; an unpriced one neither.
/// </summary>
public sealed record ValidOrder(
    string RequestId,
    string OrderId,
    string CustomerId,
    IReadOnlyList<SkuQuantity> Lines,
    ValidAddress ShipTo,
    string? Currency = null,
    IReadOnlyDictionary<string, decimal>? UnitPrices = null);

public sealed record ValidAddress(string Name, string Line1, string City, string PostalCode, string Country);

/// <summary>Either a <see cref="ValidOrder"/> or every reason why not.</summary>
public sealed record OrderValidationResult(ValidOrder? Order, IReadOnlyList<string> Reasons)
{
    public bool IsValid => Order is not null;
}

public static partial class OrderValidator
{
    /// <summary>
    /// Validates and normalises: trims every field, upper-cases the country, and merges lines of the same
    /// SKU into one (WMS picks a SKU once per order; two lines of it are one demand). A merged quantity
    /// above <see cref="MaxQuantityPerLine"/> is a reason like any other.
    /// </summary>
    public static OrderValidationResult Check(OrderDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        draft = Normalise(draft);
        var reasons = new List<string>(Validate(draft));
        if (reasons.Count > 0)
        {
            return new OrderValidationResult(null, reasons);
        }

        var merged = draft.Lines!
            .GroupBy(l => l!.Sku!.Trim(), StringComparer.Ordinal)
            .Select(g => new LongQuantity(g.Key, g.Sum(l => (long)l!.Quantity!.Value)))
            .ToList();
        foreach (var line in merged.Where(l => l.Quantity > MaxQuantityPerLine))
        {
            reasons.Add($"lines: sku '{line.Sku}' totals {line.Quantity} over its lines, at most {MaxQuantityPerLine}.");
        }

        // Merged lines of one SKU are one demand at one price: two prices for it cannot be merged.
        var prices = draft.Lines!.Where(l => l!.UnitPrice is not null).GroupBy(l => l!.Sku!.Trim(), StringComparer.Ordinal).ToList();
        foreach (var sku in prices.Where(g => g.Select(l => l!.UnitPrice!.Value).Distinct().Count() > 1))
        {
            reasons.Add($"lines: sku '{sku.Key}' appears with different unit prices ({string.Join(", ", sku.Select(l => l!.UnitPrice!.Value).Distinct())}); one price per SKU.");
        }

        if (reasons.Count > 0)
        {
            return new OrderValidationResult(null, reasons);
        }

        var shipTo = draft.ShipTo!;
        var order = new ValidOrder(
            draft.RequestId!.Trim(),
            draft.OrderId!.Trim(),
            draft.CustomerId!.Trim(),
            merged.Select(l => new SkuQuantity(l.Sku, (int)l.Quantity)).ToList(),
            new ValidAddress(
                shipTo.Name!.Trim(),
                shipTo.Line1!.Trim(),
                shipTo.City!.Trim(),
                shipTo.PostalCode!.Trim(),
                shipTo.Country!.Trim().ToUpperInvariant()),
            draft.Currency,
            draft.Currency is null ? null : prices.ToDictionary(g => g.Key, g => g.First()!.UnitPrice!.Value, StringComparer.Ordinal));
        return new OrderValidationResult(order, []);
    }

    // Surrounding blanks and a lower-case country are sender sloppiness, not a reason to reject an order.
    private static OrderDraft Normalise(OrderDraft draft) => draft with
    {
        RequestId = draft.RequestId?.Trim(),
        OrderId = draft.OrderId?.Trim(),
        CustomerId = draft.CustomerId?.Trim(),
        ShipTo = draft.ShipTo is null ? null : draft.ShipTo with { Country = draft.ShipTo.Country?.Trim().ToUpperInvariant() },
        Currency = string.IsNullOrWhiteSpace(draft.Currency) ? null : draft.Currency.Trim().ToUpperInvariant(),
    };

    private sealed record LongQuantity(string Sku, long Quantity);
}
