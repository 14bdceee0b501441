namespace WarehouseOms.Workflows;

/// <summary>
/// Deterministic workflow IDs: the same business key always names the same workflow, so a duplicate
/// or redelivered message can never start a second business process. IDs carry no personal data.
/// </summary>
public static class WorkflowIds
{
    public static string OrderIntake(string requestId) => $"order-intake-{requestId}";

    public static string OrderFulfillment(string orderId) => $"order-fulfillment-{orderId}";

    public static string Cart(string customerId) => $"cart-{customerId}";

    public static string Replenishment(string sku) => $"replenishment-{sku}";
}

/// <summary>Default task queue names (the seed's, docs/architecture.md "Words"); the Host reads the real ones from configuration.</summary>
public static class TaskQueues
{
    public const string Orders = "ORDER_TASK_QUEUE";
    public const string Carts = "CART_TASK_QUEUE";
}
