using System.Globalization;

namespace WarehouseOms.Domain.Pricing;

/// <summary>
/// An amount in one currency, held as a whole number of minor units (cents, fils, yen): sums and
/// products are exact integer arithmetic, checked for overflow; no floating point anywhere.
/// </summary>
public readonly record struct Money(Currency Currency, long MinorUnits) : IComparable<Money>
{
    /// <summary>The amount in major units, exact (e.g. 12.34 for 1234 cents).</summary>
    public decimal Amount => (decimal)MinorUnits / Currency.Scale;

    public static Money Zero(Currency currency) => new(currency, 0);

    /// <summary>
    /// <paramref name="amount"/> in <paramref name="currency"/>, or the reason it is not one: negative, or
    /// more decimals than the currency's minor units (12.345 EUR is not an amount; 12.340 is).
    /// </summary>
    public static (Money? Money, string? Reason) TryFrom(decimal amount, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        if (amount < 0)
        {
            return (null, $"must not be negative, got {amount.ToString(CultureInfo.InvariantCulture)}.");
        }

        var scaled = amount * currency.Scale;
        if (scaled != decimal.Truncate(scaled))
        {
            return (null, $"{currency.Code} has {currency.MinorUnits} decimal place(s), got {amount.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (scaled > long.MaxValue)
        {
            return (null, $"is too large, got {amount.ToString(CultureInfo.InvariantCulture)}.");
        }

        return (new Money(currency, (long)scaled), null);
    }

    /// <summary>An amount known to be valid (stored data); throws otherwise.</summary>
    public static Money Of(decimal amount, Currency currency) =>
        TryFrom(amount, currency) is { Money: { } money } ? money : throw new ArgumentException($"{amount} is not an amount of {currency.Code}.", nameof(amount));

    public Money Plus(Money other) => new(Currency, checked(MinorUnits + Same(other).MinorUnits));

    public Money Minus(Money other) => new(Currency, checked(MinorUnits - Same(other).MinorUnits));

    public Money Times(int quantity) => new(Currency, checked(MinorUnits * quantity));

    public int CompareTo(Money other) => MinorUnits.CompareTo(Same(other).MinorUnits);

    public static bool operator <(Money left, Money right) => left.CompareTo(right) < 0;

    public static bool operator >(Money left, Money right) => left.CompareTo(right) > 0;

    public static bool operator <=(Money left, Money right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Money left, Money right) => left.CompareTo(right) >= 0;

    /// <summary>"12.30 EUR", "1200 JPY": always the currency's number of decimals.</summary>
    public override string ToString() =>
        $"{Amount.ToString("F" + Currency.MinorUnits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)} {Currency.Code}";

    private Money Same(Money other) =>
        other.Currency == Currency
            ? other
            : throw new InvalidOperationException($"Cannot combine {Currency.Code} with {other.Currency.Code}.");
}
