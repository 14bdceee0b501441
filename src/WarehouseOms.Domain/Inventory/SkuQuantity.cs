namespace WarehouseOms.Domain.Inventory;

/// <summary>A quantity of one SKU: an order line, a BOM component, an allocation.</summary>
public sealed record SkuQuantity(string Sku, int Quantity);

/// <summary>One component of a kit: <see cref="Quantity"/> units of <see cref="ComponentSku"/> per kit.</summary>
public sealed record BomComponent(string KitSku, string ComponentSku, int Quantity);

/// <summary>What the warehouse holds of one SKU. Available stock is what is on hand and not reserved.</summary>
public sealed record StockLevel(string Sku, int OnHand, int Reserved)
{
    public int Available => OnHand - Reserved;
}
