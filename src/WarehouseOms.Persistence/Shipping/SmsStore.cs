using Microsoft.EntityFrameworkCore;
using WarehouseOms.Domain.Shipping;

namespace WarehouseOms.Persistence.Shipping;

/// <summary>The SQL of sms.shipments (one per order).</summary>
public sealed class SmsStore(WarehouseOmsDbContext db, CancellationToken cancellationToken)
{
    /// <summary>Creates the order's shipment (state created); false when the order already has one.</summary>
    public async Task<bool> TryAddShipmentAsync(string shipmentId, string orderId, IReadOnlyList<string> packageIds, decimal totalWeightKg, DateTimeOffset now)
    {
        var ids = packageIds.ToList();
        var state = ShipmentState.Created.ToString().ToLowerInvariant();
        return await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO sms.shipments (shipment_id, order_id, package_ids, total_weight_kg, state, created_at, updated_at)
            VALUES ({shipmentId}, {orderId}, {ids}, {totalWeightKg}, {state}, {now}, {now})
            ON CONFLICT (order_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false) == 1;
    }

    public Task<ShipmentRecord> GetShipmentOfOrderAsync(string orderId) =>
        db.Shipments.AsNoTracking().SingleAsync(s => s.OrderId == orderId, cancellationToken);

    /// <summary>The shipment, tracked and locked until the transaction ends; null when unknown.</summary>
    public Task<ShipmentRecord?> LockShipmentAsync(string shipmentId) =>
        db.Shipments.FromSql($"SELECT * FROM sms.shipments WHERE shipment_id = {shipmentId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    /// <summary>The order's shipment, tracked and locked until the transaction ends; null when it has none.</summary>
    public Task<ShipmentRecord?> LockShipmentOfOrderAsync(string orderId) =>
        db.Shipments.FromSql($"SELECT * FROM sms.shipments WHERE order_id = {orderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
}
