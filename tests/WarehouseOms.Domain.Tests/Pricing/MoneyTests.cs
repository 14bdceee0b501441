using WarehouseOms.Domain.Pricing;

namespace WarehouseOms.Domain.Tests.Pricing;

public sealed class MoneyTests
{
    private static readonly Currency Eur = Currencies.Of("EUR");
    private static readonly Currency Jpy = Currencies.Of("JPY");
    private static readonly Currency Kwd = Currencies.Of("KWD");

    [Theory]
    [InlineData("EUR", 2)]
    [InlineData("USD", 2)]
    [InlineData("GBP", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KWD", 3)]
    [InlineData("BHD", 3)]
    public void Currencies_KnowTheirMinorUnits(string code, int minorUnits) =>
        Assert.Equal(minorUnits, Currencies.Find(code)!.MinorUnits);

    [Theory]
    [InlineData("XXX")]
    [InlineData("eur")]
    [InlineData("")]
    [InlineData(null)]
    public void Currencies_UnknownOrNotUpperCase_AreNotFound(string? code) => Assert.Null(Currencies.Find(code));

    [Theory]
    [InlineData("12.34", "EUR", 1234)]
    [InlineData("12.340", "EUR", 1234)]
    [InlineData("0", "EUR", 0)]
    [InlineData("1200", "JPY", 1200)]
    [InlineData("1.234", "KWD", 1234)]
    public void TryFrom_AmountWithinMinorUnits_IsExactMinorUnits(string amount, string code, long minor)
    {
        var (money, reason) = Money.TryFrom(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), Currencies.Of(code));

        Assert.Null(reason);
        Assert.Equal(minor, money!.Value.MinorUnits);
    }

    [Theory]
    [InlineData("12.345", "EUR", "2 decimal place")]
    [InlineData("0.5", "JPY", "0 decimal place")]
    [InlineData("1.2345", "KWD", "3 decimal place")]
    [InlineData("-0.01", "EUR", "must not be negative")]
    public void TryFrom_TooManyDecimalsOrNegative_SaysWhy(string amount, string code, string expected)
    {
        var (money, reason) = Money.TryFrom(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), Currencies.Of(code));

        Assert.Null(money);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Sums_AreExact_WhereBinaryFloatingPointIsNot()
    {
        // 0.1 + 0.2 in double is 0.30000000000000004; in minor units it is 30 cents.
        var tenCents = Money.Of(0.10m, Eur);
        var sum = tenCents.Plus(Money.Of(0.20m, Eur));

        Assert.Equal(30, sum.MinorUnits);
        Assert.Equal(0.30m, sum.Amount);
        Assert.Equal("0.30 EUR", sum.ToString());
    }

    [Fact]
    public void Times_MultipliesMinorUnits() => Assert.Equal(Money.Of(3.999m, Kwd), Money.Of(1.333m, Kwd).Times(3));

    [Fact]
    public void Combining_TwoCurrencies_Throws() =>
        Assert.Throws<InvalidOperationException>(() => Money.Of(1m, Eur).Plus(Money.Of(1m, Jpy)));

    [Fact]
    public void ToString_UsesTheCurrencysDecimals()
    {
        Assert.Equal("1200 JPY", Money.Of(1200m, Jpy).ToString());
        Assert.Equal("1.500 KWD", Money.Of(1.5m, Kwd).ToString());
    }
}
