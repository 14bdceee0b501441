using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Temporal;
using WarehouseOms.Temporal.Inspection;
using WarehouseOms.Workflows;

namespace WarehouseOms.Host.Console;

/// <summary>Where a lineage entry comes from.</summary>
public enum LineageSource
{
    /// <summary>A broker message that reached the order's workflows (the intake's start, a signal), with its message ID.</summary>
    Inbound,

    /// <summary>What the workflow did: activities with attempts and failures, timers, children.</summary>
    Workflow,

    /// <summary>A state change recorded in oms.order_events.</summary>
    State,

    /// <summary>An outbound event from the outbox, with its message ID and publish state.</summary>
    Outbound,
}

public sealed record LineageEntry(DateTimeOffset? Time, LineageSource Source, string Title, string? Detail, string? MessageId, bool IsFailure, string? WorkflowId);

/// <summary>An order's outbound event as the outbox knows it (null row fields: the row was sent and purged after its retention).</summary>
public sealed record OutboundView(Guid MessageId, string Exchange, string State, int Attempts, string? LastError, DateTimeOffset? CreatedAt, DateTimeOffset? SentAt);

public sealed record OrderLineageView(
    OrderSummaryRecord Order,
    LiveFulfillmentStatus Live,
    IReadOnlyList<string> WorkflowIds,
    string? WorkflowUnavailableReason,
    IReadOnlyList<OutboundView> Outbound,
    IReadOnlyList<LineageEntry> Timeline);

/// <summary>
/// One order's lineage on one timeline: its intake and fulfillment workflows' histories (inbound messages
/// by the message ID each signal or start carried, activities, timers), its recorded state changes, and
/// the outbound events those changes wrote to the outbox, with their publish state.
/// </summary>
public sealed class OrderLineage(IOrderQueries queries, IOutboxAdmin outbox, IOrderWorkflows workflows, WorkflowBrowser browser)
{
    public async Task<OrderLineageView?> ReadAsync(string orderId, CancellationToken cancellationToken)
    {
        var order = await queries.FindSummaryAsync(orderId, cancellationToken).ConfigureAwait(false);
        if (order is null)
        {
            return null;
        }

        var events = await queries.GetEventsAsync(orderId, cancellationToken).ConfigureAwait(false);
        var live = await workflows.ReadFulfillmentAsync(orderId, cancellationToken).ConfigureAwait(false);
        var timeline = new List<LineageEntry>();
        var workflowIds = new List<string>();
        string? unavailable = null;
        try
        {
            var fulfillment = await browser.ReadAsync(WorkflowIds.OrderFulfillment(orderId), cancellationToken).ConfigureAwait(false);
            if (fulfillment?.Summary.ParentWorkflowId is { } intakeId && await browser.ReadAsync(intakeId, cancellationToken).ConfigureAwait(false) is { } intake)
            {
                Add(timeline, workflowIds, intake);
            }

            if (fulfillment is not null)
            {
                Add(timeline, workflowIds, fulfillment);
            }
            else
            {
                unavailable = "no fulfillment workflow (not started, or past the engine's retention)";
            }
        }
        catch (TemporalUnavailableException ex)
        {
            unavailable = ex.Message;
        }

        foreach (var e in events)
        {
            timeline.Add(new LineageEntry(e.OccurredAt, LineageSource.State, $"v{e.Version} {e.EventType}", e.Payload, null, false, e.WorkflowId));
        }

        var outboundIds = events.Where(e => e.MessageId is not null).Select(e => e.MessageId!.Value).Distinct().ToList();
        var rows = (await outbox.FindAsync(outboundIds, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.MessageId);
        var outbound = outboundIds.Select(id => rows.TryGetValue(id, out var row)
            ? new OutboundView(id, row.Exchange, PublishState(row), row.Attempts, row.LastError, row.CreatedAt, row.SentAt)
            : new OutboundView(id, "?", "sent (row purged after retention)", 0, null, null, null)).ToList();
        foreach (var o in outbound)
        {
            var at = o.CreatedAt ?? events.First(e => e.MessageId == o.MessageId).OccurredAt;
            timeline.Add(new LineageEntry(at, LineageSource.Outbound, $"{o.Exchange} {o.State}",
                o.Attempts > 0 ? $"attempts {o.Attempts}" + (o.LastError is { } error ? $", last error: {error}" : string.Empty) : null,
                o.MessageId.ToString(), o.LastError is not null && o.State == "pending", null));
        }

        // Stable: same-time entries keep their source's own order (history event IDs, event versions).
        var ordered = timeline.Select((entry, index) => (entry, index)).OrderBy(x => x.entry.Time ?? DateTimeOffset.MaxValue).ThenBy(x => x.index).Select(x => x.entry).ToList();
        return new OrderLineageView(order, live, workflowIds, unavailable, outbound, ordered);
    }

    public static string PublishState(OutboxMessage row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.State == OutboxState.Sent ? "sent" : row.Attempts == 0 ? "pending" : "pending (retrying)";
    }

    private static void Add(List<LineageEntry> timeline, List<string> workflowIds, WorkflowDetails workflow)
    {
        workflowIds.Add(workflow.Summary.WorkflowId);
        foreach (var t in workflow.Timeline)
        {
            var source = t.Kind is "signal" or "started" && t.MessageId is not null ? LineageSource.Inbound : LineageSource.Workflow;
            timeline.Add(new LineageEntry(t.Time, source, t.Title, t.Detail, t.MessageId, t.IsFailure, workflow.Summary.WorkflowId));
        }
    }
}
