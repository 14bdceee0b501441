using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Domain.Tests.Orders;

public sealed class FulfillmentStateTests
{
    private static readonly PickReport Pick1 = new("msg-pick-1", "dev-1", [new SkuQuantity("SKU-A", 2)]);
    private static readonly PackReport Pack1 = new("msg-pack-1", "pack-1", [new PackedParcel("P1", 1.5m)]);

    private static FulfillmentState AwaitingPick() =>
        FulfillmentState.Start("ord-1")
            .Begin(FulfillmentStep.AllocateInventory)
            .Begin(FulfillmentStep.MarkOrderReserved)
            .OnReserved()
            .Begin(FulfillmentStep.CreatePickWave)
            .OnPickWaveCreated("wave-1")
            .Begin(FulfillmentStep.AwaitPick);

    private static FulfillmentState Shipped()
    {
        var state = AwaitingPick().ReceivePick(Pick1).State.Begin(FulfillmentStep.ConsumeInventory).OnPicked()
            .Begin(FulfillmentStep.AwaitPack).ReceivePack(Pack1).State.OnPacked();
        return state.Begin(FulfillmentStep.CreateShipment).OnShipmentCreated("shp-1")
            .Begin(FulfillmentStep.GenerateShippingLabel).OnLabelGenerated("TRK-1")
            .Begin(FulfillmentStep.ConfirmShipment).Begin(FulfillmentStep.MarkOrderShipped).OnShipped();
    }

    [Fact]
    public void Start_NewOrder_IsCreatedAtEnrichment()
    {
        var state = FulfillmentState.Start("ord-1");

        Assert.Equal(OrderStage.Created, state.Stage);
        Assert.Equal(FulfillmentStep.Enrich, state.Step);
        Assert.Null(state.BlockingReason);
    }

    [Fact]
    public void Begin_AwaitPick_SaysWhatItWaitsFor()
    {
        var state = AwaitingPick();

        Assert.Equal(OrderStage.Picking, state.Stage);
        Assert.Contains("picking", state.BlockingReason, StringComparison.Ordinal);
        Assert.Contains("wave-1", state.BlockingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Begin_EarlierStep_Throws() =>
        Assert.Throws<InvalidOperationException>(() => AwaitingPick().Begin(FulfillmentStep.CreatePickWave));

    [Fact]
    public void OnShipped_FullHappyPath_IsShippedAtItsLastStep()
    {
        var state = Shipped();

        Assert.Equal(OrderStage.Shipped, state.Stage);
        Assert.Equal(FulfillmentStep.MarkOrderShipped, state.Step);
        Assert.False(state.IsCancellable);
        Assert.Equal("shp-1", state.ShipmentId);
        Assert.Equal("TRK-1", state.TrackingNumber);
        Assert.Null(state.BlockingReason);
    }

    [Fact]
    public void OnShipped_BeforePacked_ThrowsIllegalTransition() =>
        Assert.Throws<IllegalOrderTransitionException>(() => AwaitingPick().OnShipped());

    [Fact]
    public void ReceivePick_WhileWaiting_IsAccepted()
    {
        var (state, disposition) = AwaitingPick().ReceivePick(Pick1);

        Assert.Equal(SignalDisposition.Accepted, disposition);
        Assert.Same(Pick1, state.Pick);
    }

    [Fact]
    public void ReceivePick_BeforePickWave_IsRemembered()
    {
        var early = FulfillmentState.Start("ord-1").Begin(FulfillmentStep.AllocateInventory);

        var (state, disposition) = early.ReceivePick(Pick1);

        Assert.Equal(SignalDisposition.Remembered, disposition);
        Assert.Same(Pick1, state.Pick);
        Assert.Equal(OrderStage.Created, state.Stage);
    }

    [Fact]
    public void ReceivePick_SameMessageTwice_SecondIsDuplicateAndChangesNothing()
    {
        var (once, _) = AwaitingPick().ReceivePick(Pick1);

        var (twice, disposition) = once.ReceivePick(Pick1 with { DeviceId = "other" });

        Assert.Equal(SignalDisposition.Duplicate, disposition);
        Assert.Same(once, twice);
    }

    [Fact]
    public void ReceivePick_SecondReportWithNewMessageId_FirstWins()
    {
        var (once, _) = AwaitingPick().ReceivePick(Pick1);

        var (twice, disposition) = once.ReceivePick(Pick1 with { MessageId = "msg-pick-2", Lines = [] });

        Assert.Equal(SignalDisposition.AlreadyReported, disposition);
        Assert.Same(Pick1, twice.Pick);
        Assert.Contains("msg-pick-2", twice.SeenMessageIds);
    }

    [Fact]
    public void ReceivePack_BeforePick_IsRememberedAndAvailableAfterPick()
    {
        var (withPack, packDisposition) = AwaitingPick().ReceivePack(Pack1);
        Assert.Equal(SignalDisposition.Remembered, packDisposition);

        var picked = withPack.ReceivePick(Pick1).State.Begin(FulfillmentStep.ConsumeInventory).OnPicked().Begin(FulfillmentStep.AwaitPack);

        Assert.Same(Pack1, picked.Pack);
        Assert.Equal(OrderStage.Packed, picked.OnPacked().Stage);
    }

    [Fact]
    public void OnPicked_WithoutPickReport_Throws() =>
        Assert.Throws<InvalidOperationException>(() => AwaitingPick().OnPicked());

    [Fact]
    public void ReceiveAnything_AfterShipped_ChangesNothing()
    {
        var shipped = Shipped();

        var (afterPick, pick) = shipped.ReceivePick(Pick1 with { MessageId = "late-pick" });
        var (afterCancel, cancel) = afterPick.ReceiveCancel(new CancelRequest("late-cancel", "too late"));
        var (afterAdd, add) = afterCancel.ReceiveLineAddition(new LineAddition("late-add", "SKU-Z", 1));

        Assert.Equal(SignalDisposition.AlreadyReported, pick);
        Assert.Equal(SignalDisposition.TooLateToCancel, cancel);
        Assert.Equal(SignalDisposition.TooLateToChange, add);
        Assert.Equal(OrderStage.Shipped, afterAdd.Stage);
        Assert.Null(afterAdd.Cancellation);
        Assert.Empty(afterAdd.PendingAdditions);
    }

    [Fact]
    public void ReceiveDelivery_BeforeShipped_RememberedThenCompletes()
    {
        var (early, disposition) = AwaitingPick().ReceiveDelivery(new DeliveryReport("d-1", DateTimeOffset.UnixEpoch));
        Assert.Equal(SignalDisposition.Remembered, disposition);

        var state = early.ReceivePick(Pick1).State.Begin(FulfillmentStep.ConsumeInventory).OnPicked()
            .Begin(FulfillmentStep.AwaitPack).ReceivePack(Pack1).State.OnPacked()
            .Begin(FulfillmentStep.MarkOrderShipped).OnShipped()
            .Begin(FulfillmentStep.AwaitDelivery).Begin(FulfillmentStep.MarkOrderCompleted).OnCompleted();

        Assert.Equal((OrderStage.Completed, FulfillmentStep.Completed), (state.Stage, state.Step));
        Assert.Equal(SignalDisposition.Duplicate, state.ReceiveDelivery(new DeliveryReport("d-1", DateTimeOffset.UnixEpoch)).Disposition);
        Assert.Equal(SignalDisposition.IgnoredAfterEnd, state.ReceiveDelivery(new DeliveryReport("d-2", DateTimeOffset.UnixEpoch)).Disposition);
    }

    [Fact]
    public void OnCompleted_WithoutDeliveryReport_Throws() =>
        Assert.Throws<InvalidOperationException>(() => Shipped().Begin(FulfillmentStep.AwaitDelivery).OnCompleted());

    [Fact]
    public void Finish_ShippedWithoutDelivery_EndsShipped()
    {
        var state = Shipped().Finish();

        Assert.Equal((OrderStage.Shipped, FulfillmentStep.Completed), (state.Stage, state.Step));
    }

    [Fact]
    public void ReceiveCancel_WhilePicking_IsAcceptedAndBlocks()
    {
        var (state, disposition) = AwaitingPick().ReceiveCancel(new CancelRequest("c-1", "customer changed mind"));

        Assert.Equal(SignalDisposition.Accepted, disposition);
        Assert.True(state.IsCancelRequested);
        Assert.Contains("customer changed mind", state.BlockingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceiveCancel_OnceConfirmingShipment_IsTooLate()
    {
        var confirming = AwaitingPick().ReceivePick(Pick1).State.Begin(FulfillmentStep.ConsumeInventory).OnPicked()
            .ReceivePack(Pack1).State.Begin(FulfillmentStep.AwaitPack).OnPacked()
            .Begin(FulfillmentStep.CreateShipment).Begin(FulfillmentStep.GenerateShippingLabel).Begin(FulfillmentStep.ConfirmShipment);

        var (state, disposition) = confirming.ReceiveCancel(new CancelRequest("c-1", "late"));

        Assert.Equal(SignalDisposition.TooLateToCancel, disposition);
        Assert.False(state.IsCancelRequested);
    }

    [Fact]
    public void ReceiveCancel_Twice_SecondIsAlreadyReported()
    {
        var (once, _) = AwaitingPick().ReceiveCancel(new CancelRequest("c-1", "first"));

        var (twice, disposition) = once.ReceiveCancel(new CancelRequest("c-2", "second"));

        Assert.Equal(SignalDisposition.AlreadyReported, disposition);
        Assert.Equal("first", twice.Cancellation!.Reason);
    }

    [Fact]
    public void OnCancelled_AfterCompensation_IsTerminalWithReason()
    {
        var requested = AwaitingPick().ReceiveCancel(new CancelRequest("c-1", "fraud")).State;

        var cancelled = requested.BeginCompensation("fraud").OnCancelled();

        Assert.Equal(OrderStage.Cancelled, cancelled.Stage);
        Assert.Equal(FulfillmentStep.Completed, cancelled.Step);
        Assert.Equal("fraud", cancelled.OutcomeReason);
        Assert.Throws<InvalidOperationException>(() => cancelled.Begin(FulfillmentStep.ConsumeInventory));
    }

    [Fact]
    public void BeginCompensation_ShowsReasonWhileUndoing()
    {
        var state = AwaitingPick().BeginCompensation("pick timed out");

        Assert.Equal(FulfillmentStep.Compensating, state.Step);
        Assert.Equal("Compensating: pick timed out", state.BlockingReason);
    }

    [Fact]
    public void OnFailed_FromCreated_IsFailedWithReason()
    {
        var failed = FulfillmentState.Start("ord-1").OnFailed("Insufficient stock");

        Assert.Equal(OrderStage.Failed, failed.Stage);
        Assert.Equal("Insufficient stock", failed.OutcomeReason);
        Assert.Throws<IllegalOrderTransitionException>(() => failed.OnFailed("again"));
    }
}
