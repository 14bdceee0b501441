using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Persistence.Inventory;

/// <summary>ims.stock_items: stock per SKU. Reserved never exceeds on hand (check constraint).</summary>
public sealed class StockItemRecord
{
    public required string Sku { get; init; }

    public int OnHand { get; set; }

    public int Reserved { get; set; }

    public int ReorderPoint { get; set; }

    public int ReorderQuantity { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public StockLevel ToStockLevel() => new(Sku, OnHand, Reserved);
}

/// <summary>ims.bom_components: a kit's components.</summary>
public sealed class BomComponentRecord
{
    public required string KitSku { get; init; }

    public required string ComponentSku { get; init; }

    public required int Quantity { get; init; }
}

/// <summary>ims.reservations: stock held for one order and SKU; unique per (order, SKU).</summary>
public sealed class ReservationRecord
{
    public required string OrderId { get; init; }

    public required string Sku { get; init; }

    /// <summary>Lowered when a short pick releases the units the warehouse could not pick.</summary>
    public required int Quantity { get; set; }

    public ReservationState State { get; set; }

    /// <summary>Recorded at consumption so a re-run of ConsumeInventory reports the same SKUs.</summary>
    public bool BelowReorderPointAfterConsume { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// ims.line_additions: a line added to an order while it waits for payment approval, keyed by the
/// message that asked for it, so a redelivered request reserves nothing twice.
/// </summary>
public sealed class LineAdditionRecord
{
    public required string AdditionId { get; init; }

    public required string OrderId { get; init; }

    public required string Sku { get; init; }

    public required int Quantity { get; init; }

    public DateTimeOffset AddedAt { get; init; }
}

/// <summary>ims.stock_receipts: stock arrivals, unique by receipt ID so a redelivered message adds nothing.</summary>
public sealed class StockReceiptRecord
{
    public required string ReceiptId { get; init; }

    public required string Sku { get; init; }

    public required int Quantity { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }
}
