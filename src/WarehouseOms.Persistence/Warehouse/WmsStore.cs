using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Persistence.Warehouse;

/// <summary>The SQL of wms.pick_waves (one per order).</summary>
public sealed class WmsStore(WarehouseOmsDbContext db, CancellationToken cancellationToken)
{
    /// <summary>Creates the order's pick wave; false when the order already has one.</summary>
    public async Task<bool> TryAddPickWaveAsync(string pickWaveId, string orderId, IReadOnlyList<SkuLine> lines, DateTimeOffset createdAt)
    {
        var linesJson = JsonSerializer.Serialize(lines, OutboxConventions.JsonOptions);
        return await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO wms.pick_waves (pick_wave_id, order_id, lines, created_at)
            VALUES ({pickWaveId}, {orderId}, CAST({linesJson} AS jsonb), {createdAt})
            ON CONFLICT (order_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false) == 1;
    }

    public Task<PickWaveRecord> GetPickWaveOfOrderAsync(string orderId) =>
        db.PickWaves.AsNoTracking().SingleAsync(p => p.OrderId == orderId, cancellationToken);
}
