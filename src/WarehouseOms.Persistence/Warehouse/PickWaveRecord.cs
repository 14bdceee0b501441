namespace WarehouseOms.Persistence.Warehouse;

/// <summary>wms.pick_waves: one pick wave per order (unique order ID).</summary>
public sealed class PickWaveRecord
{
    public required string PickWaveId { get; init; }

    public required string OrderId { get; init; }

    /// <summary>The lines to pick, as JSON (<c>[{"sku":..,"quantity":..}]</c>).</summary>
    public required string Lines { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
