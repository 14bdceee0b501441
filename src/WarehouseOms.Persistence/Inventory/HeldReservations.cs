using Microsoft.EntityFrameworkCore;
using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Persistence.Inventory;

/// <summary>What an order holds in stock now: the yardstick a pick report is held against (ADR 0021).</summary>
public interface IHeldReservations
{
    /// <summary>The order's reserved (not yet consumed or released) units per SKU; empty when it holds none (unknown, not yet reserved, already picked).</summary>
    Task<IReadOnlyList<SkuQuantity>> ReservedAsync(string orderId, CancellationToken cancellationToken);
}

internal sealed class HeldReservations(WarehouseOmsDbContext db) : IHeldReservations
{
    public async Task<IReadOnlyList<SkuQuantity>> ReservedAsync(string orderId, CancellationToken cancellationToken) =>
        await db.Reservations.AsNoTracking()
            .Where(r => r.OrderId == orderId && r.State == ReservationState.Reserved)
            .OrderBy(r => r.Sku)
            .Select(r => new SkuQuantity(r.Sku, r.Quantity))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
}
