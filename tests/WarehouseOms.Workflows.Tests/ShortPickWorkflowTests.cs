using WarehouseOms.Domain.Orders;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>Prices and short picks in the fulfillment workflow, with the real SDK on the embedded server.</summary>
[Collection(FulfillmentCollection.Name)]
public sealed class ShortPickWorkflowTests(LocalServerFixture server) : WorkflowTest(server.Environment)
{
    private static readonly FulfillmentOptions Hold = AutoApproved with { ShortPick = new ShortPickOptions(ShortPickPolicy.HoldForRestock) };

    [Fact]
    public Task PricedOrder_CapturesTheTotalWithAddedLines() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(PricedFulfillment(AutoApproved with { Payment = new PaymentOptions() }));
        await WaitForStepAsync(handle, "AwaitPaymentApproval");

        await handle.SignalAsync(SignalNames.AddLineItem, [new AddLineItemSignal("add-1", "SKU-C", 3, 0.10m)]);
        await handle.SignalAsync(SignalNames.AddLineItem, [new AddLineItemSignal("add-2", "SKU-D", 1)]);
        await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Snapshot), s => s.Lines!.Count == 3 && s.RejectedLines!.Count == 1, "lines added and refused");
        await SignalApproveAsync(handle, "approve-1");
        await WaitForStepAsync(handle, "AwaitPick");

        var payment = Assert.IsType<ProcessPaymentInput>(Stubs.LastInput[ActivityNames.ProcessPayment]);
        Assert.Equal((15.30m, "EUR"), (payment.Amount, payment.Currency));
        var snapshot = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(("EUR", 15.30m, 15.30m, 0m), (snapshot.Currency, snapshot.TotalAmount, snapshot.CapturedAmount, snapshot.RefundedAmount));
        Assert.Equal("1 x SKU-D: the order is priced in EUR; an added line needs a unitPrice.", Assert.Single(snapshot.RejectedLines!));
        var added = Assert.IsType<ReserveAddedLineInput>(Stubs.LastInput[ActivityNames.ReserveAddedLine]);
        Assert.Equal(0.10m, added.UnitPrice);
    });

    [Fact]
    public Task ShortPick_ShipPicked_RefundsReleasesAndShipsWhatWasPicked() => RunWithWorkerAsync(async () =>
    {
        Stubs.ShortRefund = 2.50m;
        var handle = await StartFulfillmentAsync(PricedFulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalPickAsync(handle, "pick-1", new LineItem("SKU-A", 1), new LineItem("SKU-B", 1));
        await WaitForStepAsync(handle, "AwaitPack");

        var shorted = Assert.IsType<ShortOrderLinesInput>(Stubs.LastInput[ActivityNames.ShortOrderLines]);
        Assert.Equal([new ShortedItem("SKU-A", 2, 1)], shorted.Shorted);
        var consumed = Assert.IsType<ConsumeInventoryInput>(Stubs.LastInput[ActivityNames.ConsumeInventory]);
        Assert.Equal([new LineItem("SKU-A", 1), new LineItem("SKU-B", 1)], consumed.Picked);
        var snapshot = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal((15m, 2.50m), (snapshot.CapturedAmount, snapshot.RefundedAmount));
        Assert.Equal(["1 x SKU-A short (picked 1 of 2)"], snapshot.ShortedLines);
        Assert.Equal(
            [.. HappyPath.Take(UpToPickWave), ActivityNames.ShortOrderLines, ActivityNames.ConsumeInventory],
            Path());

        await SignalPackAsync(handle, "pack-1");
        await SignalDeliveredAsync(handle, "delivered-1");
        Assert.Equal("COMPLETED", (await handle.GetResultAsync()).Status);
    });

    [Fact]
    public Task PickOfMoreThanReservedOrAnUnreservedSku_IsRefused_AndTheOrderWaitsForACorrectOne() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(Fulfillment());
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalPickAsync(handle, "pick-bad", new LineItem("SKU-A", 3), new LineItem("SKU-Z", 1));
        var refused = await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Snapshot), s => s.RefusedPicks!.Count == 1, "pick refused");

        Assert.Equal("AwaitPick", refused.CurrentStep);
        Assert.False(refused.PickReported);
        Assert.Equal(
            "pick report pick-bad refused: sku 'SKU-A': 3 picked, only 2 reserved. sku 'SKU-Z' is not reserved for this order.",
            Assert.Single(refused.RefusedPicks!));
        Assert.DoesNotContain(ActivityNames.ConsumeInventory, Stubs.Calls);

        await SignalPickAsync(handle, "pick-good");
        await WaitForStepAsync(handle, "AwaitPack");
        Assert.DoesNotContain(ActivityNames.ShortOrderLines, Stubs.Calls);
    });

    [Fact]
    public Task ShortPick_HoldForRestock_WaitsVisiblyThenShipsCompleteWithTheRestockPick() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(PricedFulfillment(Hold));
        await WaitForStepAsync(handle, "AwaitPick");

        await SignalPickAsync(handle, "pick-1", new LineItem("SKU-A", 1), new LineItem("SKU-B", 1));
        await WaitForStepAsync(handle, "AwaitRestock");
        var held = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.StartsWith("Held for restock: short 1 x SKU-A (picked 1 of 2); waiting for a restock pick", held.BlockingReason, StringComparison.Ordinal);
        Assert.EndsWith("then what was picked ships", held.BlockingReason, StringComparison.Ordinal);

        // A restock pick of more than is missing is refused; the right one completes the order.
        await SignalPickAsync(handle, "restock-bad", new LineItem("SKU-A", 2));
        await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Snapshot), s => s.RefusedPicks!.Count == 1, "restock pick refused");
        await SignalPickAsync(handle, "restock-1", new LineItem("SKU-A", 1));
        await WaitForStepAsync(handle, "AwaitPack");

        Assert.DoesNotContain(ActivityNames.ShortOrderLines, Stubs.Calls);
        var consumed = Assert.IsType<ConsumeInventoryInput>(Stubs.LastInput[ActivityNames.ConsumeInventory]);
        Assert.Equal([new LineItem("SKU-A", 2), new LineItem("SKU-B", 1)], consumed.Picked);
        var snapshot = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal(0m, snapshot.RefundedAmount);
        Assert.Empty(snapshot.ShortedLines!);
        Assert.DoesNotContain("restock", snapshot.BlockingReason, StringComparison.Ordinal);
    });

    // The hold's end is a workflow timer (one second here, 24 h by default): the tests wait for the
    // workflow's result, never for time. (The time-skipping server cannot be used: the hold starts a
    // replenishment child whose workflow this test worker does not run.)

    [Fact]
    public Task HoldEnds_AfterHoldCancel_CancelsWithARefundOfTheCapture() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartFulfillmentAsync(PricedFulfillment(AutoApproved with
        {
            ShortPick = new ShortPickOptions(ShortPickPolicy.HoldForRestock, TimeSpan.FromSeconds(1), AfterHold.Cancel),
        }));
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPickAsync(handle, "pick-1", new LineItem("SKU-A", 1));

        var result = await handle.GetResultAsync();

        Assert.Equal(("CANCELLED", "No restock pick within 00:00:01 of the short pick"), (result.Status, result.Reason));
        Assert.Equal(
            [.. HappyPath.Take(UpToPickWave), ActivityNames.RefundPayment, ActivityNames.ReleaseInventory, ActivityNames.MarkOrderCancelled, ActivityNames.SendCancellationNotice],
            Path());
        var final = await handle.QueryAsync(wf => wf.Snapshot);
        Assert.Equal((15m, 15m), (final.CapturedAmount, final.RefundedAmount));
    });

    [Fact]
    public Task HoldEnds_AfterHoldShipPicked_ShipsWhatWasPickedWithTheRefund() => RunWithWorkerAsync(async () =>
    {
        Stubs.ShortRefund = 12.50m;
        var handle = await StartFulfillmentAsync(PricedFulfillment(AutoApproved with
        {
            ShortPick = new ShortPickOptions(ShortPickPolicy.HoldForRestock, TimeSpan.FromSeconds(1)),
        }));
        await WaitForStepAsync(handle, "AwaitPick");
        await SignalPickAsync(handle, "pick-1", new LineItem("SKU-A", 1));
        await SignalPackAsync(handle, "pack-1");
        await SignalDeliveredAsync(handle, "delivered-1");

        var result = await handle.GetResultAsync();

        Assert.Equal("COMPLETED", result.Status);
        var shorted = Assert.IsType<ShortOrderLinesInput>(Stubs.LastInput[ActivityNames.ShortOrderLines]);
        Assert.Equal([new ShortedItem("SKU-A", 2, 1), new ShortedItem("SKU-B", 1, 0)], shorted.Shorted);
        Assert.Equal(12.50m, (await handle.QueryAsync(wf => wf.Snapshot)).RefundedAmount);
    });
}
