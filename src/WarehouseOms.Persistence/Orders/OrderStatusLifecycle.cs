using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Persistence.Orders;

/// <summary>
/// <see cref="OrderStatus"/> as a view of the domain's one lifecycle (<see cref="OrderStageRules"/>): each
/// status is a stage, its wire name the stage's, and a status move is allowed when the stage table leads
/// from one to the other through stages OMS does not record (picking, picking done, packed: the
/// warehouse's). So an order reserved without payment approval may become shipped, one awaiting payment
/// may not.
/// </summary>
public static class OrderStatusLifecycle
{
    private static readonly HashSet<OrderStage> Recorded = [.. Enum.GetValues<OrderStatus>().Select(ToStage)];

    public static bool CanMove(OrderStatus from, OrderStatus to) =>
        OrderStageRules.CanAdvance(from.ToStage(), to.ToStage(), Recorded.Contains);

    public static bool IsTerminal(OrderStatus status) => OrderStageRules.IsTerminal(status.ToStage());

    /// <exception cref="IllegalOrderTransitionException">The move is not allowed.</exception>
    public static void EnsureCanMove(string orderId, OrderStatus from, OrderStatus to)
    {
        if (!CanMove(from, to))
        {
            throw new IllegalOrderTransitionException(from.ToStage(), to.ToStage(), $"Order {orderId} is {from}; it cannot become {to}.");
        }
    }

    // No discard arm: a new OrderStatus member without its stage fails the build (CS8509).
#pragma warning disable CS8524
    /// <summary>The lifecycle stage a stored status records.</summary>
    public static OrderStage ToStage(this OrderStatus status) => status switch
    {
        OrderStatus.Created => OrderStage.Created,
        OrderStatus.Reserved => OrderStage.Reserved,
        OrderStatus.AwaitingPayment => OrderStage.AwaitingPayment,
        OrderStatus.Paid => OrderStage.Paid,
        OrderStatus.Shipped => OrderStage.Shipped,
        OrderStatus.Completed => OrderStage.Completed,
        OrderStatus.Failed => OrderStage.Failed,
        OrderStatus.Cancelled => OrderStage.Cancelled,
    };
#pragma warning restore CS8524
}
