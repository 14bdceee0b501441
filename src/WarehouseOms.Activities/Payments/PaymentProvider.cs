using System.ComponentModel.DataAnnotations;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Activities.Payments;

/// <summary>The payment service provider, as the payment activities see it.</summary>
public interface IPaymentProvider
{
    /// <summary>
    /// Captures the payment of an order. <paramref name="idempotencyKey"/> makes a repeated call (an
    /// activity retried after the provider answered but before the answer was stored) capture once and
    /// return the same reference, as real providers' idempotency keys do.
    /// </summary>
    /// <param name="amount">What to capture; null for an unpriced order (authorised as a whole).</param>
    Task<string> CaptureAsync(string idempotencyKey, string customerId, PaymentAmount? amount, CancellationToken cancellationToken);

    /// <summary>Refunds <paramref name="amount"/> of the capture (null: all of it); <paramref name="idempotencyKey"/> makes a repeat refund nothing more.</summary>
    Task RefundAsync(string providerReference, string idempotencyKey, PaymentAmount? amount, CancellationToken cancellationToken);
}

/// <summary>An amount as providers take it: minor units and the ISO 4217 code.</summary>
public sealed record PaymentAmount(long MinorUnits, string Currency);

/// <summary>Thrown for a provider outage or timeout: worth retrying.</summary>
public sealed class PaymentProviderUnavailableException(string message) : Exception(message);

/// <summary>Section <c>Payments</c>: the simulated provider (the workflow's approval settings live there too).</summary>
public sealed class PaymentProviderOptions
{
    public const string SectionName = "Payments";

    /// <summary>Share of provider calls that fail transiently (<c>Payments:FailureRate</c>, 20 % in appsettings.json; ADR 0010).</summary>
    [Range(0.0, 1.0)]
    public double FailureRate { get; set; } = 0.2;
}

/// <summary>
/// Stands in for a real provider (there is none to call here): fails transiently at the configured rate
/// and otherwise answers with a reference derived from the idempotency key.
/// </summary>
public sealed class SimulatedPaymentProvider(Microsoft.Extensions.Options.IOptions<PaymentProviderOptions> options) : IPaymentProvider
{
    private static readonly Guid ReferenceNamespace = new("5b0a4f0e-6f43-4f7b-9d8e-3c1f0b7d2a61");

    public Task<string> CaptureAsync(string idempotencyKey, string customerId, PaymentAmount? amount, CancellationToken cancellationToken)
    {
        FailSometimes("capture");
        var reference = DeterministicGuid.Create(ReferenceNamespace, idempotencyKey).ToString("N")[..20];
        return Task.FromResult($"PAY-{reference.ToUpperInvariant()}");
    }

    public Task RefundAsync(string providerReference, string idempotencyKey, PaymentAmount? amount, CancellationToken cancellationToken)
    {
        FailSometimes("refund");
        return Task.CompletedTask;
    }

    private void FailSometimes(string operation)
    {
#pragma warning disable CA5394 // Simulated outages, not security.
        if (Random.Shared.NextDouble() < options.Value.FailureRate)
#pragma warning restore CA5394
        {
            throw new PaymentProviderUnavailableException($"Payment provider unavailable during {operation} (simulated)");
        }
    }
}
