using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Temporalio.Exceptions;
using Temporalio.Testing;
using WarehouseOms.Activities.Payments;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

/// <summary>Payment capture and refund over oms.payments, with a fake provider that counts calls and fails on demand.</summary>
public sealed class PaymentActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string ProviderUnavailable = "PaymentProviderUnavailable";

    /// <summary>One attempt, as the worker runs it: a fresh scope (DbContext) and the activity context of <paramref name="call"/>.</summary>
    private Task<T> RunAsync<T>(ActivityCall call, IPaymentProvider provider, Func<PaymentActivities, Task<T>> activity) =>
        db.RunAsync(call, services => ActivatorUtilities.CreateInstance<PaymentActivities>(services, provider), activity);

    private Task CaptureAsync(ActivityCall call, IPaymentProvider provider, string orderId) =>
        RunAsync(call, provider, a => a.ProcessPaymentAsync(new ProcessPaymentInput(orderId, "cust-7", "approver@example.com")));

    private Task RefundAsync(ActivityCall call, IPaymentProvider provider, string orderId, string reason) =>
        RunAsync(call, provider, async a =>
        {
            await a.RefundPaymentAsync(new OrderStatusChange(orderId, reason));
            return true;
        });

    private Task<List<PaymentRecord>> PaymentsAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.Payments.AsNoTracking().Where(p => p.OrderId == orderId).ToListAsync());

    private Task<List<string>> EventTypesAsync(string orderId) =>
        db.QueryAsync(ctx => ctx.OrderEvents.AsNoTracking().Where(e => e.OrderId == orderId).OrderBy(e => e.Version).Select(e => e.EventType).ToListAsync());

    [Fact]
    public async Task ProcessPayment_RunTwice_CapturesOnceWithSameReference()
    {
        var orderId = TestIds.Unique("ord");
        var provider = new FakePaymentProvider();
        var call = ActivityCall.For(orderId, "9");
        var input = new ProcessPaymentInput(orderId, "cust-7", "approver@example.com");

        var first = await RunAsync(call, provider, a => a.ProcessPaymentAsync(input));
        var second = await RunAsync(call.Retry(), provider, a => a.ProcessPaymentAsync(input));

        Assert.Equal(new PaymentResult(orderId, $"REF-{orderId}"), first);
        Assert.Equal(first, second);
        Assert.Equal(1, provider.Captures);
        var payment = Assert.Single(await PaymentsAsync(orderId));
        Assert.Equal(PaymentStatus.Captured, payment.Status);
        Assert.Equal(first.ProviderReference, payment.ProviderReference);
        Assert.Equal("approver@example.com", payment.ApprovedBy);
        Assert.Null(payment.RefundedAt);
        Assert.Equal([OrderEventTypes.PaymentCaptured], await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task ProcessPayment_ProviderUnavailable_RetryableFailureAndNoPayment()
    {
        var orderId = TestIds.Unique("ord");
        var provider = new FakePaymentProvider { FailCaptures = true };
        var call = ActivityCall.For(orderId, "9");

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() => CaptureAsync(call, provider, orderId));

        Assert.Equal(ProviderUnavailable, error.ErrorType);
        Assert.False(error.NonRetryable);
        Assert.Empty(await PaymentsAsync(orderId));
        Assert.Empty(await EventTypesAsync(orderId));

        // The provider recovers: Temporal's next attempt captures.
        provider.FailCaptures = false;
        await CaptureAsync(call.Retry(), provider, orderId);

        Assert.Equal(2, provider.Captures);
        Assert.Equal(PaymentStatus.Captured, Assert.Single(await PaymentsAsync(orderId)).Status);
        Assert.Equal([OrderEventTypes.PaymentCaptured], await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task RefundPayment_Captured_RefundedWithReasonOnce()
    {
        var orderId = TestIds.Unique("ord");
        var provider = new FakePaymentProvider();
        await CaptureAsync(ActivityCall.For(orderId, "9"), provider, orderId);
        var refund = ActivityCall.For(orderId, "14");

        await RefundAsync(refund, provider, orderId, "shipment failed");
        await RefundAsync(refund.Retry(), provider, orderId, "shipment failed");
        await RefundAsync(ActivityCall.For(orderId, "15"), provider, orderId, "another reason");

        Assert.Equal([$"REF-{orderId}"], provider.Refunded);
        var payment = Assert.Single(await PaymentsAsync(orderId));
        Assert.Equal(PaymentStatus.Refunded, payment.Status);
        Assert.Equal("shipment failed", payment.RefundReason);
        Assert.NotNull(payment.RefundedAt);
        Assert.Equal([OrderEventTypes.PaymentCaptured, OrderEventTypes.PaymentRefunded], await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task RefundPayment_NoPayment_NoOp()
    {
        var orderId = TestIds.Unique("ord");
        var provider = new FakePaymentProvider();

        await RefundAsync(ActivityCall.For(orderId, "14"), provider, orderId, "cancelled before payment");

        Assert.Empty(provider.Refunded);
        Assert.Empty(await PaymentsAsync(orderId));
        Assert.Empty(await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task RefundPayment_ProviderUnavailable_RetryableAndStillCaptured()
    {
        var orderId = TestIds.Unique("ord");
        var provider = new FakePaymentProvider();
        await CaptureAsync(ActivityCall.For(orderId, "9"), provider, orderId);
        provider.FailRefunds = true;

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() => RefundAsync(ActivityCall.For(orderId, "14"), provider, orderId, "shipment failed"));

        Assert.Equal(ProviderUnavailable, error.ErrorType);
        Assert.False(error.NonRetryable);
        var payment = Assert.Single(await PaymentsAsync(orderId));
        Assert.Equal(PaymentStatus.Captured, payment.Status);
        Assert.Null(payment.RefundReason);
        Assert.Equal([OrderEventTypes.PaymentCaptured], await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task ProcessPayment_AfterRefund_NonRetryableIllegalTransition()
    {
        var orderId = TestIds.Unique("ord");
        var provider = new FakePaymentProvider();
        await CaptureAsync(ActivityCall.For(orderId, "9"), provider, orderId);
        await RefundAsync(ActivityCall.For(orderId, "14"), provider, orderId, "cancelled");

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() => CaptureAsync(ActivityCall.For(orderId, "20"), provider, orderId));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Equal(1, provider.Captures);
        Assert.Equal(PaymentStatus.Refunded, Assert.Single(await PaymentsAsync(orderId)).Status);
        Assert.Equal([OrderEventTypes.PaymentCaptured, OrderEventTypes.PaymentRefunded], await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task SimulatedPaymentProvider_FailureRateZeroAndOne_NeverAndAlwaysFail_SameKeySameReference()
    {
        var reliable = new SimulatedPaymentProvider(Options.Create(new PaymentProviderOptions { FailureRate = 0 }));
        var broken = new SimulatedPaymentProvider(Options.Create(new PaymentProviderOptions { FailureRate = 1 }));

        var references = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            references.Add(await reliable.CaptureAsync("ord-1", "cust-1", null, CancellationToken.None));
            await reliable.RefundAsync(references[^1], "ord-1-refund", null, CancellationToken.None);
        }

        var reference = Assert.Single(references.Distinct());
        Assert.StartsWith("PAY-", reference, StringComparison.Ordinal);
        Assert.True(reference.Length <= 64, "provider_reference is varchar(64)");
        Assert.Equal(reference, await reliable.CaptureAsync("ord-1", "another customer", null, CancellationToken.None));
        Assert.NotEqual(reference, await reliable.CaptureAsync("ord-2", "cust-1", null, CancellationToken.None));

        for (var i = 0; i < 50; i++)
        {
            await Assert.ThrowsAsync<PaymentProviderUnavailableException>(() => broken.CaptureAsync("ord-1", "cust-1", null, CancellationToken.None));
            await Assert.ThrowsAsync<PaymentProviderUnavailableException>(() => broken.RefundAsync(reference, "ord-1-refund", null, CancellationToken.None));
        }
    }
}
