using WarehouseOms.Domain.Pricing;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Activities.Payments;

/// <summary>A refund made: the capture's reference and what was refunded, as text for the log.</summary>
public sealed record RefundedPayment(string ProviderReference, string Amount);

/// <summary>
/// Refunds what is still captured of an order: the RefundPayment compensation and the reconciler (ADR 0030)
/// share it. Guarded by the locked payment row (a refunded payment is not refunded again) and by the
/// provider's idempotency key <c>{orderId}-refund</c>, the same from both, so even two racing callers refund once.
/// </summary>
public sealed class PaymentRefunds(IPaymentProvider provider, TimeProvider clock)
{
    /// <summary>The provider's idempotency key of an order's (final) refund.</summary>
    public static string IdempotencyKey(string orderId) => $"{orderId}-refund";

    /// <summary>Refunds the rest of the order's capture in <paramref name="unit"/>; null when nothing is captured.</summary>
    /// <exception cref="PaymentProviderUnavailableException">The provider failed; nothing was written, try again.</exception>
    public async Task<RefundedPayment?> RefundRemainingAsync(OrderChange unit, string orderId, string reason)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var payment = await unit.Oms.LockPaymentAsync(orderId).ConfigureAwait(false);
        if (payment is not { Status: PaymentStatus.Captured })
        {
            return null;
        }

        var remaining = AmountOf(payment.Remaining, payment.Currency);
        await provider.RefundAsync(payment.ProviderReference, IdempotencyKey(orderId), ToProvider(remaining), unit.CancellationToken).ConfigureAwait(false);
        payment.Status = PaymentStatus.Refunded;
        payment.RefundedAt = clock.GetUtcNow();
        payment.RefundReason = reason;
        payment.RefundedAmount = payment.Amount ?? 0m;
        await unit.RecordAsync(new PaymentRefunded(payment.ProviderReference, reason, remaining?.Amount, payment.Currency)).ConfigureAwait(false);
        return new RefundedPayment(payment.ProviderReference, remaining?.ToString() ?? "the whole payment");
    }

    internal static Money? AmountOf(decimal? amount, string? currency) =>
        amount is { } value && Currencies.Find(currency) is { } known ? Money.Of(value, known) : null;

    internal static PaymentAmount? ToProvider(Money? amount) => amount is { } m ? new PaymentAmount(m.MinorUnits, m.Currency.Code) : null;
}
