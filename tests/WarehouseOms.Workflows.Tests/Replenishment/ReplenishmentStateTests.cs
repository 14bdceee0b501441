using WarehouseOms.Domain.Replenishment;

namespace WarehouseOms.Workflows.Tests.Replenishment;

/// <summary>The pure rules behind the workflow (kept here: the domain test project's Replenishment folder is not ours).</summary>
public sealed class ReplenishmentStateTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OnReceived_Twice_OnlyFirstReceiptCounts()
    {
        var (state, first) = ReplenishmentState.Start("SKU-A").OnRequested(At).OnReceived(new("m1", "r1", 5));
        var (after, second) = state.OnReceived(new("m2", "r2", 7));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("r1", after.Receipt!.ReceiptId);
        Assert.Equal(ReplenishmentStage.Received, after.Stage);
    }

    [Fact]
    public void ShouldEscalate_AfterReceipt_False()
    {
        var (state, _) = ReplenishmentState.Start("SKU-A").OnRequested(At).OnReceived(new("m1", "r1", 5));

        Assert.False(state.ShouldEscalate);
        Assert.Equal(state, state.OnEscalated(At.AddHours(1)));
    }

    [Fact]
    public void OnEscalated_Requested_MovesToOverdueOnce()
    {
        var overdue = ReplenishmentState.Start("SKU-A").OnRequested(At).OnEscalated(At.AddHours(48));

        Assert.Equal(ReplenishmentStage.Overdue, overdue.Stage);
        Assert.False(overdue.ShouldEscalate);
        Assert.Equal(At.AddHours(48), overdue.EscalatedAt);
    }

    [Fact]
    public void OnRequested_ReceiptAlreadyArrived_StaysReceived()
    {
        var (received, _) = ReplenishmentState.Start("SKU-A").OnReceived(new("m1", "r1", 5));

        var state = received.OnRequested(At);

        Assert.Equal(ReplenishmentStage.Received, state.Stage);
        Assert.Equal(At, state.RequestedAt);
    }

    [Fact]
    public void OnReceived_NonPositiveQuantity_Ignored()
    {
        var (state, accepted) = ReplenishmentState.Start("SKU-A").OnRequested(At).OnReceived(new("m1", "r1", 0));

        Assert.False(accepted);
        Assert.Equal(ReplenishmentStage.Requested, state.Stage);
    }
}
