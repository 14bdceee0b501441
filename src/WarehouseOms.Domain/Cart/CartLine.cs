namespace WarehouseOms.Domain.Cart;

/// <summary>A quantity of one SKU in a cart.</summary>
public sealed record CartLine(string Sku, int Quantity);

/// <summary>What happened to a cart change.</summary>
public enum CartChangeDisposition
{
    /// <summary>The change was applied and the cart's version moved on.</summary>
    Applied,

    /// <summary>The message ID was already applied: nothing changed.</summary>
    Duplicate,

    /// <summary>The change was invalid (see the reasons): nothing changed, but the message ID is remembered.</summary>
    Rejected,
}

public sealed record CartChangeOutcome(CartChangeDisposition Disposition, IReadOnlyList<string> Reasons)
{
    public static CartChangeOutcome Applied { get; } = new(CartChangeDisposition.Applied, []);

    public static CartChangeOutcome Duplicate { get; } = new(CartChangeDisposition.Duplicate, []);

    public static CartChangeOutcome Rejected(IReadOnlyList<string> reasons) => new(CartChangeDisposition.Rejected, reasons);
}

/// <summary>Structural rules for cart lines, shared by the cart and by consumers that validate messages before signalling.</summary>
public static class CartLineRules
{
    public const int MaxSkuLength = 64;

    /// <summary>The reasons <paramref name="lines"/> are invalid; empty when they are valid.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<(string? Sku, int? Quantity)>? lines)
    {
        if (lines is null || lines.Count == 0)
        {
            return ["items: at least one item is required."];
        }

        var reasons = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            var (sku, quantity) = lines[i];
            if (string.IsNullOrWhiteSpace(sku))
            {
                reasons.Add($"items[{i}].sku: is required.");
            }
            else if (sku.Trim().Length > MaxSkuLength)
            {
                reasons.Add($"items[{i}].sku: must be at most {MaxSkuLength} characters.");
            }

            if (quantity is null)
            {
                reasons.Add($"items[{i}].quantity: is required.");
            }
            else if (quantity <= 0)
            {
                reasons.Add($"items[{i}].quantity: must be positive, was {quantity}.");
            }
        }

        return reasons;
    }

    /// <summary>Valid lines with trimmed SKUs and repeated SKUs merged; throws when invalid.</summary>
    public static IReadOnlyList<CartLine> Normalise(IReadOnlyList<(string? Sku, int? Quantity)> lines)
    {
        var reasons = Check(lines);
        if (reasons.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", reasons), nameof(lines));
        }

        return lines
            .GroupBy(l => l.Sku!.Trim(), StringComparer.Ordinal)
            .Select(g => new CartLine(g.Key, checked(g.Sum(l => l.Quantity!.Value))))
            .ToList();
    }
}
