using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Domain.Pricing;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>OMS activities over oms.* and the outbox. Each is idempotent: a re-run changes and emits nothing new.</summary>
public sealed partial class OmsActivities(IOrderChanges changes, TimeProvider clock, ILogger<OmsActivities> logger)
    : IOmsActivities
{
    [Activity(ActivityNames.ValidateOrder)]
    public Task<ValidatedOrder> ValidateOrderAsync(OrderIntakeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var submitted = input.Submitted;
        using var attempt = ActivityAttempt.Begin(logger, ChangeSubject.Order(submitted?.OrderId ?? string.Empty));

        if (submitted is null)
        {
            throw ActivityFailures.InvalidOrder(["The submitted order is missing."]);
        }

        // The domain validator normalises too (trims, upper-cases the country, merges lines of one SKU).
        var checkResult = OrderValidator.Check(new OrderDraft(
            submitted.RequestId,
            submitted.OrderId,
            submitted.CustomerId,
            submitted.Lines?.Select(l => l is null ? null : new OrderDraftLine(l.Sku, l.Quantity, l.UnitPrice)).ToList(),
            submitted.ShipTo is { } s ? new OrderDraftAddress(s.Name, s.Line1, s.City, s.PostalCode, s.Country) : null,
            submitted.Currency));
        var reasons = checkResult.Reasons.ToList();
        if (checkResult.Order is { } checkedOrder && checkedOrder.RequestId != input.RequestId)
        {
            reasons.Add($"requestId: the message says '{checkedOrder.RequestId}', the workflow was started for '{input.RequestId}'.");
        }

        if (reasons.Count > 0 || checkResult.Order is null)
        {
            LogInvalid(logger, input.RequestId, reasons.Count, string.Join("; ", reasons));
            throw ActivityFailures.InvalidOrder(reasons);
        }

        var valid = checkResult.Order;
        var order = new ValidatedOrder(
            valid.RequestId,
            valid.OrderId,
            valid.CustomerId,
            valid.Lines.Select(l => new LineItem(l.Sku, l.Quantity, valid.UnitPrices?[l.Sku])).ToList(),
            new Address(valid.ShipTo.Name, valid.ShipTo.Line1, valid.ShipTo.City, valid.ShipTo.PostalCode, valid.ShipTo.Country),
            valid.Currency);
        LogValid(logger, order.OrderId, order.RequestId);
        return Task.FromResult(order);
    }

    [Activity(ActivityNames.CreateOrder)]
    public async Task<OrderRef> CreateOrderAsync(ValidatedOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        using var attempt = ActivityAttempt.Begin(logger, ChangeSubject.Order(order.OrderId));
        if (await changes.Read(attempt.CancellationToken).Oms.FindOrderAsync(order.OrderId) is { } existing)
        {
            return SameRequestOrThrow(existing, order);
        }

        return await attempt.ChangeAsync(changes, async change =>
        {
            var now = clock.GetUtcNow();
            var added = await change.Oms.TryAddOrderAsync(new OrderRecord
            {
                OrderId = order.OrderId,
                RequestId = order.RequestId,
                CustomerId = order.CustomerId,
                Status = OrderStatus.Created,
                ShipToName = order.ShipTo.Name,
                ShipToLine1 = order.ShipTo.Line1,
                ShipToCity = order.ShipTo.City,
                ShipToPostalCode = order.ShipTo.PostalCode,
                ShipToCountry = order.ShipTo.Country,
                Currency = order.Currency,
                CreatedAt = now,
                UpdatedAt = now,
                Lines = order.Lines.Select((l, i) => new OrderLineRecord { OrderId = order.OrderId, LineNumber = i + 1, Sku = l.Sku, Quantity = l.Quantity, UnitPrice = l.UnitPrice }).ToList(),
            });
            if (!added)
            {
                // A concurrent attempt (or another request with the same order ID) won the insert.
                await change.RollbackAsync();
                var winner = await change.Oms.FindOrderAsync(order.OrderId)
                    ?? throw ActivityFailures.IllegalTransition($"Request {order.RequestId} already created a different order.");
                return SameRequestOrThrow(winner, order);
            }

            await change.RecordAsync(new OrderCreated(
                order.RequestId,
                order.CustomerId,
                ToLines(order.Lines),
                new OrderShipTo(order.ShipTo.Name, order.ShipTo.Line1, order.ShipTo.City, order.ShipTo.PostalCode, order.ShipTo.Country),
                order.Currency));
            LogCreated(logger, order.OrderId, order.RequestId);
            return new OrderRef(order.OrderId);
        });
    }

    [Activity(ActivityNames.EmitOrderEvent)]
    public Task EmitOrderEventAsync(ValidatedOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return changes.RunAsync(logger, order.OrderId, async change =>
        {
            var record = await LockOrderAsync(change, order.OrderId);
            if (record.CreatedEventMessageId is not null)
            {
                return;
            }

            // Announced once per order, and not kept in its history (the history's OrderCreated is the insert).
            var emitted = await change.PublishAsync(
                Exchanges.OrderCreated,
                new OrderCreatedEvent(order.OrderId, order.RequestId, order.CustomerId, ToLines(order.Lines), clock.GetUtcNow(), order.Currency, TotalOf(order)));
            record.CreatedEventMessageId = emitted.MessageId;
        });
    }

    [Activity(ActivityNames.RejectOrder)]
    public Task RejectOrderAsync(RejectOrderInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId ?? string.Empty, async change =>
        {
            var now = clock.GetUtcNow();
            var reasons = input.Reasons.ToList();
            if (!await change.Oms.TryAddRejectionAsync(input.RequestId, input.OrderId, reasons, now))
            {
                return;
            }

            await change.PublishAsync(Exchanges.OrderRejected, new OrderRejectedEvent(input.OrderId, input.RequestId, reasons, now));
            LogRejected(logger, input.RequestId, string.Join("; ", reasons));
        });
    }

    [Activity(ActivityNames.MarkOrderReserved)]
    public Task MarkOrderReservedAsync(OrderRef order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return MoveAsync(order.OrderId, OrderStatus.Reserved);
    }

    [Activity(ActivityNames.MarkOrderShipped)]
    public Task MarkOrderShippedAsync(MarkOrderShippedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MoveAsync(input.OrderId, OrderStatus.Shipped, async (change, order) =>
        {
            var paid = await change.Oms.FindPaymentAsync(input.OrderId) is { Amount: { } captured } payment ? payment : null;
            return await change.MoveAsync(order, OrderStatus.Shipped, null, Exchanges.OrderShipped, moved =>
            {
                moved.ShipmentId = input.ShipmentId;
                moved.TrackingNumber = input.TrackingNumber;
                return new OrderShippedEvent(
                    input.OrderId, input.ShipmentId, input.TrackingNumber, clock.GetUtcNow(), paid?.Currency, paid?.Amount, paid?.RefundedAmount, paid?.Remaining);
            });
        });
    }

    [Activity(ActivityNames.MarkOrderFailed)]
    public Task MarkOrderFailedAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return MoveAsync(change.OrderId, OrderStatus.Failed, change.Reason, Exchanges.OrderFailed, _ =>
            new OrderFailedEvent(change.OrderId, change.Reason, clock.GetUtcNow()));
    }

    [Activity(ActivityNames.MarkOrderCancelled)]
    public Task MarkOrderCancelledAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return MoveAsync(change.OrderId, OrderStatus.Cancelled, async (unit, order) =>
        {
            // The saga refunds before this step: what the payment shows refunded is what the customer got back.
            var paid = await unit.Oms.FindPaymentAsync(change.OrderId) is { Amount: not null } payment ? payment : null;
            return await unit.MoveAsync(order, OrderStatus.Cancelled, change.Reason, Exchanges.OrderCancelled, _ =>
                new OrderCancelledEvent(change.OrderId, change.Reason, clock.GetUtcNow(), paid?.Currency, paid?.RefundedAmount));
        });
    }

    [Activity(ActivityNames.MarkOrderAwaitingPayment)]
    public Task MarkOrderAwaitingPaymentAsync(OrderRef order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return MoveAsync(order.OrderId, OrderStatus.AwaitingPayment);
    }

    [Activity(ActivityNames.MarkOrderPaid)]
    public Task MarkOrderPaidAsync(MarkOrderPaidInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MoveAsync(input.OrderId, OrderStatus.Paid);
    }

    [Activity(ActivityNames.MarkOrderCompleted)]
    public Task MarkOrderCompletedAsync(MarkOrderCompletedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MoveAsync(input.OrderId, OrderStatus.Completed, null, Exchanges.OrderCompleted, moved =>
        {
            moved.DeliveredAt = input.DeliveredAt;
            return new OrderCompletedEvent(input.OrderId, input.DeliveredAt, clock.GetUtcNow());
        });
    }

    /// <summary>
    /// Moves the order to <paramref name="target"/> in one unit of work (state and history event). Already
    /// there: nothing happens (a re-run). Any other disallowed move is non-retryable.
    /// </summary>
    private Task MoveAsync(string orderId, OrderStatus target) =>
        MoveAsync(orderId, target, (change, order) => change.MoveAsync(order, target));

    /// <summary>The same, and emits the event <paramref name="announce"/> makes (after <paramref name="target"/> is set) to <paramref name="exchange"/>.</summary>
    private Task MoveAsync<TEvent>(string orderId, OrderStatus target, string? reason, string exchange, Func<OrderRecord, TEvent> announce)
        where TEvent : class =>
        MoveAsync(orderId, target, (change, order) => change.MoveAsync(order, target, reason, exchange, announce));

    private Task MoveAsync(string orderId, OrderStatus target, Func<OrderChange, OrderRecord, Task<OrderMove?>> move) =>
        changes.RunAsync(logger, orderId, async change =>
        {
            if (await move(change, await LockOrderAsync(change, orderId)) is { } moved)
            {
                LogMoved(logger, orderId, moved.From, moved.To);
            }
            else
            {
                LogAlready(logger, orderId, target);
            }
        });

    private static async Task<OrderRecord> LockOrderAsync(OrderChange change, string orderId) =>
        await change.Oms.LockOrderAsync(orderId) ?? throw ActivityFailures.UnknownOrder(orderId);

    private static List<SkuLine> ToLines(IEnumerable<LineItem> lines) => lines.Select(l => new SkuLine(l.Sku, l.Quantity, l.UnitPrice)).ToList();

    /// <summary>The order's total (domain arithmetic, in minor units); null for an unpriced order.</summary>
    private static decimal? TotalOf(ValidatedOrder order)
    {
        if (Currencies.Find(order.Currency) is not { } currency)
        {
            return null;
        }

        return OrderPricing.Total(currency, OrderPricing.Lines(currency, order.Lines.Select(l => (l.Sku, l.Quantity, l.UnitPrice ?? 0m)))).Amount;
    }

    private static OrderRef SameRequestOrThrow(OrderRecord existing, ValidatedOrder order) =>
        existing.RequestId == order.RequestId
            ? new OrderRef(existing.OrderId)
            : throw ActivityFailures.IllegalTransition(
                $"Order {order.OrderId} already exists for request {existing.RequestId}; request {order.RequestId} cannot create it again.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order request {RequestId} is invalid ({ReasonCount} reasons): {Reasons}")]
    private static partial void LogInvalid(ILogger logger, string requestId, int reasonCount, string reasons);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} of request {RequestId} is valid")]
    private static partial void LogValid(ILogger logger, string orderId, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} created for request {RequestId}")]
    private static partial void LogCreated(ILogger logger, string orderId, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order request {RequestId} rejected: {Reasons}")]
    private static partial void LogRejected(ILogger logger, string requestId, string reasons);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} moved from {FromStatus} to {ToStatus}")]
    private static partial void LogMoved(ILogger logger, string orderId, OrderStatus fromStatus, OrderStatus toStatus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} is already {Status}; nothing to do")]
    private static partial void LogAlready(ILogger logger, string orderId, OrderStatus status);
}
