using System.Text;
using RabbitMQ.Client.Exceptions;
using WarehouseOms.Operations;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Temporal;
using WarehouseOms.Temporal.Inspection;
using static WarehouseOms.Host.Console.Html;

namespace WarehouseOms.Host.Console;

/// <summary>
/// The operator console (ADR 0023): orders with their lineage, workflows, error queues, the outbox. Plain
/// server-rendered HTML at the root of the Host. Reads need read access once a key is configured; every
/// action needs the operator key, a confirmation step and, from a browser session, an antiforgery token.
/// </summary>
public static class ConsolePages
{
    private const int PageSize = 100;

    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var reads = app.MapGroup(string.Empty).AddEndpointFilter<RequireReadAccess>().ExcludeFromDescription();
        reads.MapGet("/", OrdersAsync);
        reads.MapGet("/console/orders/{orderId}", OrderAsync);
        reads.MapGet("/console/workflows", WorkflowsAsync);
        reads.MapGet("/console/workflows/{workflowId}", WorkflowAsync);
        reads.MapGet("/console/errors", ErrorQueuesAsync);
        reads.MapGet("/console/errors/{queue}", ErrorQueueAsync);
        reads.MapGet("/console/errors/{queue}/replay", ConfirmReplay);
        reads.MapGet("/console/errors/{queue}/discard", ConfirmDiscard);
        reads.MapGet("/console/outbox", OutboxAsync);

        var actions = app.MapGroup("/console").ExcludeFromDescription();
        actions.MapPost("/errors/{queue}/replay", ReplayAsync);
        actions.MapPost("/errors/{queue}/discard", DiscardAsync);
        actions.MapPost("/outbox/retry", RetryAsync);
        actions.MapGet("/login", Login);
        actions.MapPost("/login", LoginAsync);
        actions.MapPost("/logout", LogoutAsync);
        return app;
    }

    private static async Task<IResult> OrdersAsync(HttpContext context, string? status, string? q, IOrderQueries queries, Reconciliation.Reconciler reconciler, CancellationToken ct)
    {
        OrderStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!OrderStatusText.TryParse(status, out var parsed))
            {
                return Problem(context, "Orders", $"'{status}' is not an order status; use one of {string.Join(", ", OrderStatusText.All)}.", StatusCodes.Status400BadRequest);
            }

            wanted = parsed;
        }

        var orders = await queries.ListSummariesAsync(wanted, q, PageSize, ct).ConfigureAwait(false);
        var body = new StringBuilder()
            .Append("<form method=\"get\" action=\"/\"><label>Status <select name=\"status\">").Append(Options(OrderStatusText.All, status, "any")).Append("</select></label>")
            .Append("<label>Order or customer <input name=\"q\" value=\"").Append(E(q)).Append("\"></label><button>Filter</button></form>")
            .Append("<table id=\"orders\"><tr><th>Order</th><th>Customer</th><th>Status</th><th>Step</th><th>Updated</th></tr>");
        foreach (var o in orders)
        {
            body.Append("<tr><td><a href=\"/console/orders/").Append(Url(o.OrderId)).Append("\">").Append(E(o.OrderId)).Append("</a></td><td>")
                .Append(E(o.CustomerId)).Append("</td><td>").Append(E(o.Status is { } s ? OrderStatusText.ToWire(s) : "?")).Append("</td><td>")
                .Append(E(o.Step)).Append("</td><td>").Append(E(o.UpdatedAt)).Append("</td></tr>");
        }

        body.Append("</table>").Append(orders.Count == 0 ? "<p class=\"muted\">No orders match.</p>" : $"<p class=\"muted\">{orders.Count} most recently changed shown (at most {PageSize}).</p>");
        body.Append("<p id=\"reconciler\">Reconciler: ").Append(reconciler.LastRun is { } run
            ? E($"last run {run.FinishedAt:u}, {run.Findings.Count} finding(s), {run.Findings.Count(f => f.Outcome != Reconciliation.FindingOutcomes.Repaired)} left for an operator")
            : E("no run yet")).Append(" (<a href=\"/reconciliation\">JSON</a>)</p>");
        return Page(context, "Orders", body.ToString());
    }

    private static async Task<IResult> OrderAsync(HttpContext context, string orderId, OrderLineage lineage, CancellationToken ct)
    {
        if (RouteIds.Problem(orderId, "orderId") is not null)
        {
            return Problem(context, "Order", "orderId must be 1 to 128 printable characters.", StatusCodes.Status400BadRequest);
        }

        var view = await lineage.ReadAsync(orderId, ct).ConfigureAwait(false);
        if (view is null)
        {
            return Problem(context, "Order", $"no order {orderId}", StatusCodes.Status404NotFound);
        }

        var o = view.Order;
        var body = new StringBuilder()
            .Append("<table id=\"summary\"><tr><th>Order</th><td>").Append(E(o.OrderId)).Append("</td></tr>")
            .Append("<tr><th>Customer</th><td>").Append(E(o.CustomerId)).Append("</td></tr>")
            .Append("<tr><th>Status</th><td id=\"status\">").Append(E(o.Status is { } s ? OrderStatusText.ToWire(s) : "?")).Append("</td></tr>")
            .Append("<tr><th>Reason</th><td>").Append(E(o.StatusReason)).Append("</td></tr>")
            .Append("<tr><th>Shipment</th><td>").Append(E(o.ShipmentId)).Append(' ').Append(E(o.TrackingNumber)).Append("</td></tr></table>");

        body.Append("<h2>Lines</h2><table id=\"lines\"><tr><th>SKU</th><th>Quantity</th></tr>");
        foreach (var line in OrderSummaryView.From(o).Lines)
        {
            body.Append("<tr><td>").Append(E(line.Sku)).Append("</td><td>").Append(E(line.Quantity)).Append("</td></tr>");
        }

        body.Append("</table><h2>Workflow, live</h2>");
        if (view.Live.Snapshot is { } live)
        {
            body.Append("<table id=\"live\"><tr><th>Status</th><td>").Append(E(live.Status)).Append("</td></tr><tr><th>Current step</th><td>")
                .Append(E(live.CurrentStep)).Append("</td></tr><tr><th>Waiting for</th><td>").Append(E(live.BlockingReason ?? "nothing")).Append("</td></tr></table>");
        }
        else
        {
            body.Append("<p class=\"muted\">").Append(E(view.Live.UnavailableReason)).Append("</p>");
        }

        body.Append("<p>Workflows: ").Append(string.Join(", ", view.WorkflowIds.Select(id => $"<a href=\"/console/workflows/{Url(id)}\">{E(id)}</a>"))).Append("</p>");
        if (view.WorkflowUnavailableReason is { } reason)
        {
            body.Append("<div class=\"problem\">").Append(E(reason)).Append("</div>");
        }

        body.Append("<h2>Outbound events</h2><table id=\"outbound\"><tr><th>Exchange</th><th>Message ID</th><th>State</th><th>Attempts</th><th>Last error</th></tr>");
        foreach (var x in view.Outbound)
        {
            body.Append("<tr><td>").Append(E(x.Exchange)).Append("</td><td><code>").Append(E(x.MessageId)).Append("</code></td><td>").Append(E(x.State))
                .Append("</td><td>").Append(E(x.Attempts)).Append("</td><td class=\"failure\">").Append(E(x.LastError)).Append("</td></tr>");
        }

        body.Append("</table><h2>Timeline</h2><table id=\"timeline\"><tr><th>Time (UTC)</th><th>Source</th><th>What</th><th>Message ID</th><th>Detail</th></tr>");
        foreach (var t in view.Timeline)
        {
            body.Append("<tr class=\"src-").Append(t.Source).Append("\"><td>").Append(E(t.Time)).Append("</td><td>").Append(E(t.Source))
                .Append("</td><td").Append(t.IsFailure ? " class=\"failure\"" : string.Empty).Append('>').Append(E(t.Title)).Append("</td><td><code>")
                .Append(E(t.MessageId)).Append("</code></td><td>").Append(E(t.Detail)).Append("</td></tr>");
        }

        body.Append("</table>");
        return Page(context, $"Order {orderId}", body.ToString());
    }

    private static async Task<IResult> WorkflowsAsync(HttpContext context, string? type, string? status, WorkflowBrowser browser, CancellationToken ct)
    {
        IReadOnlyList<WorkflowSummary> list;
        try
        {
            list = await browser.ListAsync(NullIfEmpty(type), NullIfEmpty(status), PageSize, ct).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return Problem(context, "Workflows", ex.Message, StatusCodes.Status400BadRequest);
        }
        catch (TemporalUnavailableException ex)
        {
            return Problem(context, "Workflows", ex.Message, StatusCodes.Status503ServiceUnavailable);
        }

        var body = new StringBuilder()
            .Append("<form method=\"get\" action=\"/console/workflows\"><label>Type <select name=\"type\">").Append(Options(WorkflowBrowser.KnownTypes, type, "any"))
            .Append("</select></label><label>Status <select name=\"status\">").Append(Options(WorkflowBrowser.KnownStatuses, status, "any"))
            .Append("</select></label><button>Filter</button></form>")
            .Append("<table id=\"workflows\"><tr><th>Workflow ID</th><th>Type</th><th>Status</th><th>Started</th><th>Closed</th><th>Parent</th></tr>");
        foreach (var w in list)
        {
            body.Append("<tr><td><a href=\"/console/workflows/").Append(Url(w.WorkflowId)).Append("\">").Append(E(w.WorkflowId)).Append("</a></td><td>")
                .Append(E(w.WorkflowType)).Append("</td><td>").Append(E(w.Status)).Append("</td><td>").Append(E(w.StartTime)).Append("</td><td>")
                .Append(E(w.CloseTime)).Append("</td><td>").Append(E(w.ParentWorkflowId)).Append("</td></tr>");
        }

        body.Append("</table>");
        return Page(context, "Workflows", body.ToString());
    }

    private static async Task<IResult> WorkflowAsync(HttpContext context, string workflowId, WorkflowBrowser browser, CancellationToken ct)
    {
        if (RouteIds.Problem(workflowId, "workflowId") is not null)
        {
            return Problem(context, "Workflow", "workflowId must be 1 to 128 printable characters.", StatusCodes.Status400BadRequest);
        }

        WorkflowDetails? details;
        try
        {
            details = await browser.ReadAsync(workflowId, ct).ConfigureAwait(false);
        }
        catch (TemporalUnavailableException ex)
        {
            return Problem(context, "Workflow", ex.Message, StatusCodes.Status503ServiceUnavailable);
        }

        if (details is null)
        {
            return Problem(context, "Workflow", $"no workflow {workflowId}", StatusCodes.Status404NotFound);
        }

        var w = details.Summary;
        var body = new StringBuilder()
            .Append("<table id=\"summary\"><tr><th>Type</th><td>").Append(E(w.WorkflowType)).Append("</td></tr><tr><th>Status</th><td id=\"status\">").Append(E(w.Status))
            .Append("</td></tr><tr><th>Run</th><td><code>").Append(E(w.RunId)).Append("</code></td></tr><tr><th>Task queue</th><td>").Append(E(w.TaskQueue))
            .Append("</td></tr><tr><th>Started / closed</th><td>").Append(E(w.StartTime)).Append(" / ").Append(E(w.CloseTime)).Append("</td></tr>");
        if (w.ParentWorkflowId is { } parent)
        {
            body.Append("<tr><th>Parent</th><td><a href=\"/console/workflows/").Append(Url(parent)).Append("\">").Append(E(parent)).Append("</a></td></tr>");
        }

        body.Append("</table>");
        if (details.PendingActivities.Count > 0)
        {
            body.Append("<h2>Pending activities</h2><table id=\"pending\"><tr><th>Activity</th><th>State</th><th>Attempt</th><th>Last failure</th><th>Next attempt</th></tr>");
            foreach (var a in details.PendingActivities)
            {
                body.Append("<tr><td>").Append(E(a.ActivityType)).Append("</td><td>").Append(E(a.State)).Append("</td><td>").Append(E(a.Attempt))
                    .Append("</td><td class=\"failure\">").Append(E(a.LastFailure)).Append("</td><td>").Append(E(a.NextAttemptAt)).Append("</td></tr>");
            }

            body.Append("</table>");
        }

        if (details.QueryName is { } query)
        {
            body.Append("<h2>Query ").Append(E(query)).Append("</h2>")
                .Append(details.QueryResult is { } result ? $"<pre id=\"query\">{E(result)}</pre>" : $"<div class=\"problem\">{E(details.QueryError)}</div>");
        }

        body.Append("<h2>History</h2><table id=\"timeline\"><tr><th>#</th><th>Time (UTC)</th><th>What</th><th>Message ID</th><th>Detail</th><th>Payload</th></tr>");
        foreach (var t in details.Timeline)
        {
            body.Append("<tr><td>").Append(E(t.EventId)).Append("</td><td>").Append(E(t.Time)).Append("</td><td").Append(t.IsFailure ? " class=\"failure\"" : string.Empty)
                .Append('>').Append(E(t.Title)).Append("</td><td><code>").Append(E(t.MessageId)).Append("</code></td><td>").Append(E(t.Detail))
                .Append("</td><td>").Append(t.Payload is { } p ? $"<pre>{E(p)}</pre>" : string.Empty).Append("</td></tr>");
        }

        body.Append("</table>");
        return Page(context, $"Workflow {workflowId}", body.ToString());
    }

    private static async Task<IResult> ErrorQueuesAsync(HttpContext context, ErrorQueues errors, CancellationToken ct)
    {
        IReadOnlyList<ErrorQueueDepth> depths;
        try
        {
            depths = await errors.DepthsAsync(ct).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex)
        {
            return Problem(context, "Error queues", $"RabbitMQ unreachable: {ex.Message}", StatusCodes.Status503ServiceUnavailable);
        }

        var body = new StringBuilder("<table id=\"queues\"><tr><th>Error queue</th><th>Messages</th><th>Replayed into</th></tr>");
        foreach (var d in depths)
        {
            body.Append("<tr><td><a href=\"/console/errors/").Append(Url(d.Queue)).Append("\">").Append(E(d.Queue)).Append("</a></td><td class=\"depth\">")
                .Append(d.Depth is { } n ? E(n) : "<span class=\"muted\">not declared yet</span>").Append("</td><td>").Append(E(d.InputQueue)).Append("</td></tr>");
        }

        body.Append("</table><p class=\"muted\">A replay moves a message back into its input queue (not to the exchange, which would copy it to every other subscriber); ")
            .Append("cart messages keep their <code>oms-source-exchange</code> header, which tells the cart endpoint which message they are.</p>");
        return Page(context, "Error queues", body.ToString());
    }

    private static async Task<IResult> ErrorQueueAsync(HttpContext context, string queue, string? notice, ErrorQueues errors, TimeProvider clock, CancellationToken ct)
    {
        if (!ErrorQueueCatalog.IsErrorQueue(queue))
        {
            return Problem(context, "Error queue", $"'{queue}' is not one of the service's error queues", StatusCodes.Status404NotFound);
        }

        IReadOnlyList<ErroredMessage> messages;
        try
        {
            messages = await errors.PeekAsync(queue, PageSize, ct).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex)
        {
            return Problem(context, queue, $"RabbitMQ unreachable: {ex.Message}", StatusCodes.Status503ServiceUnavailable);
        }

        var now = clock.GetUtcNow();
        var body = new StringBuilder();
        if (!string.IsNullOrEmpty(notice))
        {
            body.Append("<div class=\"notice\" id=\"notice\">").Append(E(notice)).Append("</div>");
        }

        body.Append("<p>").Append(E(messages.Count)).Append(" message(s) shown (at most ").Append(PageSize).Append("). ");
        if (messages.Count > 0)
        {
            body.Append("<a id=\"replay-all\" href=\"/console/errors/").Append(Url(queue)).Append("/replay\">Replay all…</a>");
        }

        body.Append("</p><table id=\"messages\"><tr><th>Message</th><th>Reason</th><th>Age</th><th>Body</th><th></th></tr>");
        foreach (var m in messages)
        {
            var key = Uri.EscapeDataString(m.Key);
            body.Append("<tr class=\"message\"><td><code>").Append(E(m.Key)).Append("</code>")
                .Append(m.SourceExchange is { } source ? $"<br><span class=\"muted\">from {E(source)}</span>" : string.Empty)
                .Append("</td><td class=\"failure reason\">").Append(E(m.Reason)).Append("<br><span class=\"muted\">").Append(E(m.ExceptionType)).Append("</span></td><td>")
                .Append(E(Age(m.FailedAt, now))).Append("</td><td><pre>").Append(E(m.Body)).Append("</pre>").Append(m.BodyIsText ? string.Empty : "<span class=\"muted\">(base64: not UTF-8)</span>")
                .Append("</td><td><a class=\"replay\" href=\"/console/errors/").Append(Url(queue)).Append("/replay?key=").Append(E(key)).Append("\">Replay…</a><br>")
                .Append("<a class=\"discard\" href=\"/console/errors/").Append(Url(queue)).Append("/discard?key=").Append(E(key)).Append("\">Discard…</a></td></tr>");
        }

        body.Append("</table>");
        return Page(context, queue, body.ToString());
    }

    private static IResult ConfirmReplay(HttpContext context, string queue, string? key)
    {
        if (!ErrorQueueCatalog.IsErrorQueue(queue))
        {
            return Problem(context, "Replay", $"'{queue}' is not one of the service's error queues", StatusCodes.Status404NotFound);
        }

        var what = string.IsNullOrEmpty(key) ? "every message now in" : $"message {key} of";
        var body = $"""
            <p>Replay {E(what)} <code>{E(queue)}</code> into <code>{E(ErrorQueueCatalog.InputQueueOf(queue))}</code>?
            Fix the cause first (a missing workflow, stock, a bad deployment): a message that fails again comes back here.</p>
            <form method="post" action="/console/errors/{Url(queue)}/replay">{Token(context)}
            <input type="hidden" name="key" value="{E(key)}"><button id="confirm">Replay</button> <a href="/console/errors/{Url(queue)}">Cancel</a></form>
            """;
        return Page(context, "Confirm replay", body);
    }

    private static IResult ConfirmDiscard(HttpContext context, string queue, string? key)
    {
        if (!ErrorQueueCatalog.IsErrorQueue(queue) || string.IsNullOrEmpty(key))
        {
            return Problem(context, "Discard", "name an error queue of the service and a message key", StatusCodes.Status400BadRequest);
        }

        var body = $"""
            <p>Discard message <code>{E(key)}</code> of <code>{E(queue)}</code>? It is deleted from the broker; the service log keeps your reason.</p>
            <form method="post" action="/console/errors/{Url(queue)}/discard">{Token(context)}
            <input type="hidden" name="key" value="{E(key)}"><label>Reason <input name="reason" id="reason" required maxlength="500" size="60"></label>
            <button id="confirm">Discard</button> <a href="/console/errors/{Url(queue)}">Cancel</a></form>
            """;
        return Page(context, "Confirm discard", body);
    }

    private static async Task<IResult> ReplayAsync(HttpContext context, string queue, ConsoleAccess access, ErrorQueues errors, OperatorAudit audit, CancellationToken ct)
    {
        if (await access.RefuseActionAsync(context).ConfigureAwait(false) is { } refused)
        {
            return Problem(context, "Replay refused", refused, StatusCodes.Status403Forbidden);
        }

        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var key = NullIfEmpty(form["key"].ToString());
        try
        {
            var replayed = await errors.ReplayAsync(queue, key, cancellationToken: ct).ConfigureAwait(false);
            audit.Replayed(queue, replayed);
            return Results.Redirect($"/console/errors/{Uri.EscapeDataString(queue)}?notice={Uri.EscapeDataString($"Replayed {replayed.Count} message(s) into {ErrorQueueCatalog.InputQueueOf(queue)}.")}");
        }
        catch (ErrorQueueNotFoundException ex)
        {
            return Problem(context, "Replay", ex.Message, StatusCodes.Status404NotFound);
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or InvalidOperationException)
        {
            return Problem(context, "Replay", ex.Message, StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> DiscardAsync(HttpContext context, string queue, ConsoleAccess access, ErrorQueues errors, OperatorAudit audit, CancellationToken ct)
    {
        if (await access.RefuseActionAsync(context).ConfigureAwait(false) is { } refused)
        {
            return Problem(context, "Discard refused", refused, StatusCodes.Status403Forbidden);
        }

        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var key = form["key"].ToString();
        var reason = form["reason"].ToString().Trim();
        if (key.Length == 0 || reason.Length == 0)
        {
            return Problem(context, "Discard", "a message key and a reason are required", StatusCodes.Status400BadRequest);
        }

        try
        {
            var discarded = await errors.DiscardAsync(queue, key, ct).ConfigureAwait(false);
            audit.Discarded(queue, discarded, reason);
            return Results.Redirect($"/console/errors/{Uri.EscapeDataString(queue)}?notice={Uri.EscapeDataString($"Discarded {key}.")}");
        }
        catch (ErrorQueueNotFoundException ex)
        {
            return Problem(context, "Discard", ex.Message, StatusCodes.Status404NotFound);
        }
        catch (BrokerUnreachableException ex)
        {
            return Problem(context, "Discard", ex.Message, StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> OutboxAsync(HttpContext context, string? notice, IOutboxAdmin outbox, TimeProvider clock, CancellationToken ct)
    {
        var rows = await outbox.ListPendingAsync(PageSize, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var token = Token(context);
        var body = new StringBuilder();
        if (!string.IsNullOrEmpty(notice))
        {
            body.Append("<div class=\"notice\" id=\"notice\">").Append(E(notice)).Append("</div>");
        }

        body.Append("<p>").Append(E(rows.Count)).Append(" pending row(s) (failed ones first). Sent rows are not listed; an order's page shows its own.</p>");
        if (rows.Count > 0)
        {
            body.Append("<form class=\"inline\" method=\"post\" action=\"/console/outbox/retry\">").Append(token).Append("<button id=\"retry-all\">Retry all now</button></form>");
        }

        body.Append("<table id=\"outbox\"><tr><th>Message ID</th><th>Exchange</th><th>Age</th><th>Attempts</th><th>Last attempt</th><th>Last error</th><th></th></tr>");
        foreach (var r in rows)
        {
            body.Append("<tr><td><code>").Append(E(r.MessageId)).Append("</code></td><td>").Append(E(r.Exchange)).Append("</td><td>").Append(E(Age(r.CreatedAt, now)))
                .Append("</td><td>").Append(E(r.Attempts)).Append("</td><td>").Append(E(r.LastAttemptAt)).Append("</td><td class=\"failure\">").Append(E(r.LastError))
                .Append("</td><td><form class=\"inline\" method=\"post\" action=\"/console/outbox/retry\">").Append(token)
                .Append("<input type=\"hidden\" name=\"messageId\" value=\"").Append(E(r.MessageId)).Append("\"><button>Retry now</button></form></td></tr>");
        }

        body.Append("</table>");
        return Page(context, "Outbox", body.ToString());
    }

    private static async Task<IResult> RetryAsync(HttpContext context, ConsoleAccess access, IOutboxAdmin outbox, OperatorAudit audit, CancellationToken ct)
    {
        if (await access.RefuseActionAsync(context).ConfigureAwait(false) is { } refused)
        {
            return Problem(context, "Retry refused", refused, StatusCodes.Status403Forbidden);
        }

        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        Guid? messageId = null;
        if (NullIfEmpty(form["messageId"].ToString()) is { } text)
        {
            if (!Guid.TryParse(text, out var parsed))
            {
                return Problem(context, "Retry", "messageId is not a message ID", StatusCodes.Status400BadRequest);
            }

            messageId = parsed;
        }

        var rows = await outbox.RetryNowAsync(messageId, ct).ConfigureAwait(false);
        audit.OutboxRetried(messageId, rows);
        return Results.Redirect($"/console/outbox?notice={Uri.EscapeDataString($"{rows} row(s) made due now.")}");
    }

    private static IResult Login(HttpContext context, string? returnUrl)
    {
        var body = $"""
            <p>Enter the read key or the operator key (settings <code>Console:ReadKey</code>, <code>Console:OperatorKey</code>).
            The browser keeps a session cookie (HttpOnly, SameSite=Strict) that holds a hash of it, not the key.</p>
            <form method="post" action="/console/login">{Token(context)}<input type="hidden" name="returnUrl" value="{E(returnUrl)}">
            <label>Key <input type="password" name="key" id="key" autocomplete="current-password"></label><button id="sign-in">Sign in</button></form>
            <form method="post" action="/console/logout">{Token(context)}<button>Sign out</button></form>
            """;
        return Page(context, "Sign in", body);
    }

    private static async Task<IResult> LoginAsync(HttpContext context, ConsoleAccess access, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return Problem(context, "Sign in", "the form's antiforgery token is missing or invalid: reload the page", StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        if (access.SessionFor(form["key"].ToString()) is not { } session)
        {
            return Problem(context, "Sign in", "that key is not the read or the operator key", StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(ConsoleAccess.CookieName, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
        });
        var returnUrl = form["returnUrl"].ToString();
        // Only a local path: the form must not become an open redirect.
        return Results.Redirect(returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) ? returnUrl : "/");
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery)
    {
        if (await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            context.Response.Cookies.Delete(ConsoleAccess.CookieName);
        }

        return Results.Redirect("/console/login");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
