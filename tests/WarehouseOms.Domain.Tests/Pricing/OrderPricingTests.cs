using WarehouseOms.Domain.Orders;
using WarehouseOms.Domain.Pricing;

namespace WarehouseOms.Domain.Tests.Pricing;

public sealed class OrderPricingTests
{
    private static OrderDraft Priced(string? currency, params OrderDraftLine[] lines) => new(
        "req-1",
        "ord-1",
        "cust-1",
        lines,
        new OrderDraftAddress("Ada Lovelace", "1 Analytical Way", "London", "N1 1AA", "GB"),
        currency);

    private static OrderDraftLine L(string sku, int quantity, decimal? unitPrice = null) => new(sku, quantity, unitPrice);

    [Fact]
    public void Check_PricedOrder_KeepsCurrencyAndUnitPrices()
    {
        var result = OrderValidator.Check(Priced(" eur ", L("SKU-A", 2, 9.99m), L("SKU-B", 1, 0m), L("SKU-A", 1, 9.99m)));

        Assert.True(result.IsValid, string.Join("; ", result.Reasons));
        Assert.Equal("EUR", result.Order!.Currency);
        Assert.Equal(9.99m, result.Order.UnitPrices!["SKU-A"]);
        Assert.Equal(0m, result.Order.UnitPrices["SKU-B"]);
    }

    [Fact]
    public void Check_UnpricedOrder_IsValidWithoutCurrency()
    {
        var result = OrderValidator.Check(Priced(null, L("SKU-A", 2)));

        Assert.True(result.IsValid);
        Assert.Null(result.Order!.Currency);
        Assert.Null(result.Order.UnitPrices);
    }

    [Fact]
    public void Check_MixedPricedAndUnpricedLines_IsRefusedWithReason()
    {
        var result = OrderValidator.Check(Priced("EUR", L("SKU-A", 2, 1m), L("SKU-B", 1)));

        Assert.False(result.IsValid);
        Assert.Contains(result.Reasons, r => r.Contains("1 of 2 lines carry a unitPrice", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_PricesWithoutCurrency_AndUnknownCurrency_AreRefused()
    {
        Assert.Contains(OrderValidator.Check(Priced(null, L("SKU-A", 1, 1m))).Reasons, r => r.StartsWith("currency: is required", StringComparison.Ordinal));
        Assert.Contains(OrderValidator.Check(Priced("XYZ", L("SKU-A", 1, 1m))).Reasons, r => r.Contains("'XYZ' is not a supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_CurrencyWithoutPrices_IsRefused() =>
        Assert.Contains(OrderValidator.Check(Priced("EUR", L("SKU-A", 1))).Reasons, r => r.Contains("no line carries a unitPrice", StringComparison.Ordinal));

    [Fact]
    public void Check_NegativeAndTooPrecisePrices_NameTheLine()
    {
        var reasons = OrderValidator.Check(Priced("JPY", L("SKU-A", 1, -1m), L("SKU-B", 1, 10.5m))).Reasons;

        Assert.Contains(reasons, r => r.StartsWith("lines[0].unitPrice: must not be negative", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("lines[1].unitPrice: JPY has 0 decimal place", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_SameSkuAtTwoPrices_IsRefused() =>
        Assert.Contains(
            OrderValidator.Check(Priced("EUR", L("SKU-A", 1, 1m), L("SKU-A", 1, 2m))).Reasons,
            r => r.Contains("sku 'SKU-A' appears with different unit prices", StringComparison.Ordinal));

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(null, "1.00", "the order has no prices")]
    [InlineData("EUR", null, "needs a unitPrice")]
    [InlineData("EUR", "1.001", "2 decimal place")]
    [InlineData("EUR", "1.25", null)]
    public void CheckAddition_FollowsTheOrdersPricing(string? currency, string? price, string? expected)
    {
        var reason = OrderPricing.CheckAddition(currency, price is null ? null : decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture));

        if (expected is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(expected, reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Total_SumsLineTotalsExactly()
    {
        var eur = Currencies.Of("EUR");
        var total = OrderPricing.Total(eur, OrderPricing.Lines(eur, [("SKU-A", 3, 0.10m), ("SKU-B", 7, 19.99m)]));

        Assert.Equal(14023, total.MinorUnits);
    }
}
