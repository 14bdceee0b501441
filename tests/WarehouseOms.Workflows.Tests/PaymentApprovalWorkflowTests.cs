using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>Payment approval inside fulfillment (ADR 0010): enrichment, approval wait with line additions, payment, notifications, refund.</summary>
[Collection(FulfillmentCollection.Name)]
public sealed class PaymentApprovalWorkflowTests(LocalServerFixture server) : WorkflowTest(server.Environment)
{
    private static readonly FulfillmentOptions ManualApproval = new(Payment: new PaymentOptions(AutoApprove: false));

    [Fact]
    public Task RunAsync_LinesAddedWhileAwaitingApproval_ReservedAndPicked() => RunWithWorkerAsync(async () =>
    {
        Stubs.OutOfStock.Add("SKU-GONE");
        var handle = await StartFulfillmentAsync(Fulfillment(ManualApproval));
        await WaitForStepAsync(handle, "AwaitPaymentApproval");
        Assert.Equal("AWAITING_PAYMENT", await handle.QueryAsync(wf => wf.GetStatus));

        await SignalAddLineAsync(handle, "add-1", "SKU-C", 3);
        await SignalAddLineAsync(handle, "add-1", "SKU-C", 3);
        await SignalAddLineAsync(handle, "add-2", "SKU-GONE", 1);
        await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Snapshot), s => s.RejectedLines!.Count == 1, "line refused");
        await SignalApproveAsync(handle, "approve-1", "admin");
        await WaitForStepAsync(handle, "AwaitPick");

        Assert.Equal(
            [new LineItem("SKU-A", 2), new LineItem("SKU-B", 1), new LineItem("SKU-C", 3)],
            await handle.QueryAsync(wf => wf.Items));
        Assert.Equal(2, Stubs.CountOf(ActivityNames.ReserveAddedLine)); // SKU-C once (its duplicate dropped), SKU-GONE once
        var wave = Assert.IsType<CreatePickWaveInput>(Stubs.LastInput[ActivityNames.CreatePickWave]);
        Assert.Contains(new LineItem("SKU-C", 3), wave.Lines);
        Assert.DoesNotContain(wave.Lines, l => l.Sku == "SKU-GONE");
        var payment = Assert.IsType<ProcessPaymentInput>(Stubs.LastInput[ActivityNames.ProcessPayment]);
        Assert.Equal("admin", payment.ApprovedBy);
        var snapshot = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(("PICKING", "admin"), (snapshot.Status, snapshot.ApprovedBy));
        Assert.Contains("SKU-GONE", Assert.Single(snapshot.RejectedLines!), StringComparison.Ordinal);
        await handle.TerminateAsync("test done");
    });

    [Fact]
    public Task RunAsync_ApprovalBeforeReservation_RememberedAndNoWait() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.AllocateInventory);
        var handle = await StartFulfillmentAsync(Fulfillment(ManualApproval));
        await Stubs.Entered(ActivityNames.AllocateInventory);

        await SignalApproveAsync(handle, "approve-early", "ops");
        Stubs.Open(ActivityNames.AllocateInventory);

        await WaitForStepAsync(handle, "AwaitPick");
        Assert.Equal(HappyPath.Take(UpToPickWave), Path());
        await handle.TerminateAsync("test done");
    });

    [Fact]
    public Task RunAsync_CancelWhileAwaitingApproval_ReleasesWithoutRefundAndNotifies() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment(ManualApproval));
        await WaitForStepAsync(handle, "AwaitPaymentApproval");

        await SignalCancelAsync(handle, "cancel-1", "customer cancelled");
        var result = await handle.GetResultAsync();

        Assert.Equal(("CANCELLED", "customer cancelled"), (result.Status, result.Reason));
        Assert.Equal(
            [
                ActivityNames.AllocateInventory, ActivityNames.MarkOrderReserved, ActivityNames.MarkOrderAwaitingPayment,
                ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice,
            ],
            Path());
        var notice = Assert.IsType<OrderNotification>(Stubs.LastInput[ActivityNames.SendCancellationNotice]);
        Assert.Contains("customer cancelled", notice.Message, StringComparison.Ordinal);
    });

    [Fact]
    public Task RunAsync_ShortApprovalTimeout_Cancels() => RunWithWorkerAsync(async () =>
    {
        var options = new FulfillmentOptions(Payment: new PaymentOptions(ApprovalTimeout: TimeSpan.FromSeconds(1)));
        var handle = await StartFulfillmentAsync(Fulfillment(options));

        var result = await handle.GetResultAsync();

        Assert.Equal(("CANCELLED", "Payment not approved within 00:00:01"), (result.Status, result.Reason));
        Assert.Equal(0, Stubs.CountOf(ActivityNames.ProcessPayment));
        Assert.Equal(1, Stubs.CountOf(ActivityNames.ReleaseInventory));
    });

    [Fact]
    public Task RunAsync_ProviderFailsTwice_RetriedThenPaid() => RunWithWorkerAsync(async () =>
    {
        Stubs.FailPayment(2);
        var handle = await StartFulfillmentAsync(Fulfillment());

        await WaitForStepAsync(handle, "AwaitPick");

        Assert.Equal(3, Stubs.CountOf(ActivityNames.ProcessPayment));
        Assert.Equal(1, Stubs.CountOf(ActivityNames.MarkOrderPaid));
        Assert.Equal($"pay-{OrderId}", (await handle.QueryAsync(wf => wf.Snapshot)).PaymentReference);
        await handle.TerminateAsync("test done");
    });

    [Fact]
    public Task RunAsync_PaymentDeclined_FailsAndReleasesWithoutRefund() => RunWithWorkerAsync(async () =>
    {
        Stubs.DeclinePayment = true;
        var handle = await StartFulfillmentAsync(Fulfillment());

        var result = await handle.GetResultAsync();

        Assert.Equal("FAILED", result.Status);
        Assert.Contains("Card declined", result.Reason, StringComparison.Ordinal);
        Assert.Equal(1, Stubs.CountOf(ActivityNames.ProcessPayment));
        Assert.Equal(
            [ActivityNames.ProcessPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderFailed],
            Path().Skip(3));
    });

    [Fact]
    public Task RunAsync_OptionalLookupsAndConfirmationDown_OrderGoesOn() => RunWithWorkerAsync(async () =>
    {
        Stubs.Broken.Add(ActivityNames.FetchInventorySnapshot);
        Stubs.Broken.Add(ActivityNames.FetchRecommendations);
        Stubs.Broken.Add(ActivityNames.SendOrderConfirmation);
        var handle = await StartFulfillmentAsync(Fulfillment());

        await WaitForStepAsync(handle, "AwaitPick");

        Assert.Equal(3, Stubs.CountOf(ActivityNames.FetchInventorySnapshot));
        Assert.Equal(3, Stubs.CountOf(ActivityNames.SendOrderConfirmation));
        var snapshot = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(("PICKING", "GOLD"), (snapshot.Status, snapshot.CustomerTier));
        await handle.TerminateAsync("test done");
    });

    [Fact]
    public Task RunAsync_LineAddedAfterPayment_RefusedAsTooLate() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalAddLineAsync(handle, "add-late", "SKU-C", 1);
        await SignalPickAsync(handle, "pick-1");
        await WaitForStepAsync(handle, "AwaitPack");

        Assert.Equal(0, Stubs.CountOf(ActivityNames.ReserveAddedLine));
        Assert.DoesNotContain(await handle.QueryAsync(wf => wf.Items), l => l.Sku == "SKU-C");
        await handle.TerminateAsync("test done");
    });
}
