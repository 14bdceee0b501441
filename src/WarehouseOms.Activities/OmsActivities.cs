using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>OMS activities over oms.* and the outbox. Each is idempotent: a re-run changes and emits nothing new.</summary>
public sealed partial class OmsActivities(WarehouseOmsDbContext db, IOutbox outbox, IOrderHistory history, TimeProvider clock, ILogger<OmsActivities> logger)
    : IOmsActivities
{
    [Activity(ActivityNames.ValidateOrder)]
    public Task<ValidatedOrder> ValidateOrderAsync(OrderIntakeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var submitted = input.Submitted;
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, submitted?.OrderId ?? string.Empty);

        if (submitted is null)
        {
            throw ActivityFailures.InvalidOrder(["The submitted order is missing."]);
        }

        // The domain validator normalises too (trims, upper-cases the country, merges lines of one SKU).
        var checkResult = OrderValidator.Check(new OrderDraft(
            submitted.RequestId,
            submitted.OrderId,
            submitted.CustomerId,
            submitted.Lines?.Select(l => l is null ? null : new OrderDraftLine(l.Sku, l.Quantity)).ToList(),
            submitted.ShipTo is { } s ? new OrderDraftAddress(s.Name, s.Line1, s.City, s.PostalCode, s.Country) : null));
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
            valid.Lines.Select(l => new LineItem(l.Sku, l.Quantity)).ToList(),
            new Address(valid.ShipTo.Name, valid.ShipTo.Line1, valid.ShipTo.City, valid.ShipTo.PostalCode, valid.ShipTo.Country));
        LogValid(logger, order.OrderId, order.RequestId);
        return Task.FromResult(order);
    }

    [Activity(ActivityNames.CreateOrder)]
    public async Task<OrderRef> CreateOrderAsync(ValidatedOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, order.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        var existing = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.OrderId == order.OrderId, cancellationToken);
        if (existing is not null)
        {
            return SameRequestOrThrow(existing, order);
        }

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Orders.Add(new OrderRecord
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
            CreatedAt = now,
            UpdatedAt = now,
            Lines = order.Lines.Select((l, i) => new OrderLineRecord { OrderId = order.OrderId, LineNumber = i + 1, Sku = l.Sku, Quantity = l.Quantity }).ToList(),
        });

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent attempt (or another request with the same order ID) won the insert.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var winner = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.OrderId == order.OrderId, cancellationToken);
            if (winner is null)
            {
                throw ActivityFailures.IllegalTransition($"Request {order.RequestId} already created a different order.");
            }

            return SameRequestOrThrow(winner, order);
        }

        await history.AppendAsync(order.OrderId, OrderEventTypes.OrderCreated, OrderCreatedPayload.Of(order), run.EventContext(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCreated(logger, order.OrderId, order.RequestId);
        return new OrderRef(order.OrderId);
    }

    [Activity(ActivityNames.EmitOrderEvent)]
    public async Task EmitOrderEventAsync(ValidatedOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, order.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var record = await LockOrderAsync(order.OrderId, cancellationToken);
        if (record.CreatedEventMessageId is not null)
        {
            return;
        }

        var messageId = run.MessageIdFor(Exchanges.OrderCreated);
        await outbox.AddAsync(
            Exchanges.OrderCreated,
            new OrderCreatedEvent(order.OrderId, order.RequestId, order.CustomerId, order.Lines.Select(l => new ShippedLine(l.Sku, l.Quantity)).ToList(), clock.GetUtcNow()),
            messageId,
            run.Headers(order.OrderId),
            cancellationToken);
        record.CreatedEventMessageId = messageId;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogEmitted(logger, Exchanges.OrderCreated, order.OrderId, messageId);
    }

    [Activity(ActivityNames.RejectOrder)]
    public async Task RejectOrderAsync(RejectOrderInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId ?? string.Empty);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var reasons = input.Reasons.ToList();
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.order_rejections (request_id, order_id, reasons, rejected_at)
            VALUES ({input.RequestId}, {input.OrderId}, {reasons}, {now})
            ON CONFLICT (request_id) DO NOTHING
            """,
            cancellationToken);
        if (inserted == 0)
        {
            return;
        }

        var messageId = run.MessageIdFor(Exchanges.OrderRejected);
        await outbox.AddAsync(
            Exchanges.OrderRejected,
            new OrderRejectedEvent(input.OrderId, input.RequestId, reasons, now),
            messageId,
            run.Headers(input.OrderId ?? string.Empty),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRejected(logger, input.RequestId, string.Join("; ", reasons));
    }

    [Activity(ActivityNames.MarkOrderReserved)]
    public Task MarkOrderReservedAsync(OrderRef order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return MoveAsync(order.OrderId, OrderStatus.Reserved, null, _ => null);
    }

    [Activity(ActivityNames.MarkOrderShipped)]
    public Task MarkOrderShippedAsync(MarkOrderShippedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MoveAsync(input.OrderId, OrderStatus.Shipped, null, record =>
        {
            record.ShipmentId = input.ShipmentId;
            record.TrackingNumber = input.TrackingNumber;
            return (Exchanges.OrderShipped, new OrderShippedEvent(input.OrderId, input.ShipmentId, input.TrackingNumber, clock.GetUtcNow()));
        });
    }

    [Activity(ActivityNames.MarkOrderFailed)]
    public Task MarkOrderFailedAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return MoveAsync(change.OrderId, OrderStatus.Failed, change.Reason, _ =>
            (Exchanges.OrderFailed, new OrderFailedEvent(change.OrderId, change.Reason, clock.GetUtcNow())));
    }

    [Activity(ActivityNames.MarkOrderCancelled)]
    public Task MarkOrderCancelledAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return MoveAsync(change.OrderId, OrderStatus.Cancelled, change.Reason, _ =>
            (Exchanges.OrderCancelled, new OrderCancelledEvent(change.OrderId, change.Reason, clock.GetUtcNow())));
    }

    [Activity(ActivityNames.MarkOrderAwaitingPayment)]
    public Task MarkOrderAwaitingPaymentAsync(OrderRef order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return MoveAsync(order.OrderId, OrderStatus.AwaitingPayment, null, _ => null);
    }

    [Activity(ActivityNames.MarkOrderPaid)]
    public Task MarkOrderPaidAsync(MarkOrderPaidInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MoveAsync(input.OrderId, OrderStatus.Paid, null, _ => null);
    }

    [Activity(ActivityNames.MarkOrderCompleted)]
    public Task MarkOrderCompletedAsync(MarkOrderCompletedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MoveAsync(input.OrderId, OrderStatus.Completed, null, record =>
        {
            record.DeliveredAt = input.DeliveredAt;
            return (Exchanges.OrderCompleted, new OrderCompletedEvent(input.OrderId, input.DeliveredAt, clock.GetUtcNow()));
        });
    }

    /// <summary>
    /// Moves the order to <paramref name="target"/> and writes its event in one transaction. Already in
    /// <paramref name="target"/>: nothing happens (a re-run). Any other disallowed move is non-retryable.
    /// </summary>
    private async Task MoveAsync(string orderId, OrderStatus target, string? reason, Func<OrderRecord, (string Exchange, object Event)?> apply)
    {
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, orderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var record = await LockOrderAsync(orderId, cancellationToken);
        if (record.Status == target)
        {
            LogAlready(logger, orderId, target);
            return;
        }

        if (!OrderStatusRules.CanMove(record.Status, target))
        {
            throw ActivityFailures.IllegalTransition($"Order {orderId} is {record.Status}; it cannot become {target}.");
        }

        var from = record.Status;
        record.Status = target;
        record.StatusReason = reason ?? record.StatusReason;
        record.UpdatedAt = clock.GetUtcNow();
        var outbound = apply(record);
        await db.SaveChangesAsync(cancellationToken);
        if (outbound is var (exchange, @event))
        {
            var messageId = run.MessageIdFor(exchange);
            await outbox.AddAsync(exchange, @event, messageId, run.Headers(orderId), cancellationToken);
            LogEmitted(logger, exchange, orderId, messageId);
        }

        await history.AppendAsync(orderId, OrderEventTypes.ForStatus(target), OrderStatusChangedPayload.Of(from, record, reason), run.EventContext(outbound?.Exchange is { } sent ? run.MessageIdFor(sent) : null), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogMoved(logger, orderId, from, target);
    }

    private async Task<OrderRecord> LockOrderAsync(string orderId, CancellationToken cancellationToken) =>
        await db.Orders.FromSql($"SELECT * FROM oms.orders WHERE order_id = {orderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
        ?? throw ActivityFailures.UnknownOrder(orderId);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {Exchange} for order {OrderId} written to the outbox as {MessageId}")]
    private static partial void LogEmitted(ILogger logger, string exchange, string orderId, Guid messageId);
}
