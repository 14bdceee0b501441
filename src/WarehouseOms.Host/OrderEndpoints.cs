using System.Globalization;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Temporal;

namespace WarehouseOms.Host;

/// <summary>
/// HTTP reads of orders, answered from the read models in PostgreSQL (oms.order_summaries, oms.order_events)
/// and, for one order, the fulfillment workflow's live snapshot.
/// </summary>
public static class OrderEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static WebApplication MapOrderEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var orders = app.MapGroup("/orders").WithTags("Orders").AddEndpointFilter<Console.RequireReadAccess>();
        orders.MapGet("/{orderId}", GetOrderAsync);
        orders.MapGet("/{orderId}/history", GetHistoryAsync);
        orders.MapGet("/", ListOrdersAsync);
        return app;
    }

    private static async Task<IResult> GetOrderAsync(string orderId, IOrderQueries queries, IOrderWorkflows workflows, CancellationToken ct)
    {
        if (RouteIds.Problem(orderId, "orderId") is { } invalid)
        {
            return invalid;
        }

        var summary = await queries.FindSummaryAsync(orderId, ct).ConfigureAwait(false);
        if (summary is null)
        {
            return NoSuchOrder(orderId);
        }

        var live = await workflows.ReadFulfillmentAsync(orderId, ct).ConfigureAwait(false);
        return Results.Ok(new OrderDetailsView(OrderSummaryView.From(summary), live.Snapshot, live.UnavailableReason));
    }

    private static async Task<IResult> GetHistoryAsync(string orderId, IOrderQueries queries, CancellationToken ct)
    {
        if (RouteIds.Problem(orderId, "orderId") is { } invalid)
        {
            return invalid;
        }

        var events = await queries.GetEventsAsync(orderId, ct).ConfigureAwait(false);
        // An order from before the history existed has a summary but no events yet: known, empty history.
        if (events.Count == 0 && await queries.FindSummaryAsync(orderId, ct).ConfigureAwait(false) is null)
        {
            return NoSuchOrder(orderId);
        }

        return Results.Ok(new OrderHistoryView(orderId, events.Select(OrderEventView.From).ToList()));
    }

    private static async Task<IResult> ListOrdersAsync(string? status, string? limit, IOrderQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        OrderStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (OrderStatusText.TryParse(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = [$"'{status}' is not an order status; use one of {string.Join(", ", OrderStatusText.All)}."];
            }
        }

        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
        {
            errors["limit"] = [$"'{limit}' is not a limit; use a whole number from 1 to {MaxLimit} (default {DefaultLimit})."];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var summaries = await queries.ListSummariesAsync(wanted, take, ct).ConfigureAwait(false);
        return Results.Ok(new OrderListView(
            wanted is { } s ? OrderStatusText.ToWire(s) : null,
            take,
            summaries.Select(OrderSummaryView.From).ToList()));
    }

    private static IResult NoSuchOrder(string orderId) => Results.Problem(detail: $"no order {orderId}", statusCode: StatusCodes.Status404NotFound, title: "not found");
}

/// <summary>
/// An identifier from the URL is held to the inbound limits of the message consumers (1..128 printable
/// characters): a NUL must not reach PostgreSQL (22021) or Temporal, whatever the door.
/// </summary>
internal static class RouteIds
{
    public static IResult? Problem(string value, string name) =>
        value.Length is 0 or > Messaging.Consumers.InboundLimits.MaxIdentifierLength
        || Messaging.Consumers.InboundText.FindUnprintable(value) is not null
            ? Results.ValidationProblem(new Dictionary<string, string[]>
            {
                [name] = [$"{name} must be 1 to {Messaging.Consumers.InboundLimits.MaxIdentifierLength} printable characters."],
            })
            : null;
}
