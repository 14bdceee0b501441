using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Payments;

/// <summary>
/// Payment capture and refund over oms.payments (one row per order: the idempotency guard) and the
/// provider. A provider outage surfaces as a retryable failure; the workflow's policy bounds the retries.
/// </summary>
public sealed partial class PaymentActivities(IOrderChanges changes, IPaymentProvider provider, TimeProvider clock, ILogger<PaymentActivities> logger)
    : IPaymentActivities
{
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

        string reference;
        try
        {
            // The order ID is the idempotency key: a retry after a lost answer captures nothing twice.
            reference = await provider.CaptureAsync(input.OrderId, input.CustomerId, attempt.CancellationToken);
        }
        catch (PaymentProviderUnavailableException ex)
        {
            LogProviderFailed(logger, input.OrderId, attempt.Run.Attempt, ex.Message);
            throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
        }

        await attempt.ChangeAsync(changes, async change =>
        {
            if (await change.Oms.TryAddCapturedPaymentAsync(input.OrderId, reference, input.ApprovedBy, clock.GetUtcNow()))
            {
                await change.RecordAsync(new PaymentCaptured(reference, input.ApprovedBy));
            }
        });
        LogCaptured(logger, input.OrderId, reference, input.ApprovedBy);
        return new PaymentResult(input.OrderId, reference);
    }

    [Activity(ActivityNames.RefundPayment)]
    public Task RefundPaymentAsync(OrderStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return changes.RunAsync(logger, change.OrderId, async unit =>
        {
            var payment = await unit.Oms.LockPaymentAsync(change.OrderId);
            if (payment is not { Status: PaymentStatus.Captured })
            {
                LogNothingToRefund(logger, change.OrderId);
                return;
            }

            try
            {
                await provider.RefundAsync(payment.ProviderReference, unit.CancellationToken);
            }
            catch (PaymentProviderUnavailableException ex)
            {
                throw new ApplicationFailureException(ex.Message, "PaymentProviderUnavailable");
            }

            payment.Status = PaymentStatus.Refunded;
            payment.RefundedAt = clock.GetUtcNow();
            payment.RefundReason = change.Reason;
            await unit.RecordAsync(new PaymentRefunded(payment.ProviderReference, change.Reason));
            LogRefunded(logger, change.OrderId, payment.ProviderReference, change.Reason);
        });
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
