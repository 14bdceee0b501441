using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>
/// IMS activities over ims.* and the outbox. Stock rows are locked (<c>FOR UPDATE</c>, in SKU order, so
/// concurrent orders cannot deadlock) for the whole check-and-reserve, so two orders can never both
/// take the last unit. Reservations are keyed by (order, SKU): they are the idempotency guard.
/// </summary>
public sealed partial class ImsActivities(WarehouseOmsDbContext db, IOutbox outbox, IOrderHistory history, TimeProvider clock, ILogger<ImsActivities> logger)
    : IImsActivities
{
    [Activity(ActivityNames.AllocateInventory)]
    public async Task<AllocationResult> AllocateInventoryAsync(AllocateInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await LockReservationsAsync(input.OrderId, cancellationToken);
        if (existing.Count > 0)
        {
            if (existing.Any(r => r.State != ReservationState.Reserved))
            {
                throw ActivityFailures.IllegalTransition(
                    $"Inventory of order {input.OrderId} was already {existing.First(r => r.State != ReservationState.Reserved).State}; it cannot be allocated again.");
            }

            LogAlreadyAllocated(logger, input.OrderId);
            return ToResult(input.OrderId, existing);
        }

        var bom = await LoadBillOfMaterialsAsync(cancellationToken);
        IReadOnlyList<SkuQuantity> required;
        try
        {
            required = bom.Expand(input.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)));
        }
        catch (BomCycleException ex)
        {
            // Corrupt master data: retrying cannot fix it, an operator must.
            throw ActivityFailures.InsufficientStock(input.OrderId, [ex.Message]);
        }

        var skus = required.Select(r => r.Sku).ToArray();
        var stock = await db.StockItems
            .FromSql($"SELECT * FROM ims.stock_items WHERE sku = ANY({skus}) ORDER BY sku FOR UPDATE")
            .ToListAsync(cancellationToken);

        var outcome = InventoryAllocator.Allocate(required, stock.Select(s => s.ToStockLevel()).ToList());
        if (!outcome.Succeeded)
        {
            LogShortage(logger, input.OrderId, string.Join("; ", outcome.Shortages));
            throw ActivityFailures.InsufficientStock(input.OrderId, outcome.Shortages);
        }

        var now = clock.GetUtcNow();
        var bySku = stock.ToDictionary(s => s.Sku, StringComparer.Ordinal);
        var reservations = new List<ReservationRecord>();
        foreach (var allocation in outcome.Allocations)
        {
            var item = bySku[allocation.Sku];
            item.Reserved += allocation.Quantity;
            item.UpdatedAt = now;
            reservations.Add(new ReservationRecord
            {
                OrderId = input.OrderId,
                Sku = allocation.Sku,
                Quantity = allocation.Quantity,
                State = ReservationState.Reserved,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }

        db.Reservations.AddRange(reservations);
        await db.SaveChangesAsync(cancellationToken);
        var result = ToResult(input.OrderId, reservations);
        var messageId = run.MessageIdFor(Exchanges.InventoryAllocated);
        var allocated = new InventoryAllocatedEvent(input.OrderId, ToLines(result.Allocated), now);
        await outbox.AddAsync(
            Exchanges.InventoryAllocated,
            allocated,
            messageId,
            run.Headers(input.OrderId),
            cancellationToken);
        await history.AppendAsync(input.OrderId, OrderEventTypes.InventoryAllocated, allocated, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogAllocated(logger, input.OrderId, result.Allocated.Count, messageId);
        return result;
    }

    [Activity(ActivityNames.ReleaseInventory)]
    public async Task ReleaseInventoryAsync(ReleaseInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var held = (await LockReservationsAsync(input.OrderId, cancellationToken))
            .Where(r => r.State == ReservationState.Reserved)
            .ToList();
        if (held.Count == 0)
        {
            LogNothingHeld(logger, input.OrderId);
            return;
        }

        var now = clock.GetUtcNow();
        var stock = await LockStockAsync(held.Select(r => r.Sku), cancellationToken);
        foreach (var reservation in held)
        {
            var item = stock[reservation.Sku];
            item.Reserved -= reservation.Quantity;
            item.UpdatedAt = now;
            reservation.State = ReservationState.Released;
            reservation.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        var messageId = run.MessageIdFor(Exchanges.InventoryReleased);
        var released = new InventoryReleasedEvent(input.OrderId, held.Select(r => new ShippedLine(r.Sku, r.Quantity)).ToList(), input.Reason, now);
        await outbox.AddAsync(
            Exchanges.InventoryReleased,
            released,
            messageId,
            run.Headers(input.OrderId),
            cancellationToken);
        await history.AppendAsync(input.OrderId, OrderEventTypes.InventoryReleased, released, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogReleased(logger, input.OrderId, held.Count, input.Reason, messageId);
    }

    /// <summary>
    /// Takes the order's reserved stock off the shelf. The MVP has no partial fulfilment: the reservation
    /// (the allocation after BOM expansion) is what is consumed; the picked lines are logged for audit.
    /// </summary>
    [Activity(ActivityNames.ConsumeInventory)]
    public async Task<ConsumeInventoryResult> ConsumeInventoryAsync(ConsumeInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var reservations = await LockReservationsAsync(input.OrderId, cancellationToken);
        if (reservations.Count == 0)
        {
            throw ActivityFailures.IllegalTransition($"Order {input.OrderId} holds no inventory; there is nothing to consume.");
        }

        if (reservations.Any(r => r.State == ReservationState.Released))
        {
            throw ActivityFailures.IllegalTransition($"Inventory of order {input.OrderId} was released; it cannot be consumed.");
        }

        var toConsume = reservations.Where(r => r.State == ReservationState.Reserved).ToList();
        if (toConsume.Count > 0)
        {
            var now = clock.GetUtcNow();
            var stock = await LockStockAsync(toConsume.Select(r => r.Sku), cancellationToken);
            foreach (var reservation in toConsume)
            {
                var item = stock[reservation.Sku];
                item.OnHand -= reservation.Quantity;
                item.Reserved -= reservation.Quantity;
                item.UpdatedAt = now;
                reservation.State = ReservationState.Consumed;
                reservation.BelowReorderPointAfterConsume = ReorderPolicy.IsBelowReorderPoint(item.ToStockLevel(), item.ReorderPoint);
                reservation.UpdatedAt = now;
            }

            await db.SaveChangesAsync(cancellationToken);
            await history.AppendAsync(input.OrderId, OrderEventTypes.InventoryConsumed, new InventoryConsumedPayload(ToLines(toConsume.Select(r => new LineItem(r.Sku, r.Quantity))), ToLines(input.Picked)), run.EventContext(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogConsumed(logger, input.OrderId, toConsume.Count, string.Join(", ", input.Picked.Select(p => $"{p.Quantity} x {p.Sku}")));
        }

        var below = reservations.Where(r => r.BelowReorderPointAfterConsume).Select(r => r.Sku).Order(StringComparer.Ordinal).ToList();
        return new ConsumeInventoryResult(input.OrderId, below);
    }

    [Activity(ActivityNames.FetchInventorySnapshot)]
    public async Task<InventorySnapshot> FetchInventorySnapshotAsync(InventorySnapshotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var skus = request.Skus.Distinct(StringComparer.Ordinal).ToArray();
        var items = await db.StockItems.AsNoTracking()
            .Where(s => skus.Contains(s.Sku))
            .OrderBy(s => s.Sku)
            .Select(s => new SkuAvailability(s.Sku, s.OnHand - s.Reserved))
            .ToListAsync(ActivityExecutionContext.Current.CancellationToken);
        return new InventorySnapshot(items);
    }

    /// <summary>
    /// Reserves a line added while the order awaits payment, all or nothing, and adds it to the order's
    /// lines, in one transaction keyed by the addition ID (a re-run returns the same components).
    /// </summary>
    [Activity(ActivityNames.ReserveAddedLine)]
    public async Task<AllocationResult> ReserveAddedLineAsync(ReserveAddedLineInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var reservations = await LockReservationsAsync(input.OrderId, cancellationToken);
        var bom = await LoadBillOfMaterialsAsync(cancellationToken);
        var required = bom.Expand([new SkuQuantity(input.Sku, input.Quantity)]);

        // A re-run of a committed addition answers as the first run did, even if the stock was released since.
        if (await db.LineAdditions.AsNoTracking().SingleOrDefaultAsync(a => a.AdditionId == input.AdditionId, cancellationToken) is { } done)
        {
            return done.OrderId == input.OrderId
                ? new AllocationResult(input.OrderId, [.. required.Select(r => new LineItem(r.Sku, r.Quantity))])
                : throw ActivityFailures.IllegalTransition($"Addition {input.AdditionId} belongs to order {done.OrderId}.");
        }

        if (reservations.Count == 0 || reservations.Any(r => r.State != ReservationState.Reserved))
        {
            throw ActivityFailures.IllegalTransition($"Order {input.OrderId} does not hold a reservation; a line cannot be added.");
        }

        var stock = await LockStockAsync(required.Select(r => r.Sku), cancellationToken);
        var outcome = InventoryAllocator.Allocate(required, stock.Values.Select(s => s.ToStockLevel()).ToList());
        if (!outcome.Succeeded)
        {
            LogShortage(logger, input.OrderId, string.Join("; ", outcome.Shortages));
            throw ActivityFailures.InsufficientStock(input.OrderId, outcome.Shortages);
        }

        var now = clock.GetUtcNow();
        foreach (var allocation in outcome.Allocations)
        {
            stock[allocation.Sku].Reserved += allocation.Quantity;
            stock[allocation.Sku].UpdatedAt = now;
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO ims.reservations (order_id, sku, quantity, state, below_reorder_point_after_consume, created_at, updated_at)
                VALUES ({input.OrderId}, {allocation.Sku}, {allocation.Quantity}, 'reserved', false, {now}, {now})
                ON CONFLICT (order_id, sku) DO UPDATE SET quantity = ims.reservations.quantity + EXCLUDED.quantity, updated_at = EXCLUDED.updated_at
                """,
                cancellationToken);
        }

        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.order_lines (order_id, line_number, sku, quantity)
            SELECT {input.OrderId}, COALESCE(MAX(line_number), 0) + 1, {input.Sku}, {input.Quantity} FROM oms.order_lines WHERE order_id = {input.OrderId}
            """,
            cancellationToken);
        db.LineAdditions.Add(new LineAdditionRecord { AdditionId = input.AdditionId, OrderId = input.OrderId, Sku = input.Sku, Quantity = input.Quantity, AddedAt = now });
        await db.SaveChangesAsync(cancellationToken);

        var added = outcome.Allocations.Select(a => new LineItem(a.Sku, a.Quantity)).ToList();
        var messageId = run.MessageIdFor(Exchanges.InventoryAllocated);
        await outbox.AddAsync(Exchanges.InventoryAllocated, new InventoryAllocatedEvent(input.OrderId, ToLines(added), now), messageId, run.Headers(input.OrderId), cancellationToken);
        await history.AppendAsync(input.OrderId, OrderEventTypes.LineAdded, new LineAddedPayload(input.AdditionId, input.Sku, input.Quantity, ToLines(added)), run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogLineAdded(logger, input.OrderId, input.Quantity, input.Sku, input.AdditionId);
        return new AllocationResult(input.OrderId, added);
    }

    private async Task<BillOfMaterials> LoadBillOfMaterialsAsync(CancellationToken cancellationToken) =>
        new((await db.BomComponents.AsNoTracking().ToListAsync(cancellationToken))
            .Select(b => new BomComponent(b.KitSku, b.ComponentSku, b.Quantity)));

    private async Task<List<ReservationRecord>> LockReservationsAsync(string orderId, CancellationToken cancellationToken) =>
        await db.Reservations
            .FromSql($"SELECT * FROM ims.reservations WHERE order_id = {orderId} ORDER BY sku FOR UPDATE")
            .ToListAsync(cancellationToken);

    private async Task<Dictionary<string, StockItemRecord>> LockStockAsync(IEnumerable<string> skus, CancellationToken cancellationToken)
    {
        var array = skus.Distinct(StringComparer.Ordinal).ToArray();
        var items = await db.StockItems
            .FromSql($"SELECT * FROM ims.stock_items WHERE sku = ANY({array}) ORDER BY sku FOR UPDATE")
            .ToListAsync(cancellationToken);
        return items.ToDictionary(s => s.Sku, StringComparer.Ordinal);
    }

    private static AllocationResult ToResult(string orderId, IEnumerable<ReservationRecord> reservations) =>
        new(orderId, reservations.OrderBy(r => r.Sku, StringComparer.Ordinal).Select(r => new LineItem(r.Sku, r.Quantity)).ToList());

    private static List<ShippedLine> ToLines(IEnumerable<LineItem> lines) => lines.Select(l => new ShippedLine(l.Sku, l.Quantity)).ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {SkuCount} SKU(s) reserved, event {MessageId}")]
    private static partial void LogAllocated(ILogger logger, string orderId, int skuCount, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: line {Quantity} x {Sku} added and reserved (addition {AdditionId})")]
    private static partial void LogLineAdded(ILogger logger, string orderId, int quantity, string sku, string additionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} already holds its allocation; returning it")]
    private static partial void LogAlreadyAllocated(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} cannot be allocated: {Shortages}")]
    private static partial void LogShortage(ILogger logger, string orderId, string shortages);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {SkuCount} reservation(s) released ({Reason}), event {MessageId}")]
    private static partial void LogReleased(ILogger logger, string orderId, int skuCount, string reason, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} holds no inventory; nothing to release")]
    private static partial void LogNothingHeld(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {SkuCount} reservation(s) consumed; picked {Picked}")]
    private static partial void LogConsumed(ILogger logger, string orderId, int skuCount, string picked);
}
