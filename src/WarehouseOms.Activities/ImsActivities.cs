using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>
/// IMS activities over ims.* and the outbox. The order's own rows (reservations) are locked first and
/// written with the outbox row and the history event; the stock rows every order of a SKU shares are
/// updated last, by conditional <c>UPDATE</c>s in SKU order (ADR 0030), so they stay locked only until the
/// commit and concurrent orders cannot deadlock. An allocation is planned on the committed stock and
/// checked again by those updates: two orders can never both take the last unit, and one that finds the
/// stock taken since it looked is planned again. Reservations are keyed by (order, SKU): they are the
/// idempotency guard.
/// </summary>
public sealed partial class ImsActivities(IOrderChanges changes, TimeProvider clock, ILogger<ImsActivities> logger)
    : IImsActivities
{
    [Activity(ActivityNames.AllocateInventory)]
    public Task<AllocationResult> AllocateInventoryAsync(AllocateInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReservingAsync(input.OrderId, async (change, lockStock) =>
        {
            var existing = await change.Ims.LockReservationsAsync(input.OrderId);
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

            var bom = await change.Ims.LoadBillOfMaterialsAsync();
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

            var allocations = await AllocateAsync(change, input.OrderId, input.Lines.Select(l => l.Sku), required, lockStock);
            var now = clock.GetUtcNow();
            var reservations = allocations.Select(allocation => new ReservationRecord
            {
                OrderId = input.OrderId,
                Sku = allocation.Sku,
                Quantity = allocation.Quantity,
                State = ReservationState.Reserved,
                CreatedAt = now,
                UpdatedAt = now,
            }).ToList();

            change.Ims.AddReservations(reservations);
            var result = ToResult(input.OrderId, reservations);
            var messageId = await change.EmitAsync(Exchanges.InventoryAllocated, new InventoryAllocatedEvent(input.OrderId, ToLines(result.Allocated), now));
            await ReserveLastAsync(change, allocations, now);
            LogAllocated(logger, input.OrderId, result.Allocated.Count, messageId);
            return result;
        });
    }

    [Activity(ActivityNames.ReleaseInventory)]
    public Task ReleaseInventoryAsync(ReleaseInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId, async change =>
        {
            if (await InventoryRelease.ReleaseHeldAsync(change, input.OrderId, input.Reason, clock.GetUtcNow()) is not { } released)
            {
                LogNothingHeld(logger, input.OrderId);
                return;
            }

            LogReleased(logger, input.OrderId, released.SkuCount, input.Reason, released.MessageId);
        });
    }

    /// <summary>
    /// Takes the order's reserved stock off the shelf. The MVP has no partial fulfilment: the reservation
    /// (the allocation after BOM expansion) is what is consumed. The pick goes out as oms.order-picked with
    /// the lines the device reported, and the history records it as InventoryConsumed under the same message ID.
    /// </summary>
    [Activity(ActivityNames.ConsumeInventory)]
    public Task<ConsumeInventoryResult> ConsumeInventoryAsync(ConsumeInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId, async change =>
        {
            var reservations = await change.Ims.LockReservationsAsync(input.OrderId);
            if (reservations.Count == 0)
            {
                throw ActivityFailures.IllegalTransition($"Order {input.OrderId} holds no inventory; there is nothing to consume.");
            }

            // A short pick releases the SKUs nothing was picked of; only a wholly released order (cancelled) is refused.
            if (reservations.All(r => r.State == ReservationState.Released))
            {
                throw ActivityFailures.IllegalTransition($"Inventory of order {input.OrderId} was released; it cannot be consumed.");
            }

            var toConsume = reservations.Where(r => r.State == ReservationState.Reserved).ToList();
            if (toConsume.Count > 0)
            {
                var now = clock.GetUtcNow();
                foreach (var reservation in toConsume)
                {
                    reservation.State = ReservationState.Consumed;
                    reservation.UpdatedAt = now;
                }

                await change.EmitAsync(
                    Exchanges.OrderPicked,
                    new OrderPickedEvent(input.OrderId, ToLines(input.Picked), now),
                    recordedAs: new InventoryConsumed(ToLines(toConsume.Select(r => new LineItem(r.Sku, r.Quantity))), ToLines(input.Picked)));

                // The shared stock rows last: locked from here to the commit only.
                var after = await change.Ims.ConsumeAsync(toConsume.Select(r => new SkuQuantity(r.Sku, r.Quantity)), now);
                foreach (var reservation in toConsume)
                {
                    var (level, reorderPoint) = after[reservation.Sku];
                    reservation.BelowReorderPointAfterConsume = ReorderPolicy.IsBelowReorderPoint(level, reorderPoint);
                }

                LogConsumed(logger, input.OrderId, toConsume.Count, string.Join(", ", input.Picked.Select(p => $"{p.Quantity} x {p.Sku}")));
            }

            var below = reservations.Where(r => r.BelowReorderPointAfterConsume).Select(r => r.Sku).Order(StringComparer.Ordinal).ToList();
            return new ConsumeInventoryResult(input.OrderId, below);
        });
    }

    [Activity(ActivityNames.FetchInventorySnapshot)]
    public async Task<InventorySnapshot> FetchInventorySnapshotAsync(InventorySnapshotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var items = await changes.Read().Ims.AvailabilityAsync(request.Skus);
        return new InventorySnapshot(items.Select(i => new SkuAvailability(i.Sku, i.Available)).ToList());
    }

    /// <summary>
    /// Reserves a line added while the order awaits payment, all or nothing, and adds it to the order's
    /// lines, in one transaction keyed by the addition ID (a re-run returns the same components).
    /// </summary>
    [Activity(ActivityNames.ReserveAddedLine)]
    public Task<AllocationResult> ReserveAddedLineAsync(ReserveAddedLineInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReservingAsync(input.OrderId, async (change, lockStock) =>
        {
            var reservations = await change.Ims.LockReservationsAsync(input.OrderId);
            var required = (await change.Ims.LoadBillOfMaterialsAsync()).Expand([new SkuQuantity(input.Sku, input.Quantity)]);

            // A re-run of a committed addition answers as the first run did, even if the stock was released since.
            if (await change.Ims.FindLineAdditionAsync(input.AdditionId) is { } done)
            {
                return done.OrderId == input.OrderId
                    ? new AllocationResult(input.OrderId, [.. required.Select(r => new LineItem(r.Sku, r.Quantity))])
                    : throw ActivityFailures.IllegalTransition($"Addition {input.AdditionId} belongs to order {done.OrderId}.");
            }

            if (reservations.Count == 0 || reservations.Any(r => r.State != ReservationState.Reserved))
            {
                throw ActivityFailures.IllegalTransition($"Order {input.OrderId} does not hold a reservation; a line cannot be added.");
            }

            var allocations = await AllocateAsync(change, input.OrderId, [input.Sku], required, lockStock);
            var now = clock.GetUtcNow();
            foreach (var allocation in allocations)
            {
                await change.Ims.AddToReservationAsync(input.OrderId, allocation.Sku, allocation.Quantity, now);
            }

            await change.Oms.AppendLineAsync(input.OrderId, input.Sku, input.Quantity, input.UnitPrice);
            change.Ims.AddLineAddition(new LineAdditionRecord { AdditionId = input.AdditionId, OrderId = input.OrderId, Sku = input.Sku, Quantity = input.Quantity, AddedAt = now });
            var added = allocations.Select(a => new LineItem(a.Sku, a.Quantity)).ToList();
            await change.EmitAsync(
                Exchanges.InventoryAllocated,
                new InventoryAllocatedEvent(input.OrderId, ToLines(added), now),
                recordedAs: new LineAdded(input.AdditionId, input.Sku, input.Quantity, ToLines(added), input.UnitPrice));
            await ReserveLastAsync(change, allocations, now);
            LogLineAdded(logger, input.OrderId, input.Quantity, input.Sku, input.AdditionId);
            return new AllocationResult(input.OrderId, added);
        });
    }

    /// <summary>
    /// Plans the allocation of <paramref name="required"/> (the <paramref name="ordered"/> SKUs after BOM expansion)
    /// on the committed stock, or fails non-retryable with the shortages; a retired SKU, ordered or a component,
    /// takes no new order. Unless <paramref name="lockStock"/>, no stock row is locked here: <see cref="ReserveLastAsync"/> does, at the end.
    /// </summary>
    private async Task<IReadOnlyList<SkuQuantity>> AllocateAsync(
        OrderChange change, string orderId, IEnumerable<string> ordered, IReadOnlyList<SkuQuantity> required, bool lockStock)
    {
        var stock = await change.Ims.ReadStockAsync(required.Select(r => r.Sku), lockStock);
        var retired = await change.Ims.RetiredAsync(ordered.Concat(required.Select(r => r.Sku)));
        var outcome = InventoryAllocator.Allocate(required, stock.Values.ToList());
        var problems = retired.Select(sku => $"SKU {sku}: retired (ims.sku-retired), it takes no new orders.").Concat(outcome.Shortages).ToList();
        if (problems.Count > 0)
        {
            LogShortage(logger, orderId, string.Join("; ", problems));
            throw ActivityFailures.InsufficientStock(orderId, problems);
        }

        return outcome.Allocations;
    }

    /// <summary>
    /// The planned reservation on the stock rows, the change's last writes. When another order took the stock
    /// since the plan was made, everything is rolled back and <see cref="ReservingAsync{T}"/> plans again.
    /// </summary>
    private static async Task ReserveLastAsync(OrderChange change, IReadOnlyList<SkuQuantity> allocations, DateTimeOffset now)
    {
        if (await change.Ims.TryReserveAsync(allocations, now) is { } taken)
        {
            await change.RollbackAsync();
            throw new StockTakenMeanwhileException(taken);
        }
    }

    /// <summary>
    /// Runs a reserving change. A plan overtaken by another order's reservation (the stock near its end) is made
    /// again on the stock now committed; the last round plans under the stock rows' locks (in SKU order), as every
    /// round once did, so it cannot be overtaken and the attempt always ends: reserved, or the shortage.
    /// </summary>
    private async Task<T> ReservingAsync<T>(string orderId, Func<OrderChange, bool, Task<T>> change)
    {
        for (var round = 1; ; round++)
        {
            var lockStock = round == PlanRounds;
            try
            {
                return await changes.RunAsync(logger, orderId, unit => change(unit, lockStock));
            }
            catch (StockTakenMeanwhileException ex) when (!lockStock)
            {
                LogPlanOvertaken(logger, orderId, ex.Sku, round);
            }
        }
    }

    /// <summary>Optimistic plans before the last, locked one.</summary>
    private const int PlanRounds = 3;

    private sealed class StockTakenMeanwhileException(string sku) : Exception($"Stock of {sku} was taken meanwhile")
    {
        public string Sku { get; } = sku;
    }

    private static AllocationResult ToResult(string orderId, IEnumerable<ReservationRecord> reservations) =>
        new(orderId, reservations.OrderBy(r => r.Sku, StringComparer.Ordinal).Select(r => new LineItem(r.Sku, r.Quantity)).ToList());

    private static List<SkuLine> ToLines(IEnumerable<LineItem> lines) => lines.Select(l => new SkuLine(l.Sku, l.Quantity)).ToList();

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Order {OrderId}: stock of {Sku} was taken by another order since the plan (round {Round}); planning again")]
    private static partial void LogPlanOvertaken(ILogger logger, string orderId, string sku, int round);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} holds no inventory; nothing to release")]
    private static partial void LogNothingHeld(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {SkuCount} reservation(s) consumed; picked {Picked}")]
    private static partial void LogConsumed(ILogger logger, string orderId, int skuCount, string picked);
}
