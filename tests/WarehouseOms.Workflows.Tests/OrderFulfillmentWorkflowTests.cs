using Temporalio.Worker;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

[Collection(FulfillmentCollection.Name)]
public sealed class OrderFulfillmentWorkflowTests(LocalServerFixture server) : WorkflowTest(server.Environment)
{

    [Fact]
    public Task RunAsync_PickThenPack_ShipsWithQueriesAtEachStep() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.AllocateInventory);
        var handle = await StartFulfillmentAsync(Fulfillment());

        await Stubs.Entered(ActivityNames.AllocateInventory);
        var allocating = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(("CREATED", "AllocateInventory", null), (allocating.Status, allocating.CurrentStep, allocating.BlockingReason));
        Stubs.Open(ActivityNames.AllocateInventory);

        await WaitForStepAsync(handle, "AwaitPick");
        Assert.Equal("PICKING", await handle.QueryAsync(wf => wf.FulfillmentStatus));
        Assert.Equal($"Waiting for the warehouse to complete picking (pick wave wave-{OrderId})", await handle.QueryAsync(wf => wf.BlockingReason));

        await SignalPickAsync(handle, "pick-1");
        await WaitForStepAsync(handle, "AwaitPack");
        Assert.Equal("PICKED", await handle.QueryAsync(wf => wf.FulfillmentStatus));
        Assert.Contains("packing", await handle.QueryAsync(wf => wf.BlockingReason), StringComparison.Ordinal);

        await SignalPackAsync(handle, "pack-1");
        await WaitForStepAsync(handle, "AwaitDelivery");
        Assert.Equal("SHIPPED", await handle.QueryAsync(wf => wf.GetStatus));
        await SignalDeliveredAsync(handle, "delivered-1");
        var result = await handle.GetResultAsync();

        Assert.Equal(new FulfillmentResult(OrderId, "COMPLETED", null, $"shp-{OrderId}", $"TRK-{OrderId}"), result);
        Assert.Equal(HappyPath, Path());
        Assert.Equal(Enrichment.Order(StringComparer.Ordinal), Stubs.Calls.Take(3).Order(StringComparer.Ordinal));
        var final = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(("COMPLETED", "Completed", null), (final.Status, final.CurrentStep, final.BlockingReason));
        Assert.Equal(("auto-approve", $"pay-{OrderId}", "GOLD"), (final.ApprovedBy, final.PaymentReference, final.CustomerTier));
        var completed = Assert.IsType<MarkOrderCompletedInput>(Stubs.LastInput[ActivityNames.MarkOrderCompleted]);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero), completed.DeliveredAt);
        var confirmation = Assert.IsType<OrderNotification>(Stubs.LastInput[ActivityNames.SendOrderConfirmation]);
        Assert.Equal("GOLD", confirmation.CustomerTier);
        Assert.Equal(["SKU-REC"], confirmation.Recommendations);
        var shipment = Assert.IsType<CreateShipmentInput>(Stubs.LastInput[ActivityNames.CreateShipment]);
        Assert.Equal([new Package("PKG-1", 2.5m)], shipment.Packages);
    });

    [Fact]
    public Task RunAsync_StockBelowReorderPoint_StartsOneReplenishmentPerSku() => RunWithWorkerAsync(async () =>
    {
        var sku = $"LOW-{Guid.NewGuid():N}";
        Stubs.BelowReorderPoint.Add(sku);
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPickAsync(handle, "pick-1");
        await SignalPackAsync(handle, "pack-1");
        await SignalDeliveredAsync(handle, "delivered-1");

        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
        var replenishment = Client.GetWorkflowHandle(WorkflowIds.Replenishment(sku));
        var description = await replenishment.DescribeAsync();
        Assert.Equal("ReplenishmentWorkflow", description.WorkflowType);
        Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running, description.Status);
        await replenishment.TerminateAsync("test done");
    });

    [Fact]
    public Task RunAsync_InsufficientStock_CompletesFailedWithoutReleasing() => RunWithWorkerAsync(async () =>
    {
        Stubs.OutOfStock.Add("SKU-B");
        var handle = await StartFulfillmentAsync(Fulfillment());

        var result = await handle.GetResultAsync();

        Assert.Equal("FAILED", result.Status);
        Assert.Contains("Insufficient stock", result.Reason, StringComparison.Ordinal);
        Assert.Contains("SKU-B", result.Reason, StringComparison.Ordinal);
        Assert.Equal([ActivityNames.AllocateInventory, ActivityNames.MarkOrderFailed], Path());
        Assert.Equal("FAILED", await handle.QueryAsync(wf => wf.FulfillmentStatus));
    });

    [Fact]
    public Task RunAsync_CancelWhilePicking_ReleasesThenMarksCancelled() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalCancelAsync(handle, "cancel-1", "customer changed their mind");
        var result = await handle.GetResultAsync();

        Assert.Equal("CANCELLED", result.Status);
        Assert.Equal("customer changed their mind", result.Reason);
        Assert.Equal(
            [
                .. HappyPath.Take(UpToPickWave),
                ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled,
                ActivityNames.SendCancellationNotice,
            ],
            Path());
        var change = Assert.IsType<OrderStatusChange>(Stubs.LastInput[ActivityNames.MarkOrderCancelled]);
        Assert.Equal(new OrderStatusChange(OrderId, "customer changed their mind"), change);
    });

    [Fact]
    public Task RunAsync_CancelAfterShipmentCreated_CancelsShipmentThenReleasesInReverse() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.GenerateShippingLabel);
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPickAsync(handle, "pick-1");
        await SignalPackAsync(handle, "pack-1");
        await Stubs.Entered(ActivityNames.GenerateShippingLabel);

        await SignalCancelAsync(handle, "cancel-1", "address wrong");
        Stubs.Open(ActivityNames.GenerateShippingLabel);
        var result = await handle.GetResultAsync();

        Assert.Equal("CANCELLED", result.Status);
        Assert.Equal(
            [
                ActivityNames.CreateShipment, ActivityNames.GenerateShippingLabel,
                ActivityNames.CancelShipment, ActivityNames.RefundPayment, ActivityNames.ReleaseInventory,
                ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice,
            ],
            Path().Skip(UpToPickWave + 1));
    });

    [Fact]
    public Task RunAsync_CancelWhileConfirmingShipment_IsIgnoredAndShips() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.ConfirmShipment);
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPickAsync(handle, "pick-1");
        await SignalPackAsync(handle, "pack-1");
        await Stubs.Entered(ActivityNames.ConfirmShipment);

        await SignalCancelAsync(handle, "cancel-late", "too late");
        Assert.False((await handle.QueryAsync(wf => wf.Snapshot)).CancellationRequested);
        Stubs.Open(ActivityNames.ConfirmShipment);
        await SignalDeliveredAsync(handle, "delivered-1");

        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
        Assert.Equal(HappyPath, Path());
    });

    [Fact]
    public Task RunAsync_DuplicatePickSignals_AppliedOnce() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalPickAsync(handle, "pick-1", new LineItem("SKU-A", 2), new LineItem("SKU-B", 1));
        await SignalPickAsync(handle, "pick-1", new LineItem("SKU-A", 99));
        await SignalPickAsync(handle, "pick-2", new LineItem("SKU-A", 42));
        await WaitForStepAsync(handle, "AwaitPack");
        await SignalPackAsync(handle, "pack-1");
        await SignalPackAsync(handle, "pack-1");
        await SignalDeliveredAsync(handle, "delivered-1");
        await SignalDeliveredAsync(handle, "delivered-1");

        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
        Assert.Equal(1, Stubs.CountOf(ActivityNames.MarkOrderCompleted));
        Assert.Equal(1, Stubs.CountOf(ActivityNames.ConsumeInventory));
        Assert.Equal(1, Stubs.CountOf(ActivityNames.CreateShipment));
        var consumed = Assert.IsType<ConsumeInventoryInput>(Stubs.LastInput[ActivityNames.ConsumeInventory]);
        Assert.Equal([new LineItem("SKU-A", 2), new LineItem("SKU-B", 1)], consumed.Picked);
    });

    [Fact]
    public Task RunAsync_PackBeforePick_RememberedAndAppliedAfterPick() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalPackAsync(handle, "pack-1");
        var waiting = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(("AwaitPick", true, false), (waiting.CurrentStep, waiting.PackReported, waiting.PickReported));

        await SignalPickAsync(handle, "pick-1");
        await SignalDeliveredAsync(handle, "delivered-1");

        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
        Assert.Equal(HappyPath, Path());
    });

    [Fact]
    public Task RunAsync_PickAndPackBeforePickWave_NoWaitingLater() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.AllocateInventory);
        var handle = await StartFulfillmentAsync(Fulfillment());
        await Stubs.Entered(ActivityNames.AllocateInventory);

        await SignalPickAsync(handle, "pick-early");
        await SignalPackAsync(handle, "pack-early");
        await SignalDeliveredAsync(handle, "delivered-early");
        Stubs.Open(ActivityNames.AllocateInventory);

        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
        Assert.Equal(HappyPath, Path());
    });

    [Fact]
    public Task RunAsync_ShortPickTimeout_ReleasesAndFails() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment(new FulfillmentOptions(PickTimeout: TimeSpan.FromSeconds(1))));

        var result = await handle.GetResultAsync();

        Assert.Equal("FAILED", result.Status);
        Assert.Contains("No PickCompleted within", result.Reason, StringComparison.Ordinal);
        Assert.Equal([ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderFailed], Path().Skip(UpToPickWave));
    });

    [Fact]
    public Task RunAsync_CancelledHistory_ReplaysDeterministically() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPackAsync(handle, "pack-1");
        await SignalCancelAsync(handle, "cancel-1", "replay me");
        await handle.GetResultAsync();

        var history = await handle.FetchHistoryAsync();
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<OrderFulfillmentWorkflow>());

        var replay = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(replay.ReplayFailure);
    });
}
