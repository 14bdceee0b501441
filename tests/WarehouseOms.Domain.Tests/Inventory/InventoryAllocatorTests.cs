using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Domain.Tests.Inventory;

public sealed class InventoryAllocatorTests
{
    [Fact]
    public void Allocate_EnoughAvailable_AllocatesEveryRequirement()
    {
        var outcome = InventoryAllocator.Allocate(
            [new("A", 2), new("B", 5)],
            [new StockLevel("A", 10, 8), new StockLevel("B", 5, 0)]);

        Assert.True(outcome.Succeeded);
        Assert.Equal([new SkuQuantity("A", 2), new SkuQuantity("B", 5)], outcome.Allocations);
    }

    [Fact]
    public void Allocate_ReservedStockCountsAgainstAvailability_ReportsShortage()
    {
        var outcome = InventoryAllocator.Allocate([new("A", 3)], [new StockLevel("A", 10, 8)]);

        Assert.False(outcome.Succeeded);
        Assert.Empty(outcome.Allocations);
        var reason = Assert.Single(outcome.Shortages);
        Assert.Contains("SKU A", reason, StringComparison.Ordinal);
        Assert.Contains("requested 3, available 2", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Allocate_OneShortAndOneUnknown_AllocatesNothingAndReportsBoth()
    {
        var outcome = InventoryAllocator.Allocate(
            [new("A", 1), new("B", 4), new("GHOST", 1)],
            [new StockLevel("A", 1, 0), new StockLevel("B", 3, 0)]);

        Assert.False(outcome.Succeeded);
        Assert.Empty(outcome.Allocations);
        Assert.Equal(2, outcome.Shortages.Count);
        Assert.Contains(outcome.Shortages, s => s.Contains("SKU B", StringComparison.Ordinal));
        Assert.Contains(outcome.Shortages, s => s.Contains("GHOST", StringComparison.Ordinal) && s.Contains("unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Allocate_DuplicateRequirementLines_AreSummedBeforeChecking()
    {
        var outcome = InventoryAllocator.Allocate([new("A", 2), new("A", 2)], [new StockLevel("A", 3, 0)]);

        Assert.False(outcome.Succeeded);
        Assert.Contains("requested 4, available 3", Assert.Single(outcome.Shortages), StringComparison.Ordinal);
    }

    [Fact]
    public void Allocate_NoRequirements_Fails()
    {
        var outcome = InventoryAllocator.Allocate([], [new StockLevel("A", 3, 0)]);

        Assert.False(outcome.Succeeded);
    }

    [Fact]
    public void Allocate_NonPositiveQuantity_Fails()
    {
        var outcome = InventoryAllocator.Allocate([new("A", 0)], [new StockLevel("A", 3, 0)]);

        Assert.False(outcome.Succeeded);
    }

    [Theory]
    [InlineData(10, 0, 5, false)]
    [InlineData(10, 6, 5, true)]
    [InlineData(5, 0, 5, false)]
    [InlineData(4, 0, 5, true)]
    [InlineData(0, 0, 0, false)]
    public void IsBelowReorderPoint_AvailableAgainstReorderPoint(int onHand, int reserved, int reorderPoint, bool expected)
    {
        Assert.Equal(expected, ReorderPolicy.IsBelowReorderPoint(new StockLevel("A", onHand, reserved), reorderPoint));
    }
}
