using WarehouseOms.Activities.Payments;

namespace WarehouseOms.Activities.Tests;

/// <summary>
/// Stands in for the provider's side of the wire: answers with <c>REF-{idempotency key}</c>, counts
/// captures (including failed ones) and records what was captured and refunded.
/// </summary>
internal sealed class FakePaymentProvider : IPaymentProvider
{
    private int _captures;

    public bool FailCaptures { get; set; }

    public bool FailRefunds { get; set; }

    public int Captures => _captures;

    public List<PaymentAmount?> Captured { get; } = [];

    public List<string> Refunded { get; } = [];

    public List<PaymentAmount?> RefundedAmounts { get; } = [];

    public Task<string> CaptureAsync(string idempotencyKey, string customerId, PaymentAmount? amount, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _captures);
        if (FailCaptures)
        {
            throw new PaymentProviderUnavailableException("provider down (test)");
        }

        lock (Captured)
        {
            Captured.Add(amount);
        }

        return Task.FromResult($"REF-{idempotencyKey}");
    }

    public Task RefundAsync(string providerReference, string idempotencyKey, PaymentAmount? amount, CancellationToken cancellationToken)
    {
        if (FailRefunds)
        {
            throw new PaymentProviderUnavailableException("provider down (test)");
        }

        lock (Refunded)
        {
            Refunded.Add(providerReference);
            RefundedAmounts.Add(amount);
        }

        return Task.CompletedTask;
    }
}
