using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The request IDs a run's events attach after its start, as Temporal's AttachRequestID records them: a start's on its
/// options-updated event, an update request's on its admitted or accepted event, an update attachment's on its
/// options-updated event. Each names the last event that carries it, a buffered one before any written (the buffer is
/// written after the history). Kept by <see cref="Execution"/> as its events are written and buffered, so that a look-up
/// does not scan the history; not stored, since the events are: a loaded run builds it again from them.
/// </summary>
internal sealed class AttachedRequestIds
{
    private readonly Dictionary<string, HistoryEvent> written = [];
    private readonly Dictionary<string, HistoryEvent> buffered = [];

    /// <summary>The event that attaches <paramref name="requestId"/>, if any.</summary>
    public AttachedRequestId? Find(string requestId) =>
        buffered.TryGetValue(requestId, out var e) ? new AttachedRequestId(requestId, e, Buffered: true)
        : written.TryGetValue(requestId, out e) ? new AttachedRequestId(requestId, e, Buffered: false)
        : null;

    /// <summary>Every attached request ID, once each, with the event <see cref="Find"/> gives for it.</summary>
    public IEnumerable<AttachedRequestId> All =>
        written.Where(w => !buffered.ContainsKey(w.Key)).Select(w => new AttachedRequestId(w.Key, w.Value, Buffered: false))
            .Concat(buffered.Select(b => new AttachedRequestId(b.Key, b.Value, Buffered: true)));

    /// <summary>An event added to the history (a buffered one too, when the buffer is written).</summary>
    public void Written(HistoryEvent e) => Record(written, e);

    public void Buffered(HistoryEvent e) => Record(buffered, e);

    /// <summary>The buffer lost events (written, dropped at the run's close, or a cancelled timer's fire): it now holds these.</summary>
    public void BufferNowHolds(IEnumerable<HistoryEvent> events)
    {
        buffered.Clear();
        foreach (var e in events)
        {
            Buffered(e);
        }
    }

    private static void Record(Dictionary<string, HistoryEvent> index, HistoryEvent e)
    {
        foreach (var requestId in RequestIdsOf(e))
        {
            index[requestId] = e;
        }
    }

    private static IEnumerable<string> RequestIdsOf(HistoryEvent e)
    {
        IEnumerable<string> ids = e.EventType switch
        {
            EventType.WorkflowExecutionOptionsUpdated => [e.WorkflowExecutionOptionsUpdatedEventAttributes.AttachedRequestId,
                .. e.WorkflowExecutionOptionsUpdatedEventAttributes.WorkflowUpdateOptions.Select(o => o.AttachedRequestId)],
            EventType.WorkflowExecutionUpdateAccepted => [e.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest?.RequestId ?? string.Empty],
            EventType.WorkflowExecutionUpdateAdmitted => [e.WorkflowExecutionUpdateAdmittedEventAttributes.Request?.RequestId ?? string.Empty],
            _ => [],
        };
        return ids.Where(id => id.Length > 0);
    }
}

/// <summary>A request ID and the event that attaches it; a buffered event has no event ID yet.</summary>
internal readonly record struct AttachedRequestId(string RequestId, HistoryEvent Event, bool Buffered);
