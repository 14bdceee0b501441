using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Domain.Tests.Orders;

public sealed class PaymentApprovalStateTests
{
    private static readonly LineAddition AddC = new("add-1", "SKU-C", 3);

    private static FulfillmentState AwaitingApproval() =>
        FulfillmentState.Start("ord-1", [new SkuQuantity("SKU-A", 2)])
            .Begin(FulfillmentStep.Enrich)
            .Begin(FulfillmentStep.AllocateInventory)
            .Begin(FulfillmentStep.MarkOrderReserved)
            .OnReserved()
            .Begin(FulfillmentStep.AwaitPaymentApproval)
            .OnAwaitingPayment();

    [Fact]
    public void AwaitingApproval_SaysWhatItWaitsFor()
    {
        var state = AwaitingApproval();

        Assert.Equal(OrderStage.AwaitingPayment, state.Stage);
        Assert.Contains("payment approval", state.BlockingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceiveApproval_WhileWaiting_AcceptedOnceFirstWins()
    {
        var (approved, first) = AwaitingApproval().ReceiveApproval(new PaymentApproval("a-1", "alice"));
        var (again, duplicate) = approved.ReceiveApproval(new PaymentApproval("a-1", "alice"));
        var (other, second) = again.ReceiveApproval(new PaymentApproval("a-2", "bob"));

        Assert.Equal((SignalDisposition.Accepted, SignalDisposition.Duplicate, SignalDisposition.AlreadyReported), (first, duplicate, second));
        Assert.Equal("alice", other.Approval!.ApprovedBy);
    }

    [Fact]
    public void ReceiveApproval_BeforeReservation_Remembered()
    {
        var (state, disposition) = FulfillmentState.Start("ord-1").ReceiveApproval(new PaymentApproval("a-1", "alice"));

        Assert.Equal(SignalDisposition.Remembered, disposition);
        Assert.NotNull(state.Approval);
    }

    [Fact]
    public void ReceiveLineAddition_WhileWaiting_PendingUntilAdded()
    {
        var (pending, disposition) = AwaitingApproval().ReceiveLineAddition(AddC);
        Assert.Equal(SignalDisposition.Accepted, disposition);
        Assert.Equal([AddC], pending.PendingAdditions);

        var added = pending.OnLineAdded(AddC);

        Assert.Empty(added.PendingAdditions);
        Assert.Equal([new SkuQuantity("SKU-A", 2), new SkuQuantity("SKU-C", 3)], added.Lines);
    }

    [Fact]
    public void ReceiveLineAddition_Duplicate_Ignored()
    {
        var (once, _) = AwaitingApproval().ReceiveLineAddition(AddC);

        var (twice, disposition) = once.ReceiveLineAddition(AddC);

        Assert.Equal(SignalDisposition.Duplicate, disposition);
        Assert.Single(twice.PendingAdditions);
    }

    [Fact]
    public void ReceiveLineAddition_AfterPaymentBegan_TooLateToChange()
    {
        var paying = AwaitingApproval().ReceiveApproval(new PaymentApproval("a-1", "alice")).State.Begin(FulfillmentStep.ProcessPayment);

        var (state, disposition) = paying.ReceiveLineAddition(AddC);

        Assert.Equal(SignalDisposition.TooLateToChange, disposition);
        Assert.Empty(state.PendingAdditions);
    }

    [Fact]
    public void ReceiveLineAddition_NonPositiveQuantity_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AwaitingApproval().ReceiveLineAddition(AddC with { Quantity = 0 }));

    [Fact]
    public void RefusePendingAdditions_RecordsEachWithTheReason()
    {
        var pending = AwaitingApproval().ReceiveLineAddition(AddC).State.ReceiveLineAddition(new LineAddition("add-2", "SKU-D", 1)).State;

        var refused = pending.RefusePendingAdditions("no payment step");

        Assert.Empty(refused.PendingAdditions);
        Assert.Equal(2, refused.RejectedLines.Count);
        Assert.All(refused.RejectedLines, r => Assert.Equal("no payment step", r.Reason));
        Assert.Equal([new SkuQuantity("SKU-A", 2)], refused.Lines);
    }

    [Fact]
    public void OnPaid_WithoutApproval_Throws() =>
        Assert.Throws<InvalidOperationException>(() => AwaitingApproval().OnPaid("pay-1"));

    [Fact]
    public void OnPaid_Approved_IsPaidWithReference()
    {
        var state = AwaitingApproval().ReceiveApproval(new PaymentApproval("a-1", "alice")).State
            .Begin(FulfillmentStep.ProcessPayment).OnPaid("pay-1");

        Assert.Equal((OrderStage.Paid, "pay-1"), (state.Stage, state.PaymentReference));
        Assert.True(state.IsCancellable);
    }
}
