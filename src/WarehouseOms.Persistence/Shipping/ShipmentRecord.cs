using WarehouseOms.Domain.Shipping;

namespace WarehouseOms.Persistence.Shipping;

/// <summary>sms.shipments: one shipment per order (unique order ID).</summary>
public sealed class ShipmentRecord
{
    public required string ShipmentId { get; init; }

    public required string OrderId { get; init; }

    public required List<string> PackageIds { get; init; }

    public decimal TotalWeightKg { get; init; }

    public ShipmentState State { get; set; }

    public string? TrackingNumber { get; set; }

    public string? LabelReference { get; set; }

    public string? CancellationReason { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
}
