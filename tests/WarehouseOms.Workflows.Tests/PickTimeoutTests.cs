using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>The default four-hour pick timeout, on the time-skipping server: no test waits four hours.</summary>
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
            [
                ActivityNames.AllocateInventory, ActivityNames.MarkOrderReserved, ActivityNames.CreatePickWave,
                ActivityNames.ReleaseInventory, ActivityNames.MarkOrderFailed,
            ],
            Stubs.Calls);
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

        Assert.Equal("SHIPPED", (await handle.GetResultAsync()).Status);
    });
}
