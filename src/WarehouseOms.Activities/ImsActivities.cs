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
/// IMS activities over ims.* and the outbox. Stock rows are locked (<c>FOR UPDATE</c>, in SKU order, so
/// concurrent orders cannot deadlock) for the whole check-and-reserve, so two orders can never both
/// take the last unit. Reservations are keyed by (order, SKU): they are the idempotency guard.
/// </summary>
public sealed partial class ImsActivities(IOrderChanges changes, TimeProvider clock, ILogger<ImsActivities> logger)
    : IImsActivities
{
    [Activity(ActivityNames.AllocateInventory)]
    public Task<AllocationResult> AllocateInventoryAsync(AllocateInventoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId, async change =>
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

            var (stock, allocations) = await AllocateAsync(change, input.OrderId, input.Lines.Select(l => l.Sku), required);
            var now = clock.GetUtcNow();
            var reservations = new List<ReservationRecord>();
            foreach (var allocation in allocations)
            {
                Reserve(stock[allocation.Sku], allocation.Quantity, now);
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

            change.Ims.AddReservations(reservations);
            var result = ToResult(input.OrderId, reservations);
            var messageId = await change.EmitAsync(Exchanges.InventoryAllocated, new InventoryAllocatedEvent(input.OrderId, ToLines(result.Allocated), now));
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
            var held = (await change.Ims.LockReservationsAsync(input.OrderId))
                .Where(r => r.State == ReservationState.Reserved)
                .ToList();
            if (held.Count == 0)
            {
                LogNothingHeld(logger, input.OrderId);
                return;
            }

            var now = clock.GetUtcNow();
            var stock = await change.Ims.LockStockAsync(held.Select(r => r.Sku));
            foreach (var reservation in held)
            {
                Reserve(stock[reservation.Sku], -reservation.Quantity, now);
                reservation.State = ReservationState.Released;
                reservation.UpdatedAt = now;
            }

            var messageId = await change.EmitAsync(
                Exchanges.InventoryReleased,
                new InventoryReleasedEvent(input.OrderId, held.Select(r => new SkuLine(r.Sku, r.Quantity)).ToList(), input.Reason, now));
            LogReleased(logger, input.OrderId, held.Count, input.Reason, messageId);
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
                var stock = await change.Ims.LockStockAsync(toConsume.Select(r => r.Sku));
                foreach (var reservation in toConsume)
                {
                    var item = stock[reservation.Sku];
                    item.OnHand -= reservation.Quantity;
                    Reserve(item, -reservation.Quantity, now);
                    reservation.State = ReservationState.Consumed;
                    reservation.BelowReorderPointAfterConsume = ReorderPolicy.IsBelowReorderPoint(item.ToStockLevel(), item.ReorderPoint);
                    reservation.UpdatedAt = now;
                }

                await change.EmitAsync(
                    Exchanges.OrderPicked,
                    new OrderPickedEvent(input.OrderId, ToLines(input.Picked), now),
                    recordedAs: new InventoryConsumed(ToLines(toConsume.Select(r => new LineItem(r.Sku, r.Quantity))), ToLines(input.Picked)));
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
        return changes.RunAsync(logger, input.OrderId, async change =>
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

            var (stock, allocations) = await AllocateAsync(change, input.OrderId, [input.Sku], required);
            var now = clock.GetUtcNow();
            foreach (var allocation in allocations)
            {
                Reserve(stock[allocation.Sku], allocation.Quantity, now);
                await change.Ims.AddToReservationAsync(input.OrderId, allocation.Sku, allocation.Quantity, now);
            }

            await change.Oms.AppendLineAsync(input.OrderId, input.Sku, input.Quantity, input.UnitPrice);
            change.Ims.AddLineAddition(new LineAdditionRecord { AdditionId = input.AdditionId, OrderId = input.OrderId, Sku = input.Sku, Quantity = input.Quantity, AddedAt = now });
            var added = allocations.Select(a => new LineItem(a.Sku, a.Quantity)).ToList();
            await change.EmitAsync(
                Exchanges.InventoryAllocated,
                new InventoryAllocatedEvent(input.OrderId, ToLines(added), now),
                recordedAs: new LineAdded(input.AdditionId, input.Sku, input.Quantity, ToLines(added), input.UnitPrice));
            LogLineAdded(logger, input.OrderId, input.Quantity, input.Sku, input.AdditionId);
            return new AllocationResult(input.OrderId, added);
        });
    }

    /// <summary>
    /// Locks the stock of <paramref name="required"/> (the <paramref name="ordered"/> SKUs after BOM expansion) and
    /// allocates it all, or fails non-retryable with the shortages; a retired SKU, ordered or a component, takes no new order.
    /// </summary>
    private async Task<(Dictionary<string, StockItemRecord> Stock, IReadOnlyList<SkuQuantity> Allocations)> AllocateAsync(
        OrderChange change, string orderId, IEnumerable<string> ordered, IReadOnlyList<SkuQuantity> required)
    {
        var stock = await change.Ims.LockStockAsync(required.Select(r => r.Sku));
        var retired = await change.Ims.RetiredAsync(ordered.Concat(required.Select(r => r.Sku)));
        var outcome = InventoryAllocator.Allocate(required, stock.Values.Select(s => s.ToStockLevel()).ToList());
        var problems = retired.Select(sku => $"SKU {sku}: retired (ims.sku-retired), it takes no new orders.").Concat(outcome.Shortages).ToList();
        if (problems.Count > 0)
        {
            LogShortage(logger, orderId, string.Join("; ", problems));
            throw ActivityFailures.InsufficientStock(orderId, problems);
        }

        return (stock, outcome.Allocations);
    }

    private static void Reserve(StockItemRecord item, int quantity, DateTimeOffset now)
    {
        item.Reserved += quantity;
        item.UpdatedAt = now;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} holds no inventory; nothing to release")]
    private static partial void LogNothingHeld(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {SkuCount} reservation(s) consumed; picked {Picked}")]
    private static partial void LogConsumed(ILogger logger, string orderId, int skuCount, string picked);
}
