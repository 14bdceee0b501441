using Temporalio.Client;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>
/// Every way an order fails or is cancelled after its payment may have been captured refunds it, and after
/// stock was reserved releases it (ADR 0017), on the embedded engine with the real SDK.
/// </summary>
[Collection(FulfillmentCollection.Name)]
public sealed class SagaCompletenessTests(LocalServerFixture server) : WorkflowTest(server.Environment)
{
    [Fact]
    public Task RunAsync_PaymentAttemptsRunOut_RefundsInCaseAnAttemptCapturedThenReleases() => RunWithWorkerAsync(async () =>
    {
        // An attempt may capture and lose its answer (the worker restarted, the attempt timed out): the
        // workflow cannot tell, so it refunds; the refund is a no-op when nothing was captured.
        Stubs.FailPayment(10);
        var options = new FulfillmentOptions(Payment: new PaymentOptions(AutoApprove: true, MaxPaymentAttempts: 2));
        var handle = await StartFulfillmentAsync(Fulfillment(options));

        var result = await handle.GetResultAsync();

        Assert.Equal("FAILED", result.Status);
        Assert.Equal(2, Stubs.CountOf(ActivityNames.ProcessPayment));
        Assert.Equal(
            [ActivityNames.ProcessPayment, ActivityNames.ProcessPayment, ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderFailed],
            Path().Skip(3));
    });

    [Fact]
    public Task RunAsync_FailureAfterCapture_RefundsAndReleases() => RunWithWorkerAsync(async () =>
    {
        Stubs.RefusedForGood.Add(ActivityNames.MarkOrderPaid);
        var handle = await StartFulfillmentAsync(Fulfillment());

        // Unexpected failures fail the workflow (for an operator to see) after compensating.
        var failure = await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => handle.GetResultAsync());

        Assert.IsType<Temporalio.Exceptions.ActivityFailureException>(failure.InnerException);
        Assert.Equal(
            [ActivityNames.ProcessPayment, ActivityNames.MarkOrderPaid, ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderFailed],
            Path().Skip(3));
    });

    [Fact]
    public Task RunAsync_RefundRefusedForGood_StockStillReleasedAndOrderCancelled() => RunWithWorkerAsync(async () =>
    {
        Stubs.RefusedForGood.Add(ActivityNames.RefundPayment);
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalCancelAsync(handle, "cancel-1", "customer cancelled");
        var result = await handle.GetResultAsync();

        Assert.Equal(("CANCELLED", "customer cancelled"), (result.Status, result.Reason));
        Assert.Equal(
            [ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice],
            Path().Skip(UpToPickWave));
    });

    [Fact]
    public Task RunAsync_WorkflowCancelledThroughTemporalAfterPayment_RefundsReleasesAndCancels() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await handle.CancelAsync();
        var result = await handle.GetResultAsync();

        Assert.Equal("CANCELLED", result.Status);
        Assert.Equal(
            [ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice],
            Path().Skip(UpToPickWave));
        var refund = Assert.IsType<OrderStatusChange>(Stubs.LastInput[ActivityNames.RefundPayment]);
        Assert.Equal(OrderId, refund.OrderId);
    });

    [Fact]
    public Task RunAsync_WorkflowCancelledThroughTemporalWhileAwaitingApproval_ReleasesWithoutPayment() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment(new FulfillmentOptions(Payment: new PaymentOptions(AutoApprove: false))));
        await WaitForStepAsync(handle, "AwaitPaymentApproval");

        await handle.CancelAsync();
        var result = await handle.GetResultAsync();

        Assert.Equal("CANCELLED", result.Status);
        Assert.Equal(0, Stubs.CountOf(ActivityNames.ProcessPayment));
        Assert.Equal(
            [ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice],
            Path().Skip(3));
    });
}
