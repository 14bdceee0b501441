using System.Security.Cryptography;
using System.Text;

namespace WarehouseOms.Domain.Shipping;

/// <summary>A shipping label issued by a carrier.</summary>
public sealed record ShippingLabel(string TrackingNumber, string LabelReference);

/// <summary>
/// Stands in for a carrier API. Deterministic on purpose: the same shipment always gets the same
/// tracking number, so a retried label request can never yield a second, different label.
/// </summary>
public static class SimulatedCarrier
{
    public const string CarrierCode = "WHX";

    public static ShippingLabel IssueLabel(string shipmentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shipmentId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(shipmentId));
        // 12 decimal digits from the hash: a carrier-like tracking number.
        var digits = BitConverter.ToUInt64(hash, 0) % 1_000_000_000_000UL;
        var trackingNumber = $"{CarrierCode}{digits:D12}";
        return new ShippingLabel(trackingNumber, $"label/{shipmentId}.pdf");
    }
}
