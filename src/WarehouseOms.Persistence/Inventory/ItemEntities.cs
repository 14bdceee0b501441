namespace WarehouseOms.Persistence.Inventory;

/// <summary>
/// ims.items: the item master, one row per registered SKU (<c>ims.sku-registered</c>). A stocked item also
/// has its ims.stock_items row (with its reorder policy), a kit its ims.bom_components rows.
/// </summary>
public sealed class ItemRecord
{
    public required string Sku { get; init; }

    public required string Name { get; set; }

    /// <summary>Fixed at the first registration: a kit never becomes a stocked item or back.</summary>
    public required bool IsKit { get; init; }

    /// <summary>Set by <c>ims.sku-retired</c>: new orders are refused; cleared by a new registration.</summary>
    public bool Retired { get; set; }

    public DateTimeOffset RegisteredAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The message that made the last change (registration or retirement).</summary>
    public string? UpdatedByMessageId { get; set; }
}

/// <summary>
/// ims.item_messages: every item master message applied or found unchanged, by message ID, with a hash
/// of its content: a redelivery is recognised, and a message ID reused for other content is refused.
/// </summary>
public sealed class ItemMessageRecord
{
    public required string MessageId { get; init; }

    public required string Sku { get; init; }

    /// <summary><c>registered</c> or <c>retired</c>.</summary>
    public required string Kind { get; init; }

    public required string ContentHash { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }
}
