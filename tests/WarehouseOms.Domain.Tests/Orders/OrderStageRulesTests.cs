using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Domain.Tests.Orders;

public sealed class OrderStageRulesTests
{
    public static TheoryData<OrderStage, OrderStage> HappyPath => new()
    {
        { OrderStage.Received, OrderStage.Validated },
        { OrderStage.Validated, OrderStage.Created },
        { OrderStage.Created, OrderStage.Reserved },
        { OrderStage.Reserved, OrderStage.Picking },
        { OrderStage.Picking, OrderStage.Picked },
        { OrderStage.Picked, OrderStage.Packed },
        { OrderStage.Packed, OrderStage.Shipped },
        { OrderStage.Shipped, OrderStage.Completed },
        { OrderStage.Reserved, OrderStage.AwaitingPayment },
        { OrderStage.AwaitingPayment, OrderStage.Paid },
        { OrderStage.Paid, OrderStage.Picking },
    };

    [Theory]
    [MemberData(nameof(HappyPath))]
    public void Move_HappyPathStep_ReturnsTarget(OrderStage from, OrderStage to) =>
        Assert.Equal(to, OrderStageRules.Move(from, to));

    [Theory]
    [InlineData(OrderStage.Created)]
    [InlineData(OrderStage.Reserved)]
    [InlineData(OrderStage.Picking)]
    [InlineData(OrderStage.Picked)]
    [InlineData(OrderStage.Packed)]
    [InlineData(OrderStage.AwaitingPayment)]
    [InlineData(OrderStage.Paid)]
    public void CanMove_FulfillmentStageToCancelledOrFailed_IsAllowed(OrderStage from)
    {
        Assert.True(OrderStageRules.CanMove(from, OrderStage.Cancelled));
        Assert.True(OrderStageRules.CanMove(from, OrderStage.Failed));
    }

    [Theory]
    [InlineData(OrderStage.Received)]
    [InlineData(OrderStage.Validated)]
    public void CanMove_IntakeStageToCancelled_IsForbidden(OrderStage from) =>
        Assert.False(OrderStageRules.CanMove(from, OrderStage.Cancelled));

    [Fact]
    public void CanMove_Shipped_OnlyToCompleted()
    {
        Assert.False(OrderStageRules.IsTerminal(OrderStage.Shipped));
        Assert.Equal([OrderStage.Completed], Enum.GetValues<OrderStage>().Where(to => OrderStageRules.CanMove(OrderStage.Shipped, to)));
    }

    [Fact]
    public void ToWire_AwaitingPayment_IsSnakeCase() => Assert.Equal("AWAITING_PAYMENT", OrderStage.AwaitingPayment.ToWire());

    [Theory]
    [InlineData(OrderStage.Completed)]
    [InlineData(OrderStage.Cancelled)]
    [InlineData(OrderStage.Failed)]
    public void CanMove_FromTerminalStage_NothingIsAllowed(OrderStage terminal)
    {
        Assert.True(OrderStageRules.IsTerminal(terminal));
        Assert.All(Enum.GetValues<OrderStage>(), to => Assert.False(OrderStageRules.CanMove(terminal, to)));
    }

    [Theory]
    [InlineData(OrderStage.Created, OrderStage.Shipped)]
    [InlineData(OrderStage.Reserved, OrderStage.Packed)]
    [InlineData(OrderStage.Picked, OrderStage.Picking)]
    [InlineData(OrderStage.Shipped, OrderStage.Cancelled)]
    [InlineData(OrderStage.Picking, OrderStage.Picking)]
    public void Move_IllegalTransition_ThrowsWithBothStages(OrderStage from, OrderStage to)
    {
        var ex = Assert.Throws<IllegalOrderTransitionException>(() => OrderStageRules.Move(from, to));
        Assert.Equal(from, ex.From);
        Assert.Equal(to, ex.To);
        Assert.Contains(from.ToWire(), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToWire_Stage_IsUpperCaseName()
    {
        Assert.Equal("RECEIVED", OrderStage.Received.ToWire());
        Assert.Equal("PICKING", OrderStage.Picking.ToWire());
    }

    [Fact]
    public void NonTerminalStages_EachHaveAWayForward() =>
        Assert.All(
            Enum.GetValues<OrderStage>().Where(s => !OrderStageRules.IsTerminal(s)),
            s => Assert.Contains(Enum.GetValues<OrderStage>(), to => OrderStageRules.CanMove(s, to)));

    /// <summary>The stages OMS records as an order status (picking, picked and packed are the warehouse's).</summary>
    private static bool Milestone(OrderStage s) => s is not (OrderStage.Picking or OrderStage.Picked or OrderStage.Packed);

    [Fact]
    public void CanAdvance_ThroughUnrecordedStages_ReservedToShipped()
    {
        Assert.True(OrderStageRules.CanAdvance(OrderStage.Reserved, OrderStage.Shipped, Milestone));
        Assert.True(OrderStageRules.CanAdvance(OrderStage.Paid, OrderStage.Shipped, Milestone));
        Assert.True(OrderStageRules.CanAdvance(OrderStage.Reserved, OrderStage.AwaitingPayment, Milestone));
    }

    [Fact]
    public void CanAdvance_OnlyThroughRecordedStages_Refused()
    {
        // Awaiting payment must be paid first; created must be reserved first; shipped only completes.
        Assert.False(OrderStageRules.CanAdvance(OrderStage.AwaitingPayment, OrderStage.Shipped, Milestone));
        Assert.False(OrderStageRules.CanAdvance(OrderStage.Created, OrderStage.AwaitingPayment, Milestone));
        Assert.False(OrderStageRules.CanAdvance(OrderStage.Shipped, OrderStage.Cancelled, Milestone));
        Assert.False(OrderStageRules.CanAdvance(OrderStage.Reserved, OrderStage.Reserved, Milestone));
    }

    [Fact]
    public void CanAdvance_EveryStageRecorded_SameAsCanMove() =>
        Assert.All(
            Enum.GetValues<OrderStage>().SelectMany(from => Enum.GetValues<OrderStage>().Select(to => (from, to))),
            move => Assert.Equal(OrderStageRules.CanMove(move.from, move.to), OrderStageRules.CanAdvance(move.from, move.to, _ => true)));
}
