using WarehouseOms.Contracts;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows.Cart;

// Cart workflow inputs, signal payloads and query views. Records only: they are serialized into history.
// Every signal carries the broker message ID: the workflow applies a message ID once (see CartWorkflow).

public sealed record CartItemsSignal(string MessageId, IReadOnlyList<LineItem> Items);

public sealed record CartResetSignal(string MessageId);

/// <summary>Checkout: the cart's items become an order (intake) for <paramref name="ShipTo"/>, idempotent by <paramref name="RequestId"/>.</summary>
/// <param name="Fulfillment">The service's order settings at checkout time (payment approval ...), fixed into the order.</param>
public sealed record CartCheckoutSignal(string MessageId, string RequestId, ShipTo? ShipTo, FulfillmentOptions? Fulfillment = null);

/// <summary>The cart as the Get query answers it (GET /carts/{customerId}).</summary>
public sealed record CartView(string CustomerId, IReadOnlyList<LineItem> Items, long Version, DateTimeOffset? UpdatedAt);

/// <summary>
/// Input of a cart run. A new cart starts with only <paramref name="CustomerId"/>; a continued run
/// receives <paramref name="CarriedOver"/> from the previous one.
/// </summary>
public sealed record CartWorkflowInput(string CustomerId, CartCarryOver? CarriedOver = null, CartWorkflowOptions? Options = null);

/// <summary>Everything a cart run hands to the next when it continues as new.</summary>
public sealed record CartCarryOver(
    IReadOnlyList<LineItem> Items,
    IReadOnlyList<string> ProcessedMessageIds,
    long Version,
    DateTimeOffset? UpdatedAt,
    int Generation);

/// <summary>
/// Cart settings; null means the default. They travel with the input, so a continued run keeps them.
/// </summary>
/// <param name="MaxSignalsPerRun">Continue as new after this many signals in one run (default 1000, about 5,000 history events).</param>
/// <param name="MaxHistoryEvents">Continue as new once history is this long (default 8,000; Temporal warns at 10,240).</param>
/// <param name="DedupeCapacity">How many recent message IDs are remembered for de-duplication (default 1000).</param>
/// <param name="OrderTaskQueue">Task queue of the order intake started at checkout (default <see cref="TaskQueues.Orders"/>).</param>
public sealed record CartWorkflowOptions(
    int? MaxSignalsPerRun = null,
    int? MaxHistoryEvents = null,
    int? DedupeCapacity = null,
    string? OrderTaskQueue = null)
{
    public const int DefaultMaxSignalsPerRun = 1000;
    public const int DefaultMaxHistoryEvents = 8000;
}

/// <summary>Cart signal and query names: fixed, they are recorded in histories and used by non-.NET senders.</summary>
public static class CartSignalNames
{
    public const string AddItems = "AddItems";
    public const string RemoveItems = "RemoveItems";
    public const string Reset = "Reset";
    public const string Checkout = "Checkout";
}

public static class CartQueryNames
{
    public const string Get = "Get";
}
