using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace WarehouseOms.Temporal.Inspection;

/// <summary>
/// Read-only look into workflows through the client API only (list, describe, history, query), so that it
/// works the same against the embedded engine and a real Temporal cluster. For the operator console.
/// </summary>
public sealed class WorkflowBrowser(ITemporalClient client)
{
    public const int MaxPayloadChars = 4096;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Workflow types the service runs, for the console's filter.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } =
        ["OrderIntakeWorkflow", "OrderFulfillmentWorkflow", "CartWorkflow", "ReplenishmentWorkflow"];

    /// <summary>Statuses as list queries spell them.</summary>
    public static IReadOnlyList<string> KnownStatuses { get; } =
        ["Running", "Completed", "Failed", "Canceled", "Terminated", "ContinuedAsNew", "TimedOut"];

    /// <summary>Newest first; <paramref name="type"/> and <paramref name="status"/> must be one of the known values (or null).</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached.</exception>
    public async Task<IReadOnlyList<WorkflowSummary>> ListAsync(string? type, string? status, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var clauses = new List<string>();
        if (type is not null)
        {
            clauses.Add($"WorkflowType = '{Known(type, KnownTypes)}'");
        }

        if (status is not null)
        {
            clauses.Add($"ExecutionStatus = '{Known(status, KnownStatuses)}'");
        }

        var list = new List<WorkflowSummary>();
        try
        {
            var options = new WorkflowListOptions { Limit = limit, Rpc = Rpc(cancellationToken) };
            await foreach (var execution in client.ListWorkflowsAsync(string.Join(" AND ", clauses), options).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new WorkflowSummary(
                    execution.Id, execution.RunId, execution.WorkflowType, Status(execution.Status),
                    At(execution.StartTime), At(execution.CloseTime), execution.TaskQueue, execution.ParentId));
            }
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.Unavailable)
        {
            throw new TemporalUnavailableException($"Temporal unavailable listing workflows: {ex.Message}", ex);
        }

        return list;
    }

    /// <summary>The latest run of <paramref name="workflowId"/>: describe, its history as a timeline, and its default query; null when there is no such workflow.</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached.</exception>
    public async Task<WorkflowDetails?> ReadAsync(string workflowId, CancellationToken cancellationToken)
    {
        var handle = client.GetWorkflowHandle(workflowId);
        try
        {
            var description = await handle.DescribeAsync(new WorkflowDescribeOptions { Rpc = Rpc(cancellationToken) }).ConfigureAwait(false);
            var summary = new WorkflowSummary(
                description.Id, description.RunId, description.WorkflowType, Status(description.Status),
                At(description.StartTime), At(description.CloseTime), description.TaskQueue, description.ParentId);
            var raw = await client.WorkflowService.DescribeWorkflowExecutionAsync(
                new DescribeWorkflowExecutionRequest
                {
                    Namespace = client.Options.Namespace,
                    Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = workflowId, RunId = description.RunId },
                },
                Rpc(cancellationToken)).ConfigureAwait(false);
            var pending = raw.PendingActivities.Select(a => new PendingActivityView(
                a.ActivityId, a.ActivityType?.Name ?? "?", a.State.ToString().Replace("PendingActivityState", string.Empty, StringComparison.Ordinal),
                a.Attempt, a.LastFailure?.Message, a.NextAttemptScheduleTime?.ToDateTimeOffset())).ToList();

            var events = new List<HistoryEvent>();
            await foreach (var e in client.GetWorkflowHandle(workflowId, description.RunId)
                .FetchHistoryEventsAsync(new WorkflowHistoryEventFetchOptions { Rpc = Rpc(cancellationToken) })
                .WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                events.Add(e);
            }

            var (queryName, result, error) = await DefaultQueryAsync(handle, summary, cancellationToken).ConfigureAwait(false);
            return new WorkflowDetails(summary, pending, queryName, result, error, Timeline(events));
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.Unavailable)
        {
            throw new TemporalUnavailableException($"Temporal unavailable reading {workflowId}: {ex.Message}", ex);
        }
    }

    /// <summary>The history in words, oldest first; activity attempts and outcomes joined to what they ran.</summary>
    public static IReadOnlyList<TimelineEntry> Timeline(IEnumerable<HistoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var activities = new Dictionary<long, (string Type, string Id)>();
        var attempts = new Dictionary<long, int>();
        var timers = new Dictionary<long, string>();
        var entries = new List<TimelineEntry>();
        foreach (var e in events)
        {
            var at = e.EventTime?.ToDateTimeOffset();
            TimelineEntry Entry(string kind, string title, string? detail = null, Payloads? payloads = null, int? attempt = null, bool failure = false)
            {
                var payload = First(payloads);
                return new TimelineEntry(e.EventId, at, kind, title, detail, MessageIdOf(payload), attempt, failure, payload);
            }

            switch (e.AttributesCase)
            {
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionStartedEventAttributes:
                    var started = e.WorkflowExecutionStartedEventAttributes;
                    entries.Add(Entry("started", $"started {started.WorkflowType?.Name} on {started.TaskQueue?.Name}",
                        started.ParentWorkflowExecution is { } parent ? $"child of {parent.WorkflowId}" : started.Identity, started.Input));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionSignaledEventAttributes:
                    var signal = e.WorkflowExecutionSignaledEventAttributes;
                    entries.Add(Entry("signal", $"signal {signal.SignalName}", signal.Identity, signal.Input));
                    break;
                case HistoryEvent.AttributesOneofCase.ActivityTaskScheduledEventAttributes:
                    var scheduled = e.ActivityTaskScheduledEventAttributes;
                    activities[e.EventId] = (scheduled.ActivityType?.Name ?? "?", scheduled.ActivityId);
                    entries.Add(Entry("activity", $"activity {scheduled.ActivityType?.Name} scheduled", $"id {scheduled.ActivityId}", scheduled.Input));
                    break;
                case HistoryEvent.AttributesOneofCase.ActivityTaskStartedEventAttributes:
                    var running = e.ActivityTaskStartedEventAttributes;
                    attempts[running.ScheduledEventId] = running.Attempt;
                    if (running.Attempt > 1 || running.LastFailure is not null)
                    {
                        entries.Add(Entry("activity", $"activity {ActivityName(activities, running.ScheduledEventId)} attempt {running.Attempt}",
                            running.LastFailure is { } last ? $"after failure: {last.Message}" : null, attempt: running.Attempt, failure: running.LastFailure is not null));
                    }

                    break;
                case HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes:
                    var completed = e.ActivityTaskCompletedEventAttributes;
                    entries.Add(Entry("activity", $"activity {ActivityName(activities, completed.ScheduledEventId)} completed",
                        AttemptText(attempts, completed.ScheduledEventId), completed.Result, attempts.GetValueOrDefault(completed.ScheduledEventId)));
                    break;
                case HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes:
                    var failed = e.ActivityTaskFailedEventAttributes;
                    entries.Add(Entry("activity", $"activity {ActivityName(activities, failed.ScheduledEventId)} failed",
                        $"{AttemptText(attempts, failed.ScheduledEventId)}: {failed.Failure?.Message}", attempt: attempts.GetValueOrDefault(failed.ScheduledEventId), failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes:
                    var timedOut = e.ActivityTaskTimedOutEventAttributes;
                    entries.Add(Entry("activity", $"activity {ActivityName(activities, timedOut.ScheduledEventId)} timed out",
                        timedOut.Failure?.Message, attempt: attempts.GetValueOrDefault(timedOut.ScheduledEventId), failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.TimerStartedEventAttributes:
                    var timer = e.TimerStartedEventAttributes;
                    timers[e.EventId] = timer.TimerId;
                    entries.Add(Entry("timer", $"timer {timer.TimerId} started", $"fires after {timer.StartToFireTimeout?.ToTimeSpan()}"));
                    break;
                case HistoryEvent.AttributesOneofCase.TimerFiredEventAttributes:
                    entries.Add(Entry("timer", $"timer {e.TimerFiredEventAttributes.TimerId} fired"));
                    break;
                case HistoryEvent.AttributesOneofCase.TimerCanceledEventAttributes:
                    entries.Add(Entry("timer", $"timer {e.TimerCanceledEventAttributes.TimerId} canceled"));
                    break;
                case HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionInitiatedEventAttributes:
                    var child = e.StartChildWorkflowExecutionInitiatedEventAttributes;
                    entries.Add(Entry("child", $"child {child.WorkflowType?.Name} {child.WorkflowId} requested"));
                    break;
                case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionStartedEventAttributes:
                    entries.Add(Entry("child", $"child {e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution?.WorkflowId} started"));
                    break;
                case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionCompletedEventAttributes:
                    entries.Add(Entry("child", $"child {e.ChildWorkflowExecutionCompletedEventAttributes.WorkflowExecution?.WorkflowId} completed", payloads: e.ChildWorkflowExecutionCompletedEventAttributes.Result));
                    break;
                case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionFailedEventAttributes:
                    entries.Add(Entry("child", $"child {e.ChildWorkflowExecutionFailedEventAttributes.WorkflowExecution?.WorkflowId} failed", e.ChildWorkflowExecutionFailedEventAttributes.Failure?.Message, failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowTaskFailedEventAttributes:
                    entries.Add(Entry("workflow-task", "workflow task failed", e.WorkflowTaskFailedEventAttributes.Failure?.Message, failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.MarkerRecordedEventAttributes:
                    entries.Add(Entry("other", $"marker {e.MarkerRecordedEventAttributes.MarkerName}"));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes:
                    entries.Add(Entry("closed", "completed", payloads: e.WorkflowExecutionCompletedEventAttributes.Result));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes:
                    entries.Add(Entry("closed", "failed", e.WorkflowExecutionFailedEventAttributes.Failure?.Message, failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes:
                    entries.Add(Entry("closed", "terminated", e.WorkflowExecutionTerminatedEventAttributes.Reason, failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes:
                    entries.Add(Entry("closed", "timed out", failure: true));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes:
                    entries.Add(Entry("closed", "canceled"));
                    break;
                case HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes:
                    entries.Add(Entry("closed", "continued as new", $"new run {e.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId}"));
                    break;
                default:
                    // Workflow task scheduled/started/completed: bookkeeping, not what the workflow did.
                    break;
            }
        }

        return entries;
    }

    private async Task<(string? Name, string? Result, string? Error)> DefaultQueryAsync(WorkflowHandle handle, WorkflowSummary summary, CancellationToken cancellationToken)
    {
        if (summary.Status != "Running" || WorkflowKinds.DefaultQuery(summary.WorkflowId) is not { } name)
        {
            return (null, null, null);
        }

        try
        {
            var result = await handle.QueryAsync<JsonElement>(name, [], new WorkflowQueryOptions { Rpc = Rpc(cancellationToken) }).ConfigureAwait(false);
            return (name, JsonSerializer.Serialize(result, Indented), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A query needs a worker: without one (or while it is busy) the page still shows the history.
            return (name, null, ex.Message);
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string ActivityName(Dictionary<long, (string Type, string Id)> activities, long scheduledEventId) =>
        activities.TryGetValue(scheduledEventId, out var a) ? a.Type : $"#{scheduledEventId}";

    private static string AttemptText(Dictionary<long, int> attempts, long scheduledEventId) =>
        attempts.TryGetValue(scheduledEventId, out var n) ? (n == 1 ? "first attempt" : $"attempt {n}") : "attempt ?";

    /// <summary>The first payload as text: JSON as it is, anything else named by its encoding.</summary>
    private static string? First(Payloads? payloads)
    {
        if (payloads?.Payloads_ is not { Count: > 0 } list)
        {
            return null;
        }

        var payload = list[0];
        var encoding = payload.Metadata.TryGetValue("encoding", out var e) ? e.ToStringUtf8() : "?";
        var text = encoding.StartsWith("json/", StringComparison.Ordinal) ? payload.Data.ToStringUtf8()
            : encoding == "binary/null" ? null
            : $"({encoding}, {payload.Data.Length} bytes)";
        return text is { Length: > MaxPayloadChars } ? text[..MaxPayloadChars] + "…" : text;
    }

    /// <summary>The broker message ID a signal or start input carries (records name it <c>messageId</c>).</summary>
    public static string? MessageIdOf(string? json)
    {
        if (json is null || !json.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateObject()
                .FirstOrDefault(p => string.Equals(p.Name, "messageId", StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } id
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Known(string value, IReadOnlyList<string> known) =>
        known.FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"'{value}' is not one of {string.Join(", ", known)}", nameof(value));

    internal static string Status(WorkflowExecutionStatus status) =>
        status.ToString().Replace("WorkflowExecutionStatus", string.Empty, StringComparison.Ordinal);

    private static DateTimeOffset? At(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    private static RpcOptions Rpc(CancellationToken cancellationToken) => new() { CancellationToken = cancellationToken, Timeout = Timeout };
}
