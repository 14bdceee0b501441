using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Domain.Tests.Inventory;

public sealed class BillOfMaterialsTests
{
    [Fact]
    public void Expand_PlainSkus_SumsQuantitiesPerSkuInSkuOrder()
    {
        var bom = BillOfMaterials.Empty;

        var result = bom.Expand([new("B", 2), new("A", 1), new("B", 3)]);

        Assert.Equal([new SkuQuantity("A", 1), new SkuQuantity("B", 5)], result);
    }

    [Fact]
    public void Expand_Kit_MultipliesComponentsByKitQuantity()
    {
        var bom = new BillOfMaterials([new("KIT", "A", 2), new("KIT", "B", 1)]);

        var result = bom.Expand([new("KIT", 3), new("A", 1)]);

        Assert.Equal([new SkuQuantity("A", 7), new SkuQuantity("B", 3)], result);
        Assert.True(bom.IsKit("KIT"));
        Assert.False(bom.IsKit("A"));
    }

    [Fact]
    public void Expand_NestedKits_ResolvesToStockedComponents()
    {
        var bom = new BillOfMaterials([
            new("BUNDLE", "KIT", 2),
            new("BUNDLE", "C", 1),
            new("KIT", "A", 3),
            new("KIT", "B", 1),
        ]);

        var result = bom.Expand([new("BUNDLE", 2)]);

        Assert.Equal([new SkuQuantity("A", 12), new SkuQuantity("B", 4), new SkuQuantity("C", 2)], result);
    }

    [Fact]
    public void Expand_SharedComponentInSiblingKits_IsNotACycle()
    {
        var bom = new BillOfMaterials([
            new("TOP", "LEFT", 1),
            new("TOP", "RIGHT", 1),
            new("LEFT", "SCREW", 2),
            new("RIGHT", "SCREW", 3),
        ]);

        var result = bom.Expand([new("TOP", 1)]);

        Assert.Equal([new SkuQuantity("SCREW", 5)], result);
    }

    [Fact]
    public void Expand_CycleThroughNestedKits_ThrowsWithPath()
    {
        var bom = new BillOfMaterials([new("X", "Y", 1), new("Y", "Z", 1), new("Z", "X", 1)]);

        var error = Assert.Throws<BomCycleException>(() => bom.Expand([new("X", 1)]));

        Assert.Equal(["X", "Y", "Z", "X"], error.Path);
    }

    [Fact]
    public void Expand_KitContainingItself_Throws()
    {
        var bom = new BillOfMaterials([new("SELF", "SELF", 1)]);

        Assert.Throws<BomCycleException>(() => bom.Expand([new("SELF", 1)]));
    }

    [Fact]
    public void Constructor_NonPositiveComponentQuantity_Throws()
    {
        Assert.Throws<ArgumentException>(() => new BillOfMaterials([new("KIT", "A", 0)]));
    }
}
