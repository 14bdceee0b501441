using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Domain.Tests.Orders;

public sealed class OrderValidatorTests
{
    private static OrderDraft Valid() => new(
        "req-1",
        "ord-1",
        "cust-1",
        [new OrderDraftLine("SKU-A", 2), new OrderDraftLine("SKU-B", 1)],
        new OrderDraftAddress("Ada Lovelace", "1 Analytical Way", "London", "N1 1AA", "GB"));

    [Fact]
    public void Check_ValidDraft_ReturnsOrderWithoutReasons()
    {
        var result = OrderValidator.Check(Valid());

        Assert.True(result.IsValid);
        Assert.Empty(result.Reasons);
        Assert.Equal("ord-1", result.Order!.OrderId);
        Assert.Equal(2, result.Order.Lines.Count);
        Assert.Equal("GB", result.Order.ShipTo.Country);
    }

    [Fact]
    public void Check_MissingIds_NamesEachField()
    {
        var result = OrderValidator.Check(Valid() with { RequestId = null, OrderId = " ", CustomerId = "" });

        Assert.False(result.IsValid);
        Assert.Contains(result.Reasons, r => r.StartsWith("requestId:", StringComparison.Ordinal));
        Assert.Contains(result.Reasons, r => r.StartsWith("orderId:", StringComparison.Ordinal));
        Assert.Contains(result.Reasons, r => r.StartsWith("customerId:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_NoLines_IsRejected()
    {
        var result = OrderValidator.Check(Valid() with { Lines = [] });

        Assert.Contains("lines: at least one line is required.", result.Reasons);
    }

    [Theory]
    [InlineData(null, 1, "lines[0].sku: is required.")]
    [InlineData("  ", 1, "lines[0].sku: is required.")]
    [InlineData("SKU-A", 0, "lines[0].quantity: must be positive, got 0.")]
    [InlineData("SKU-A", -3, "lines[0].quantity: must be positive, got -3.")]
    [InlineData("SKU-A", 10_001, "lines[0].quantity: at most 10000, got 10001.")]
    public void Check_BadLine_GivesClearReason(string? sku, int quantity, string reason)
    {
        var result = OrderValidator.Check(Valid() with { Lines = [new OrderDraftLine(sku, quantity)] });

        Assert.Equal([reason], result.Reasons);
    }

    [Fact]
    public void Check_MissingQuantity_IsRejected()
    {
        var result = OrderValidator.Check(Valid() with { Lines = [new OrderDraftLine("SKU-A", null)] });

        Assert.Equal(["lines[0].quantity: is required."], result.Reasons);
    }

    [Fact]
    public void Check_DuplicateSkus_AreMergedIntoOneLine()
    {
        var result = OrderValidator.Check(Valid() with
        {
            Lines = [new OrderDraftLine("SKU-A", 2), new OrderDraftLine(" SKU-A ", 3), new OrderDraftLine("SKU-B", 1)],
        });

        Assert.True(result.IsValid);
        Assert.Equal([new("SKU-A", 5), new("SKU-B", 1)], result.Order!.Lines);
    }

    [Fact]
    public void Check_DuplicateSkusAboveLimitTogether_IsRejected()
    {
        var result = OrderValidator.Check(Valid() with
        {
            Lines = [new OrderDraftLine("SKU-A", 6_000), new OrderDraftLine("SKU-A", 6_000)],
        });

        Assert.False(result.IsValid);
        Assert.Single(result.Reasons, r => r.Contains("'SKU-A' totals 12000", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_MissingShipTo_IsRejected()
    {
        var result = OrderValidator.Check(Valid() with { ShipTo = null });

        Assert.Equal(["shipTo: is required."], result.Reasons);
    }

    [Fact]
    public void Check_BlankAddressFields_NamesEachField()
    {
        var result = OrderValidator.Check(Valid() with { ShipTo = new OrderDraftAddress("", null, " ", null, "GB") });

        Assert.Equal(
            ["shipTo.name: is required.", "shipTo.line1: is required.", "shipTo.city: is required.", "shipTo.postalCode: is required."],
            result.Reasons);
    }

    [Theory]
    [InlineData("GBR")]
    [InlineData("G")]
    [InlineData("1A")]
    public void Check_BadCountryCode_IsRejected(string country)
    {
        var result = OrderValidator.Check(Valid() with { ShipTo = Valid().ShipTo! with { Country = country } });

        Assert.Single(result.Reasons, r => r.StartsWith("shipTo.country: must be an ISO 3166-1 alpha-2 code", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_LowerCaseCountryAndPaddedFields_AreNormalised()
    {
        var draft = Valid() with
        {
            OrderId = " ord-1 ",
            ShipTo = new OrderDraftAddress(" Ada ", "1 Way ", " London", "N1 1AA", " gb "),
        };

        var result = OrderValidator.Check(draft);

        Assert.True(result.IsValid, string.Join("; ", result.Reasons));
        Assert.Equal("ord-1", result.Order!.OrderId);
        Assert.Equal(new ValidAddress("Ada", "1 Way", "London", "N1 1AA", "GB"), result.Order.ShipTo);
    }

    [Fact]
    public void Check_ManyProblems_ReportsAllAtOnce()
    {
        var result = OrderValidator.Check(new OrderDraft(null, null, null, null, null));

        Assert.Equal(5, result.Reasons.Count);
    }
}
