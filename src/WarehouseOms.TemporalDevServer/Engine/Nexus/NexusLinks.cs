using System.Globalization;
using System.Reflection;
using System.Web;
using Google.Protobuf.Reflection;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Nexus;

/// <summary>
/// Between Temporal's workflow event (and standalone activity) links and their Nexus URL form
/// (temporal:///namespaces/{ns}/workflows/{id}/{run}/history?eventID=…&amp;eventType=…&amp;referenceType=EventReference, or
/// ?referenceType=RequestIdReference&amp;requestID=…&amp;eventType=… for an event named by the request that made it).
/// </summary>
internal static class NexusLinks
{
    public const string WorkflowEventType = "temporal.api.common.v1.Link.WorkflowEvent";

    // The reference kinds a link's query names (the protobuf message names).
    private const string RequestIdReference = "RequestIdReference";

    // As Temporal's EventTypeFromString: an event type by its proto name (EVENT_TYPE_…, which Temporal and the SDKs
    // write) or its PascalCase one.
    private static readonly Dictionary<string, EventType> EventTypesByName = Enum.GetValues<EventType>()
        .SelectMany(t => new[] { (Name: t.ToString(), Type: t), (Name: ProtoName(t), Type: t) })
        .DistinctBy(n => n.Name)
        .ToDictionary(n => n.Name, n => n.Type, StringComparer.Ordinal);

    /// <summary>The proto name of an event type (EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), as Temporal prints it in links.</summary>
    private static string ProtoName(EventType type) =>
        typeof(EventType).GetField(type.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? type.ToString();

    public static Temporalio.Api.Nexus.V1.Link ToNexus(string ns, string workflowId, string runId, long eventId, EventType eventType) => new()
    {
        Type = WorkflowEventType,
        Url = $"temporal:///namespaces/{Uri.EscapeDataString(ns)}/workflows/{Uri.EscapeDataString(workflowId)}/{Uri.EscapeDataString(runId)}/history" +
            $"?eventID={eventId.ToString(CultureInfo.InvariantCulture)}&eventType={ProtoName(eventType)}&referenceType=EventReference",
    };

    public const string ActivityType = "temporal.api.common.v1.Link.Activity";

    public const string NexusOperationType = "temporal.api.common.v1.Link.NexusOperation";

    /// <summary>A standalone Nexus operation's link to itself, the caller link of its start (…/nexus-operations/{id}/{run}/details).</summary>
    public static Temporalio.Api.Nexus.V1.Link ToNexusOperation(string ns, string operationId, string runId) => new()
    {
        Type = NexusOperationType,
        Url = $"temporal:///namespaces/{Uri.EscapeDataString(ns)}/nexus-operations/{Uri.EscapeDataString(operationId)}/{Uri.EscapeDataString(runId)}/details",
    };

    /// <summary>
    /// The workflow event or standalone activity (…/activities/{id}/{run}/details) a Nexus link names; null for any
    /// other link (Temporal drops those too).
    /// </summary>
    public static Link? FromNexus(Temporalio.Api.Nexus.V1.Link link)
    {
        if (link.Type is not (WorkflowEventType or ActivityType) || !Uri.TryCreate(link.Url, UriKind.Absolute, out var uri) || uri.Scheme != "temporal")
        {
            return null;
        }

        var parts = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (link.Type == ActivityType)
        {
            return parts is ["namespaces", var activityNamespace, "activities", var activityId, var activityRunId, "details"]
                ? new Link { Activity = new Link.Types.Activity { Namespace = activityNamespace, ActivityId = activityId, RunId = activityRunId } }
                : null;
        }

        if (parts is not ["namespaces", var ns, "workflows", var workflowId, var runId, "history"])
        {
            return null;
        }

        var query = HttpUtility.ParseQueryString(uri.Query);
        var workflowEvent = new Link.Types.WorkflowEvent { Namespace = ns, WorkflowId = workflowId, RunId = runId };
        var eventType = EventTypesByName.GetValueOrDefault(query["eventType"] ?? string.Empty, EventType.Unspecified);
        if (query["referenceType"] == RequestIdReference)
        {
            workflowEvent.RequestIdRef = new Link.Types.WorkflowEvent.Types.RequestIdReference { RequestId = query["requestID"] ?? string.Empty, EventType = eventType };
        }
        else if (long.TryParse(query["eventID"], NumberStyles.None, CultureInfo.InvariantCulture, out var eventId))
        {
            workflowEvent.EventRef = new Link.Types.WorkflowEvent.Types.EventReference { EventId = eventId, EventType = eventType };
        }

        return new Link { WorkflowEvent = workflowEvent };
    }
}
