using System.Globalization;
using System.Text.Json.Nodes;
using Temporalio.Api.History.V1;

namespace WarehouseOms.Cli.Temporal;

/// <summary>One line per history event, like <c>tctl workflow show</c>: ID, time (UTC), type and the one detail that identifies it.</summary>
public static class HistoryFormatter
{
    public static string Format(HistoryEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var time = e.EventTime?.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-";
        var detail = Detail(e);
        var line = $"{e.EventId,5}  {time}Z  {e.EventType}";
        return detail is null ? line : $"{line,-72}  {detail}";
    }

    /// <summary>The same event for --json: id, time (ISO 8601 UTC), type and detail.</summary>
    public static JsonNode ToJson(HistoryEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new JsonObject
        {
            ["id"] = e.EventId,
            ["time"] = e.EventTime?.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["type"] = e.EventType.ToString(),
            ["detail"] = Detail(e),
        };
    }

    private static string? Detail(HistoryEvent e) => e.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.WorkflowExecutionStartedEventAttributes =>
            $"{e.WorkflowExecutionStartedEventAttributes.WorkflowType?.Name} on {e.WorkflowExecutionStartedEventAttributes.TaskQueue?.Name}",
        HistoryEvent.AttributesOneofCase.ActivityTaskScheduledEventAttributes => e.ActivityTaskScheduledEventAttributes.ActivityType?.Name,
        HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes => e.ActivityTaskFailedEventAttributes.Failure?.Message,
        HistoryEvent.AttributesOneofCase.ActivityTaskStartedEventAttributes => $"attempt {e.ActivityTaskStartedEventAttributes.Attempt}",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionSignaledEventAttributes => e.WorkflowExecutionSignaledEventAttributes.SignalName,
        HistoryEvent.AttributesOneofCase.TimerStartedEventAttributes => $"fires after {e.TimerStartedEventAttributes.StartToFireTimeout?.ToTimeSpan()}",
        HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionInitiatedEventAttributes =>
            $"{e.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowType?.Name} {e.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowId}",
        HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionStartedEventAttributes => e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution?.WorkflowId,
        HistoryEvent.AttributesOneofCase.MarkerRecordedEventAttributes => e.MarkerRecordedEventAttributes.MarkerName,
        HistoryEvent.AttributesOneofCase.WorkflowTaskFailedEventAttributes => e.WorkflowTaskFailedEventAttributes.Failure?.Message,
        HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes => e.WorkflowExecutionFailedEventAttributes.Failure?.Message,
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes => e.WorkflowExecutionTerminatedEventAttributes.Reason,
        HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes => $"new run {e.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId}",
        _ => null,
    };
}
