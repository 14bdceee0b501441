using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Domain.Pricing;

namespace WarehouseOms.Domain.Tests.Orders;

public sealed class ShortPickTests
{
    private static readonly Currency Eur = Currencies.Of("EUR");
    private static readonly SkuQuantity[] Reserved = [new("SKU-A", 3), new("SKU-B", 1)];

    [Fact]
    public void Assess_EverythingPicked_IsNeitherShortNorRefused()
    {
        var assessment = PickAssessment.Assess(Reserved, [new("SKU-B", 1), new("SKU-A", 2), new("SKU-A", 1)]);

        Assert.False(assessment.IsRefused);
        Assert.False(assessment.IsShort);
        Assert.Equal([new SkuQuantity("SKU-A", 3), new SkuQuantity("SKU-B", 1)], assessment.Picked);
    }

    [Fact]
    public void Assess_ReportWithoutLines_MeansTheWholeReservation()
    {
        var assessment = PickAssessment.Assess(Reserved, []);

        Assert.False(assessment.IsShort);
        Assert.Equal(Reserved, assessment.Picked);
    }

    [Fact]
    public void Assess_FewerUnits_OrAReservedSkuMissing_IsShort()
    {
        var assessment = PickAssessment.Assess(Reserved, [new("SKU-A", 1)]);

        Assert.True(assessment.IsShort);
        Assert.Equal([new ShortedLine("SKU-A", 3, 1), new ShortedLine("SKU-B", 1, 0)], assessment.Shorted);
        Assert.Equal(2, assessment.Shorted[0].Shorted);
    }

    [Fact]
    public void Assess_MoreThanReserved_OrAnUnreservedSku_IsRefusedWithReasons()
    {
        var assessment = PickAssessment.Assess(Reserved, [new("SKU-A", 4), new("SKU-Z", 1)]);

        Assert.True(assessment.IsRefused);
        Assert.False(assessment.IsShort);
        Assert.Equal(["sku 'SKU-A': 4 picked, only 3 reserved.", "sku 'SKU-Z' is not reserved for this order."], assessment.Refusals);
    }

    [Fact]
    public void Refund_PlainLines_RefundsTheShortedUnitsAtTheirPrice()
    {
        var lines = OrderPricing.Lines(Eur, [("SKU-A", 3, 2.50m), ("SKU-B", 1, 10m)]);

        var refund = ShortPickRefund.For(lines, Itself, [new ShortedLine("SKU-A", 3, 1)]);

        Assert.Equal([new ShortedOrderLine("SKU-A", 3, 2, Money.Of(5m, Eur))], refund);
    }

    [Fact]
    public void Refund_KitComponentShort_RefundsWholeKitsThatCannotBeBuilt()
    {
        // A kit takes 2 x BOLT and 1 x PLATE; 3 kits ordered, 4 of 6 bolts picked: one kit is missing.
        var lines = OrderPricing.Lines(Eur, [("KIT", 3, 12m)]);
        IReadOnlyList<SkuQuantity> Components(string sku) => sku == "KIT" ? [new("BOLT", 2), new("PLATE", 1)] : [new(sku, 1)];

        var oneBoltShort = ShortPickRefund.For(lines, Components, [new ShortedLine("BOLT", 6, 5)]);
        var allBoltsShort = ShortPickRefund.For(lines, Components, [new ShortedLine("BOLT", 6, 0), new ShortedLine("PLATE", 3, 2)]);

        Assert.Equal([new ShortedOrderLine("KIT", 3, 1, Money.Of(12m, Eur))], oneBoltShort);
        Assert.Equal([new ShortedOrderLine("KIT", 3, 3, Money.Of(36m, Eur))], allBoltsShort);
    }

    [Fact]
    public void Refund_ShortageSharedByTwoLines_IsChargedToTheFirstLinesFirst()
    {
        // SKU-A ordered on its own line and as an added line; 3 of 5 missing: the first line loses 2, the second 1.
        var lines = OrderPricing.Lines(Eur, [("SKU-A", 2, 1m), ("SKU-A", 3, 1.50m)]);

        var refund = ShortPickRefund.For(lines, Itself, [new ShortedLine("SKU-A", 5, 2)]);

        Assert.Equal([new ShortedOrderLine("SKU-A", 2, 2, Money.Of(2m, Eur)), new ShortedOrderLine("SKU-A", 3, 1, Money.Of(1.50m, Eur))], refund);
    }

    private static IReadOnlyList<SkuQuantity> Itself(string sku) => [new(sku, 1)];
}
