namespace WarehouseOms.Domain.Pricing;

/// <summary>A line with its unit price as submitted (null: the line carries no price).</summary>
public sealed record SubmittedPrice(string? Sku, decimal? UnitPrice);

/// <summary>An order line with its unit price: what the customer pays per unit of <see cref="Sku"/>.</summary>
public sealed record PricedLine(string Sku, int Quantity, Money UnitPrice)
{
    public Money Total => UnitPrice.Times(Quantity);
}

/// <summary>
/// The price rules of an order. An order is either priced (a known currency, and every line with a unit
/// price in it) or unpriced (no currency, no prices: the behaviour before prices, payment of the order
/// as a whole). Anything in between is refused with the reason.
/// </summary>
public static class OrderPricing
{
    /// <summary>Every reason the order's currency and line prices are not acceptable; empty when they are.</summary>
    public static IReadOnlyList<string> Validate(string? currencyCode, IReadOnlyList<SubmittedPrice> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var priced = lines.Count(l => l.UnitPrice is not null);
        if (currencyCode is null && priced == 0)
        {
            return [];
        }

        var reasons = new List<string>();
        var currency = Currencies.Find(currencyCode);
        if (currencyCode is null)
        {
            reasons.Add("currency: is required when lines carry a unitPrice.");
        }
        else if (currency is null)
        {
            reasons.Add($"currency: '{currencyCode}' is not a supported ISO 4217 code.");
        }

        if (priced < lines.Count)
        {
            reasons.Add(priced == 0
                ? "lines: a currency was given but no line carries a unitPrice; price every line or none (and omit the currency)."
                : $"lines: {priced} of {lines.Count} lines carry a unitPrice; an order is priced on every line or on none.");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].UnitPrice is { } price && currency is not null && Money.TryFrom(price, currency).Reason is { } reason)
            {
                reasons.Add($"lines[{i}].unitPrice: {reason}");
            }
        }

        return reasons;
    }

    /// <summary>The reason a line added to an order (cart change) cannot carry <paramref name="unitPrice"/>; null when it can.</summary>
    public static string? CheckAddition(string? orderCurrency, decimal? unitPrice)
    {
        if (orderCurrency is null)
        {
            return unitPrice is null ? null : "the order has no prices; an added line cannot carry a unitPrice.";
        }

        if (unitPrice is not { } price)
        {
            return $"the order is priced in {orderCurrency}; an added line needs a unitPrice.";
        }

        return Money.TryFrom(price, Currencies.Of(orderCurrency)).Reason is { } reason ? $"unitPrice: {reason}" : null;
    }

    /// <summary>The sum of the lines' totals, exact; zero for no lines.</summary>
    public static Money Total(Currency currency, IEnumerable<PricedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return lines.Aggregate(Money.Zero(currency), (sum, line) => sum.Plus(line.Total));
    }

    /// <summary>Priced lines of an order, from wire values already validated (stored rows, workflow input).</summary>
    public static IReadOnlyList<PricedLine> Lines(Currency currency, IEnumerable<(string Sku, int Quantity, decimal UnitPrice)> lines) =>
        [.. lines.Select(l => new PricedLine(l.Sku, l.Quantity, Money.Of(l.UnitPrice, currency)))];
}
