using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Payments;

/// <summary>
/// Payment capture and refund over oms.payments (one row per order: the idempotency guard) and the
/// provider. A provider outage surfaces as a retryable failure; the workflow's policy bounds the retries.
/// </summary>
public sealed partial class PaymentActivities(WarehouseOmsDbContext db, IPaymentProvider provider, IOrderHistory history, TimeProvider clock, ILogger<PaymentActivities> logger)
    : IPaymentActivities
{
    [Activity(ActivityNames.ProcessPayment)]
    public async Task<PaymentResult> ProcessPaymentAsync(ProcessPaymentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        if (await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.OrderId == input.OrderId, cancellationToken) is { } existing)
        {
            return existing.Status == PaymentStatus.Captured
                ? new PaymentResult(input.OrderId, existing.ProviderReference)
                : throw ActivityFailures.IllegalTransition($"The payment of order {input.OrderId} was refunded; it cannot be captured again.");
        }

        string reference;
        try
        {
            // The order ID is the idempotency key: a retry after a lost answer captures nothing twice.
            reference = await provider.CaptureAsync(input.OrderId, input.CustomerId, cancellationToken);
        }
        catch (PaymentProviderUnavailableException ex)
        {
            LogProviderFailed(logger, input.OrderId, run.Attempt, ex.Message);
            throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.payments (order_id, status, provider_reference, approved_by, captured_at)
            VALUES ({input.OrderId}, 'CAPTURED', {reference}, {input.ApprovedBy}, {clock.GetUtcNow()})
            ON CONFLICT (order_id) DO NOTHING
            """,
            cancellationToken);
        if (inserted == 1)
        {
            await history.AppendAsync(input.OrderId, OrderEventTypes.PaymentCaptured, new PaymentCapturedPayload(reference, input.ApprovedBy), run.EventContext(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogCaptured(logger, input.OrderId, reference, input.ApprovedBy);
        return new PaymentResult(input.OrderId, reference);
    }

    [Activity(ActivityNames.RefundPayment)]
    public async Task RefundPaymentAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, change.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var payment = await db.Payments
            .FromSql($"SELECT * FROM oms.payments WHERE order_id = {change.OrderId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (payment is not { Status: PaymentStatus.Captured })
        {
            LogNothingToRefund(logger, change.OrderId);
            return;
        }

        try
        {
            await provider.RefundAsync(payment.ProviderReference, cancellationToken);
        }
        catch (PaymentProviderUnavailableException ex)
        {
            throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
        }

        payment.Status = PaymentStatus.Refunded;
        payment.RefundedAt = clock.GetUtcNow();
        payment.RefundReason = change.Reason;
        await db.SaveChangesAsync(cancellationToken);
        await history.AppendAsync(change.OrderId, OrderEventTypes.PaymentRefunded, new PaymentRefundedPayload(payment.ProviderReference, change.Reason), run.EventContext(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRefunded(logger, change.OrderId, payment.ProviderReference, change.Reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: payment provider failed on attempt {Attempt}: {Reason}")]
    private static partial void LogProviderFailed(ILogger logger, string orderId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: payment {ProviderReference} captured (approved by {ApprovedBy})")]
    private static partial void LogCaptured(ILogger logger, string orderId, string providerReference, string approvedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: no captured payment; nothing to refund")]
    private static partial void LogNothingToRefund(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: payment {ProviderReference} refunded ({Reason})")]
    private static partial void LogRefunded(ILogger logger, string orderId, string providerReference, string reason);
}
