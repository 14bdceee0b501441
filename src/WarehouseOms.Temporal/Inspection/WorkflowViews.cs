namespace WarehouseOms.Temporal.Inspection;

/// <summary>One workflow execution as list and describe report it.</summary>
public sealed record WorkflowSummary(
    string WorkflowId,
    string RunId,
    string WorkflowType,
    string Status,
    DateTimeOffset? StartTime,
    DateTimeOffset? CloseTime,
    string TaskQueue,
    string? ParentWorkflowId);

/// <summary>An activity that is scheduled or retrying now (describe), with its attempt and last failure.</summary>
public sealed record PendingActivityView(string ActivityId, string ActivityType, string State, int Attempt, string? LastFailure, DateTimeOffset? NextAttemptAt);

/// <summary>
/// One step of a workflow's history in words: a signal (with the broker message ID it carried), an
/// activity's outcome (attempts, failure), a timer, a child, the start and the end.
/// </summary>
/// <param name="Kind">started, signal, activity, timer, child, workflow-task, closed, other.</param>
/// <param name="Payload">The JSON the event carried (start input, signal argument, result), cut for display.</param>
public sealed record TimelineEntry(
    long EventId,
    DateTimeOffset? Time,
    string Kind,
    string Title,
    string? Detail,
    string? MessageId,
    int? Attempt,
    bool IsFailure,
    string? Payload);

/// <summary>What a developer needs without the Temporal UI: the run, why it waits, what it did.</summary>
public sealed record WorkflowDetails(
    WorkflowSummary Summary,
    IReadOnlyList<PendingActivityView> PendingActivities,
    string? QueryName,
    string? QueryResult,
    string? QueryError,
    IReadOnlyList<TimelineEntry> Timeline);
