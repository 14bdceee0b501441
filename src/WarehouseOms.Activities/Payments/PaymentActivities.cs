using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Domain.Pricing;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Payments;

/// <summary>
/// Payment capture and refunds over oms.payments (one row per order: the idempotency guard) and the
/// provider. A provider outage surfaces as a retryable failure; the workflow's policy bounds the retries.
/// Amounts are the domain's <see cref="Money"/> (minor units); unpriced orders have none.
/// </summary>
public sealed partial class PaymentActivities(IOrderChanges changes, IPaymentProvider provider, TimeProvider clock, ILogger<PaymentActivities> logger)
    : IPaymentActivities
{
    private readonly PaymentRefunds refunds = new(provider, clock);

    [Activity(ActivityNames.ProcessPayment)]
    public async Task<PaymentResult> ProcessPaymentAsync(ProcessPaymentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var attempt = ActivityAttempt.Begin(logger, ChangeSubject.Order(input.OrderId));
        if (await changes.Read(attempt.CancellationToken).Oms.FindPaymentAsync(input.OrderId) is { } existing)
        {
            return existing.Status == PaymentStatus.Captured
                ? new PaymentResult(input.OrderId, existing.ProviderReference)
                : throw ActivityFailures.IllegalTransition($"The payment of order {input.OrderId} was refunded; it cannot be captured again.");
        }

        var amount = AmountOf(input.Amount, input.Currency);
        string reference;
        try
        {
            // The order ID is the idempotency key: a retry after a lost answer captures nothing twice.
            reference = await provider.CaptureAsync(input.OrderId, input.CustomerId, ToProvider(amount), attempt.CancellationToken);
        }
        catch (PaymentProviderUnavailableException ex)
        {
            LogProviderFailed(logger, input.OrderId, attempt.Run.Attempt, ex.Message);
            throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
        }

        await attempt.ChangeAsync(changes, async change =>
        {
            if (await change.Oms.TryAddCapturedPaymentAsync(input.OrderId, reference, input.ApprovedBy, clock.GetUtcNow(), amount?.Amount, amount?.Currency.Code))
            {
                await change.RecordAsync(new PaymentCaptured(reference, input.ApprovedBy, amount?.Amount, amount?.Currency.Code));
            }
        });
        LogCaptured(logger, input.OrderId, reference, input.ApprovedBy, amount?.ToString() ?? "the order as a whole");
        return new PaymentResult(input.OrderId, reference);
    }

    /// <summary>Refunds what is still captured (all of it, less any short-pick refunds).</summary>
    [Activity(ActivityNames.RefundPayment)]
    public Task RefundPaymentAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return changes.RunAsync(logger, change.OrderId, async unit =>
        {
            RefundedPayment? refunded;
            try
            {
                refunded = await refunds.RefundRemainingAsync(unit, change.OrderId, change.Reason);
            }
            catch (PaymentProviderUnavailableException ex)
            {
                throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
            }

            if (refunded is null)
            {
                LogNothingToRefund(logger, change.OrderId);
                return;
            }

            LogRefunded(logger, change.OrderId, refunded.ProviderReference, refunded.Amount, change.Reason);
        });
    }

    /// <summary>
    /// One transaction per order (guarded by oms.orders.shorted_event_message_id): the missing units leave
    /// the reservation (ims.inventory-released), the order lines they leave unfilled are refunded (domain
    /// <see cref="ShortPickRefund"/>; priced and paid orders only) and oms.order-line-shorted goes out.
    /// </summary>
    [Activity(ActivityNames.ShortOrderLines)]
    public Task<ShortOrderLinesResult> ShortOrderLinesAsync(ShortOrderLinesInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId, async unit =>
        {
            var order = await unit.Oms.LockOrderAsync(input.OrderId) ?? throw ActivityFailures.UnknownOrder(input.OrderId);
            var payment = await unit.Oms.LockPaymentAsync(input.OrderId);
            if (order.ShortedEventMessageId is not null)
            {
                LogAlreadyShorted(logger, input.OrderId);
                return new ShortOrderLinesResult(input.OrderId, payment?.Amount is null ? null : payment.RefundedAmount, payment?.Currency);
            }

            var shorted = input.Shorted.Select(s => new ShortedLine(s.Sku, s.Reserved, s.Picked)).ToList();
            var unreserve = await ReleaseShortedAsync(unit, input.OrderId, shorted, input.Reason);

            var refundedLines = await RefundLinesAsync(unit, order, shorted);
            var refund = refundedLines.Count == 0 ? null : (Money?)refundedLines.Select(l => l.Refund).Aggregate((a, b) => a.Plus(b));
            if (payment is { Status: PaymentStatus.Captured, Amount: not null } && refund is { MinorUnits: > 0 } amount)
            {
                await RefundAsync(payment, $"{input.OrderId}-short", amount, unit.CancellationToken);
                payment.RefundedAmount += amount.Amount;
                await unit.RecordAsync(new PaymentRefunded(payment.ProviderReference, input.Reason, amount.Amount, amount.Currency.Code));
            }
            else
            {
                refund = null;
            }

            var emitted = await unit.EmitAsync(
                Exchanges.OrderLineShorted,
                new OrderLineShortedEvent(
                    input.OrderId,
                    [.. shorted.Select(s => new ShortedSkuLine(s.Sku, s.Reserved, s.Picked, s.Shorted))],
                    [.. refundedLines.Select(l => new RefundedLine(l.Sku, l.Ordered, l.Unfilled, refund is null ? 0m : l.Refund.Amount))],
                    clock.GetUtcNow(),
                    refund?.Currency.Code,
                    refund?.Amount));
            order.ShortedEventMessageId = emitted;
            // The shared stock rows last (after the provider's refund): locked from here to the commit only.
            await unit.Ims.UnreserveAsync(unreserve, clock.GetUtcNow());
            LogShorted(logger, input.OrderId, input.Reason, refund?.ToString() ?? "nothing");
            return new ShortOrderLinesResult(input.OrderId, refund?.Amount, refund?.Currency.Code);
        });
    }

    /// <summary>
    /// The missing units leave the order's reservation (a SKU nothing was picked of is released whole) and
    /// ims.inventory-released goes out; returns the units for the stock rows, which the caller updates last.
    /// </summary>
    private async Task<IReadOnlyList<SkuQuantity>> ReleaseShortedAsync(OrderChange unit, string orderId, IReadOnlyList<ShortedLine> shorted, string reason)
    {
        var reservations = (await unit.Ims.LockReservationsAsync(orderId)).Where(r => r.State == ReservationState.Reserved).ToDictionary(r => r.Sku, StringComparer.Ordinal);
        var releasing = shorted.Where(s => reservations.ContainsKey(s.Sku)).ToList();
        var now = clock.GetUtcNow();
        var unreserve = new List<SkuQuantity>();
        foreach (var line in releasing)
        {
            var reservation = reservations[line.Sku];
            var released = Math.Min(line.Shorted, reservation.Quantity);
            unreserve.Add(new SkuQuantity(line.Sku, released));
            if (released == reservation.Quantity)
            {
                reservation.State = ReservationState.Released;
            }
            else
            {
                reservation.Quantity -= released;
            }

            reservation.UpdatedAt = now;
        }

        await unit.EmitAsync(
            Exchanges.InventoryReleased,
            new InventoryReleasedEvent(orderId, [.. releasing.Select(s => new SkuLine(s.Sku, s.Shorted))], reason, now));
        return unreserve;
    }

    /// <summary>The order lines the shortage leaves unfilled, priced; empty for an unpriced order.</summary>
    private static async Task<IReadOnlyList<ShortedOrderLine>> RefundLinesAsync(OrderChange unit, OrderRecord order, IReadOnlyList<ShortedLine> shorted)
    {
        if (Currencies.Find(order.Currency) is not { } currency)
        {
            return [];
        }

        var lines = await unit.Oms.LinesAsync(order.OrderId);
        var bom = await unit.Ims.LoadBillOfMaterialsAsync();
        var priced = OrderPricing.Lines(currency, lines.Select(l => (l.Sku, l.Quantity, l.UnitPrice ?? 0m)));
        return ShortPickRefund.For(priced, sku => bom.Expand([new SkuQuantity(sku, 1)]), shorted);
    }

    private async Task RefundAsync(PaymentRecord payment, string idempotencyKey, Money? amount, CancellationToken cancellationToken)
    {
        try
        {
            await provider.RefundAsync(payment.ProviderReference, idempotencyKey, ToProvider(amount), cancellationToken);
        }
        catch (PaymentProviderUnavailableException ex)
        {
            throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
        }
    }

    private static Money? AmountOf(decimal? amount, string? currency) => PaymentRefunds.AmountOf(amount, currency);

    private static PaymentAmount? ToProvider(Money? amount) => PaymentRefunds.ToProvider(amount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: payment provider failed on attempt {Attempt}: {Reason}")]
    private static partial void LogProviderFailed(ILogger logger, string orderId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: payment {ProviderReference} captured (approved by {ApprovedBy}): {Amount}")]
    private static partial void LogCaptured(ILogger logger, string orderId, string providerReference, string approvedBy, string amount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: no captured payment; nothing to refund")]
    private static partial void LogNothingToRefund(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: payment {ProviderReference} refunded {Amount} ({Reason})")]
    private static partial void LogRefunded(ILogger logger, string orderId, string providerReference, string amount, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: short pick already settled; nothing to do")]
    private static partial void LogAlreadyShorted(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} ships short ({Reason}); refunded {Refund}")]
    private static partial void LogShorted(ILogger logger, string orderId, string reason, string refund);
}
