using Microsoft.EntityFrameworkCore;
using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Persistence.Inventory;

/// <summary>
/// The SQL of ims.stock_items, ims.bom_components, ims.reservations and ims.line_additions. Stock rows,
/// which every order of a SKU touches, are locked last in a change and in SKU order (ADR 0030): briefly,
/// and so that concurrent orders cannot deadlock.
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

    /// <summary>
    /// The stock of <paramref name="skus"/> by SKU as last committed, without a lock: what an allocation is
    /// planned against, and <see cref="TryReserveAsync"/> checks again at the end. With <paramref name="lockRows"/>
    /// the rows are locked (<c>FOR UPDATE</c>, in SKU order) until the transaction ends: a plan nobody can overtake.
    /// </summary>
    public async Task<Dictionary<string, StockLevel>> ReadStockAsync(IEnumerable<string> skus, bool lockRows = false)
    {
        var array = skus.Distinct(StringComparer.Ordinal).ToArray();
        var rows = lockRows
            ? db.StockItems.FromSql($"SELECT * FROM ims.stock_items WHERE sku = ANY({array}) ORDER BY sku FOR UPDATE")
            : db.StockItems.Where(s => array.Contains(s.Sku));
        var items = await rows.AsNoTracking()
            .Select(s => new StockLevel(s.Sku, s.OnHand, s.Reserved))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return items.ToDictionary(s => s.Sku, StringComparer.Ordinal);
    }

    /// <summary>
    /// Reserves each line if what is available still covers it, one conditional <c>UPDATE</c> per SKU in SKU order
    /// (so concurrent changes take the row locks in one order and cannot deadlock). Call it last in the change:
    /// the hot rows stay locked only from here to the commit. Returns the first SKU that no longer covers its
    /// line (the transaction must then be rolled back: earlier SKUs were reserved), or null when all were.
    /// </summary>
    public async Task<string?> TryReserveAsync(IEnumerable<SkuQuantity> lines, DateTimeOffset now)
    {
        foreach (var line in InSkuOrder(lines))
        {
            var updated = await db.Database.ExecuteSqlAsync(
                $"""
                UPDATE ims.stock_items SET reserved = reserved + {line.Quantity}, updated_at = {now}
                WHERE sku = {line.Sku} AND on_hand - reserved >= {line.Quantity}
                """,
                cancellationToken).ConfigureAwait(false);
            if (updated == 0)
            {
                return line.Sku;
            }
        }

        return null;
    }

    /// <summary>Returns reserved units to the shelf, in SKU order; like <see cref="TryReserveAsync"/>, call it last.</summary>
    public async Task UnreserveAsync(IEnumerable<SkuQuantity> lines, DateTimeOffset now)
    {
        foreach (var line in InSkuOrder(lines))
        {
            await db.Database.ExecuteSqlAsync(
                $"UPDATE ims.stock_items SET reserved = reserved - {line.Quantity}, updated_at = {now} WHERE sku = {line.Sku}",
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes reserved units off the shelf (on hand and reserved both drop), in SKU order, and returns each SKU's
    /// stock after it with its reorder point; like <see cref="TryReserveAsync"/>, call it last.
    /// </summary>
    public async Task<Dictionary<string, (StockLevel Level, int ReorderPoint)>> ConsumeAsync(IEnumerable<SkuQuantity> lines, DateTimeOffset now)
    {
        var after = new Dictionary<string, (StockLevel, int)>(StringComparer.Ordinal);
        foreach (var line in InSkuOrder(lines))
        {
            var row = await db.Database.SqlQuery<StockAfter>(
                $"""
                UPDATE ims.stock_items SET on_hand = on_hand - {line.Quantity}, reserved = reserved - {line.Quantity}, updated_at = {now}
                WHERE sku = {line.Sku}
                RETURNING on_hand AS "OnHand", reserved AS "Reserved", reorder_point AS "ReorderPoint"
                """).ToListAsync(cancellationToken).ConfigureAwait(false);
            var stock = row.Single();
            after[line.Sku] = (new StockLevel(line.Sku, stock.OnHand, stock.Reserved), stock.ReorderPoint);
        }

        return after;
    }

    private static IEnumerable<SkuQuantity> InSkuOrder(IEnumerable<SkuQuantity> lines) =>
        lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new SkuQuantity(g.Key, g.Sum(l => l.Quantity)))
            .OrderBy(l => l.Sku, StringComparer.Ordinal);

    private sealed class StockAfter
    {
        public int OnHand { get; init; }

        public int Reserved { get; init; }

        public int ReorderPoint { get; init; }
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
