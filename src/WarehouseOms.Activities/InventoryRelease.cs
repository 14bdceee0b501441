using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.Changes;

namespace WarehouseOms.Activities;

/// <summary>A release of what an order held: how many SKUs, and the ims.inventory-released message.</summary>
public sealed record ReleasedStock(int SkuCount, Guid MessageId);

/// <summary>
/// Returns what an order still holds to the shelf: the ReleaseInventory compensation and the reconciler
/// (ADR 0030) share it, so both are guarded by the same locked reservation state (a second run finds nothing
/// held) and both announce ims.inventory-released.
/// </summary>
public static class InventoryRelease
{
    /// <summary>Releases the order's reserved (neither consumed nor released) stock in <paramref name="change"/>; null when it holds none.</summary>
    public static async Task<ReleasedStock?> ReleaseHeldAsync(OrderChange change, string orderId, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        var held = (await change.Ims.LockReservationsAsync(orderId).ConfigureAwait(false))
            .Where(r => r.State == ReservationState.Reserved)
            .ToList();
        if (held.Count == 0)
        {
            return null;
        }

        foreach (var reservation in held)
        {
            reservation.State = ReservationState.Released;
            reservation.UpdatedAt = now;
        }

        var lines = held.Select(r => new SkuQuantity(r.Sku, r.Quantity)).ToList();
        var messageId = await change.EmitAsync(
            Exchanges.InventoryReleased,
            new InventoryReleasedEvent(orderId, lines.Select(l => new SkuLine(l.Sku, l.Quantity)).ToList(), reason, now)).ConfigureAwait(false);
        // The shared stock rows last: locked from here to the commit only.
        await change.Ims.UnreserveAsync(lines, now).ConfigureAwait(false);
        return new ReleasedStock(held.Count, messageId);
    }
}
