using WarehouseOms.Domain.Orders;

namespace WarehouseOms.Persistence.Orders;

/// <summary>The moves of <see cref="OrderStatus"/> that an order change may record.</summary>
public static class OrderStatusLifecycle
{
    /// <exception cref="IllegalOrderTransitionException">The move is not allowed.</exception>
    public static void EnsureCanMove(string orderId, OrderStatus from, OrderStatus to)
    {
        if (!OrderStatusRules.CanMove(from, to))
        {
            throw new IllegalOrderTransitionException(ToStage(from), ToStage(to), $"Order {orderId} is {from}; it cannot become {to}.");
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
