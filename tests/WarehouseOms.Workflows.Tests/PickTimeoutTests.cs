using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>
/// The default timeouts (four hours for the pick, fifteen minutes for payment approval, thirty days for
/// the delivery) on the time-skipping server: no test waits for them.
/// </summary>
[Collection(TimeSkippingCollection.Name)]
public sealed class PickTimeoutTests(TimeSkippingServerFixture server) : WorkflowTest(server.Environment)
{
    [Fact]
    public Task RunAsync_NoPickWithinDefaultFourHours_ReleasesInventoryAndFails() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());

        // GetResultAsync unlocks time skipping: the 4 h timer fires as soon as the workflow is idle.
        var result = await handle.GetResultAsync();

        Assert.Equal("FAILED", result.Status);
        Assert.Equal($"No PickCompleted within {FulfillmentOptions.DefaultPickTimeout}", result.Reason);
        Assert.Equal(
            [.. HappyPath.Take(UpToPickWave), ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderFailed],
            Path());
        var release = Assert.IsType<ReleaseInventoryInput>(Stubs.LastInput[ActivityNames.ReleaseInventory]);
        Assert.Equal(OrderId, release.OrderId);
    });

    [Fact]
    public Task RunAsync_PickJustBeforeTimeout_Ships() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        // Three hours and fifty-nine minutes of warehouse time pass, then the pick arrives.
        await Environment.DelayAsync(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(1));
        await SignalPickAsync(handle, "pick-1");
        await SignalPackAsync(handle, "pack-1");
        await SignalDeliveredAsync(handle, "delivered-1");

        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
    });

    [Fact]
    public Task RunAsync_NoApprovalWithinDefaultFifteenMinutes_CancelsAndReleases() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment(new FulfillmentOptions(Payment: new PaymentOptions())));

        var result = await handle.GetResultAsync();

        Assert.Equal("CANCELLED", result.Status);
        Assert.Equal($"Payment not approved within {PaymentOptions.DefaultApprovalTimeout}", result.Reason);
        Assert.Equal(
            [
                ActivityNames.AllocateInventory, ActivityNames.MarkOrderReserved, ActivityNames.MarkOrderAwaitingPayment,
                ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice,
            ],
            Path());
    });

    [Fact]
    public Task RunAsync_NoDeliveryReportWithinThirtyDays_EndsShipped() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPickAsync(handle, "pick-1");
        await SignalPackAsync(handle, "pack-1");

        var result = await handle.GetResultAsync();

        Assert.Equal("SHIPPED", result.Status);
        Assert.Equal(HappyPath.SkipLast(1), Path());
        Assert.Equal("Completed", await handle.QueryAsync(wf => wf.CurrentStep));
    });
}
