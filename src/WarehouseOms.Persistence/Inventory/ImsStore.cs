using Microsoft.EntityFrameworkCore;
using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Persistence.Inventory;

/// <summary>
/// The SQL of ims.stock_items, ims.bom_components, ims.reservations and ims.line_additions. Locks are
/// taken in SKU order, so concurrent orders cannot deadlock.
/// </summary>
public sealed class ImsStore(WarehouseOmsDbContext db, CancellationToken cancellationToken)
{
    public async Task<BillOfMaterials> LoadBillOfMaterialsAsync() =>
        new((await db.BomComponents.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(b => new BomComponent(b.KitSku, b.ComponentSku, b.Quantity)));

    /// <summary>The order's reservations in SKU order, tracked and locked until the transaction ends.</summary>
    public Task<List<ReservationRecord>> LockReservationsAsync(string orderId) =>
        db.Reservations
            .FromSql($"SELECT * FROM ims.reservations WHERE order_id = {orderId} ORDER BY sku FOR UPDATE")
            .ToListAsync(cancellationToken);

    /// <summary>The stock of <paramref name="skus"/> by SKU (in SKU order), tracked and locked until the transaction ends.</summary>
    public async Task<Dictionary<string, StockItemRecord>> LockStockAsync(IEnumerable<string> skus)
    {
        var array = skus.Distinct(StringComparer.Ordinal).ToArray();
        var items = await db.StockItems
            .FromSql($"SELECT * FROM ims.stock_items WHERE sku = ANY({array}) ORDER BY sku FOR UPDATE")
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return items.ToDictionary(s => s.Sku, StringComparer.Ordinal);
    }

    public Task<StockItemRecord?> FindStockItemAsync(string sku) =>
        db.StockItems.AsNoTracking().SingleOrDefaultAsync(s => s.Sku == sku, cancellationToken);

    /// <summary>On hand minus reserved of each known SKU of <paramref name="skus"/>, in SKU order.</summary>
    public async Task<IReadOnlyList<(string Sku, int Available)>> AvailabilityAsync(IEnumerable<string> skus)
    {
        var array = skus.Distinct(StringComparer.Ordinal).ToArray();
        var rows = await db.StockItems.AsNoTracking()
            .Where(s => array.Contains(s.Sku))
            .OrderBy(s => s.Sku)
            .Select(s => new { s.Sku, Available = s.OnHand - s.Reserved })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(r => (r.Sku, r.Available)).ToList();
    }

    /// <summary>The retired SKUs among <paramref name="skus"/> (<c>ims.sku-retired</c>), in SKU order.</summary>
    public async Task<IReadOnlyList<string>> RetiredAsync(IEnumerable<string> skus)
    {
        var array = skus.Distinct(StringComparer.Ordinal).ToArray();
        return await db.Items.AsNoTracking()
            .Where(i => i.Retired && array.Contains(i.Sku))
            .OrderBy(i => i.Sku)
            .Select(i => i.Sku)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public void AddReservations(IEnumerable<ReservationRecord> reservations) => db.Reservations.AddRange(reservations);

    /// <summary>Reserves <paramref name="quantity"/> more of <paramref name="sku"/> for the order (a new row or added to its row).</summary>
    public Task AddToReservationAsync(string orderId, string sku, int quantity, DateTimeOffset now) =>
        db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO ims.reservations (order_id, sku, quantity, state, below_reorder_point_after_consume, created_at, updated_at)
            VALUES ({orderId}, {sku}, {quantity}, 'reserved', false, {now}, {now})
            ON CONFLICT (order_id, sku) DO UPDATE SET quantity = ims.reservations.quantity + EXCLUDED.quantity, updated_at = EXCLUDED.updated_at
            """,
            cancellationToken);

    public Task<LineAdditionRecord?> FindLineAdditionAsync(string additionId) =>
        db.LineAdditions.AsNoTracking().SingleOrDefaultAsync(a => a.AdditionId == additionId, cancellationToken);

    public void AddLineAddition(LineAdditionRecord addition) => db.LineAdditions.Add(addition);
}
