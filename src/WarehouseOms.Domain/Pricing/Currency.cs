namespace WarehouseOms.Domain.Pricing;

/// <summary>An ISO 4217 currency and its minor units (the decimals an amount may have: EUR 2, JPY 0, KWD 3).</summary>
public sealed record Currency(string Code, int MinorUnits)
{
    /// <summary>10^<see cref="MinorUnits"/>: minor units per major unit.</summary>
    public long Scale { get; } = MinorUnits switch
    {
        0 => 1,
        2 => 100,
        3 => 1000,
        _ => throw new ArgumentOutOfRangeException(nameof(MinorUnits), MinorUnits, "ISO 4217 currencies have 0, 2 or 3 minor units."),
    };
}

/// <summary>
/// The currencies this service accepts: a deliberate, small table (ISO 4217, minor units as published).
/// An unknown code is refused rather than guessed at; adding one is a row here.
/// </summary>
public static class Currencies
{
    private static readonly Dictionary<string, Currency> ByCode = new Currency[]
    {
        new("EUR", 2), new("USD", 2), new("GBP", 2), new("CHF", 2), new("SEK", 2), new("NOK", 2), new("DKK", 2),
        new("PLN", 2), new("CZK", 2), new("CAD", 2), new("AUD", 2), new("CNY", 2),
        new("JPY", 0), new("KRW", 0), new("ISK", 0),
        new("KWD", 3), new("BHD", 3), new("OMR", 3), new("JOD", 3), new("TND", 3),
    }.ToDictionary(c => c.Code, StringComparer.Ordinal);

    public static IReadOnlyCollection<Currency> All => ByCode.Values;

    /// <summary>The currency of an exact upper-case ISO 4217 code; null for any other text.</summary>
    public static Currency? Find(string? code) =>
        code is not null && ByCode.TryGetValue(code, out var currency) ? currency : null;

    /// <summary>The currency of <paramref name="code"/>; throws for an unknown code (stored data, already validated).</summary>
    public static Currency Of(string code) =>
        Find(code) ?? throw new ArgumentException($"'{code}' is not a currency this service knows.", nameof(code));
}
