using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Activities.Tests.History;

/// <summary>The stored order status as a view of the domain's one lifecycle (no second table).</summary>
public sealed class OrderStatusLifecycleTests
{
    /// <summary>
    /// The moves the fulfillment workflow makes in OMS (with payment approval: reserved → awaiting payment
    /// → paid → shipped → completed; orders started before it: reserved → shipped), and the failures and
    /// cancellations before shipping. Everything else is refused.
    /// </summary>
    private static readonly HashSet<(OrderStatus, OrderStatus)> Allowed =
    [
        (OrderStatus.Created, OrderStatus.Reserved),
        (OrderStatus.Reserved, OrderStatus.AwaitingPayment),
        (OrderStatus.AwaitingPayment, OrderStatus.Paid),
        (OrderStatus.Reserved, OrderStatus.Shipped),
        (OrderStatus.Paid, OrderStatus.Shipped),
        (OrderStatus.Shipped, OrderStatus.Completed),
        .. new[] { OrderStatus.Created, OrderStatus.Reserved, OrderStatus.AwaitingPayment, OrderStatus.Paid }
            .SelectMany(s => new[] { (s, OrderStatus.Failed), (s, OrderStatus.Cancelled) }),
    ];

    [Fact]
    public void CanMove_EveryPair_ExactlyTheWorkflowsMoves()
    {
        var statuses = Enum.GetValues<OrderStatus>();

        var allowed = statuses.SelectMany(from => statuses.Where(to => OrderStatusLifecycle.CanMove(from, to)).Select(to => (from, to))).ToHashSet();

        Assert.Equal(Allowed.Order(), allowed.Order());
    }

    [Fact]
    public void ToWire_EveryStatus_IsItsStagesWireName() =>
        Assert.All(Enum.GetValues<OrderStatus>(), s => Assert.Equal(s.ToStage().ToWire(), OrderStatusText.ToWire(s)));

    [Fact]
    public void IsTerminal_CompletedFailedCancelled() =>
        Assert.Equal(
            [OrderStatus.Completed, OrderStatus.Failed, OrderStatus.Cancelled],
            Enum.GetValues<OrderStatus>().Where(OrderStatusLifecycle.IsTerminal));
}
