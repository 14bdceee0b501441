using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Why a completion cannot be applied; <see cref="Terminates"/>: a payload past the limit also terminates the run.</summary>
internal sealed record InvalidCommand(WorkflowTaskFailedCause Cause, string Message, bool Terminates = false);

internal sealed partial class WorkflowEngine
{
    /// <summary>
    /// Checks the whole completion before anything is applied, so that a task is either applied whole
    /// or failed with its cause — never half-applied. Commands are checked in order against what the
    /// earlier ones of the same task add (two timers with one ID are a duplicate).
    /// </summary>
    private InvalidCommand? ValidateCompletion(Execution execution, Temporalio.Api.WorkflowService.V1.RespondWorkflowTaskCompletedRequest request)
    {
        var activityIds = execution.Activities.Values.Select(a => a.Attributes.ActivityId).ToHashSet(StringComparer.Ordinal);
        var timerIds = execution.Timers.Keys.ToHashSet(StringComparer.Ordinal);
        var nexus = new NexusCommandTally();
        foreach (var command in request.Commands)
        {
            if (Validate(execution, command, activityIds, timerIds, nexus) is { } bad)
            {
                return bad;
            }
        }

        return ValidateUpdateMessages(execution, request);
    }

    private InvalidCommand? Validate(Execution execution, Command command, HashSet<string> activityIds, HashSet<string> timerIds, NexusCommandTally nexus)
    {
        switch (command.CommandType)
        {
            case CommandType.ScheduleActivityTask:
                var a = command.ScheduleActivityTaskCommandAttributes;
                // Temporal checks the queue first, with no default: SDKs send the workflow's own queue.
                if (a is not null && TaskQueueNames.UserDefinedProblem(a.TaskQueue, execution.TaskQueue) is { } badActivityQueue)
                {
                    return new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, badActivityQueue);
                }

                if (a is null || string.IsNullOrEmpty(a.ActivityId) || string.IsNullOrEmpty(a.ActivityType?.Name))
                {
                    return new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ActivityId and ActivityType are required.");
                }

                if (NonZero(a.ScheduleToCloseTimeout) is null && NonZero(a.StartToCloseTimeout) is null)
                {
                    return new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, "A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand.");
                }

                if (!activityIds.Add(a.ActivityId))
                {
                    return new(WorkflowTaskFailedCause.ScheduleActivityDuplicateId, $"Duplicate activity ID {a.ActivityId}.");
                }

                return TooLarge(a.Input, WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ScheduleActivityTaskCommandAttributes.Input exceeds size limit.") ??
                    (RetryPolicyRules.Problem(a.RetryPolicy) is { } badActivityRetry
                        ? new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, badActivityRetry)
                        : null);
            case CommandType.RequestCancelActivityTask:
                return command.RequestCancelActivityTaskCommandAttributes is null
                    ? new(WorkflowTaskFailedCause.BadRequestCancelActivityAttributes, "RequestCancelActivityTaskCommandAttributes is not set on command.")
                    : null;
            case CommandType.StartTimer:
                var t = command.StartTimerCommandAttributes;
                if (t is null || string.IsNullOrEmpty(t.TimerId))
                {
                    return new(WorkflowTaskFailedCause.BadStartTimerAttributes, "TimerId is required.");
                }

                return !timerIds.Add(t.TimerId)
                    ? new(WorkflowTaskFailedCause.StartTimerDuplicateId, $"Duplicate timer ID {t.TimerId}.")
                    : null;
            case CommandType.CancelTimer:
                if (command.CancelTimerCommandAttributes is not { TimerId.Length: > 0 } cancel)
                {
                    return new(WorkflowTaskFailedCause.BadCancelTimerAttributes, "TimerId is not set on command.");
                }

                timerIds.Remove(cancel.TimerId);
                return null;
            case CommandType.RecordMarker:
                var marker = command.RecordMarkerCommandAttributes;
                if (marker is null || string.IsNullOrEmpty(marker.MarkerName))
                {
                    return new(WorkflowTaskFailedCause.BadRecordMarkerAttributes, "MarkerName is not set on command.");
                }

                return marker.Details.Values.Select(p => TooLarge(p, WorkflowTaskFailedCause.BadRecordMarkerAttributes, "RecordMarkerCommandAttributes.Details exceeds size limit."))
                    .FirstOrDefault(x => x is not null);
            case CommandType.UpsertWorkflowSearchAttributes:
                return command.UpsertWorkflowSearchAttributesCommandAttributes is null
                    ? new(WorkflowTaskFailedCause.BadSearchAttributes, "UpsertWorkflowSearchAttributesCommandAttributes is not set on command.")
                    : SearchAttributeProblem(execution, command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes);
            case CommandType.ModifyWorkflowProperties:
                return command.ModifyWorkflowPropertiesCommandAttributes is null
                    ? new(WorkflowTaskFailedCause.BadModifyWorkflowPropertiesAttributes, "ModifyWorkflowPropertiesCommandAttributes is not set on command.")
                    : UpsertedMemoTooLarge(execution, command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo);
            case CommandType.CompleteWorkflowExecution:
                return command.CompleteWorkflowExecutionCommandAttributes is not { } complete
                    ? new(WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes, "CompleteWorkflowExecutionCommandAttributes is not set on command.")
                    : TooLarge(complete.Result, WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes, "CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.");
            case CommandType.FailWorkflowExecution:
                return command.FailWorkflowExecutionCommandAttributes is null
                    ? new(WorkflowTaskFailedCause.BadFailWorkflowExecutionAttributes, "FailWorkflowExecutionCommandAttributes is not set on command.")
                    : null;
            case CommandType.CancelWorkflowExecution:
                return command.CancelWorkflowExecutionCommandAttributes is null
                    ? new(WorkflowTaskFailedCause.BadCancelWorkflowExecutionAttributes, "CancelWorkflowExecutionCommandAttributes is not set on command.")
                    : null;
            case CommandType.StartChildWorkflowExecution:
                var c = command.StartChildWorkflowExecutionCommandAttributes;
                if (c is null || string.IsNullOrEmpty(c.WorkflowId) || string.IsNullOrEmpty(c.WorkflowType?.Name))
                {
                    return new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes, "WorkflowId and WorkflowType are required.");
                }

                if (!KnownNamespace(c.Namespace))
                {
                    return new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes, $"Namespace {c.Namespace} is not found.");
                }

                if (!string.IsNullOrEmpty(c.CronSchedule) && WorkflowCron.TryParse(c.CronSchedule, out var badChildCron) is null)
                {
                    return new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes, $"{badChildCron} WorkflowId={c.WorkflowId} WorkflowType={c.WorkflowType.Name}");
                }

                return TooLarge(c.Input, WorkflowTaskFailedCause.BadStartChildExecutionAttributes, "StartChildWorkflowExecutionCommandAttributes.Input exceeds size limit.") ??
                    MemoTooLarge(c.Memo, WorkflowTaskFailedCause.BadStartChildExecutionAttributes, "StartChildWorkflowExecutionCommandAttributes.Memo exceeds size limit.") ??
                    (RetryPolicyRules.Problem(c.RetryPolicy) is { } badChildRetry
                        ? new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes,
                            $"invalid WorkflowRetryPolicy on StartChildWorkflowExecutionCommand: {badChildRetry}. WorkflowId={c.WorkflowId} WorkflowType={c.WorkflowType?.Name} Namespace={Ns(c.Namespace)}")
                        : SearchAttributeProblem(execution, c.SearchAttributes)) ??
                    ChildTaskQueueProblem(execution, c);
            case CommandType.SignalExternalWorkflowExecution:
                var signal = command.SignalExternalWorkflowExecutionCommandAttributes;
                if (signal is null || string.IsNullOrEmpty(signal.Execution?.WorkflowId) || string.IsNullOrEmpty(signal.SignalName))
                {
                    return new(WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes, "WorkflowId and SignalName are required.");
                }

                return !KnownNamespace(signal.Namespace)
                    ? new(WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes, $"Namespace {signal.Namespace} is not found.")
                    : TooLarge(signal.Input, WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes, "SignalExternalWorkflowExecutionCommandAttributes.Input exceeds size limit.");
            case CommandType.RequestCancelExternalWorkflowExecution:
                var cancelExternal = command.RequestCancelExternalWorkflowExecutionCommandAttributes;
                if (cancelExternal is null || string.IsNullOrEmpty(cancelExternal.WorkflowId))
                {
                    return new(WorkflowTaskFailedCause.BadRequestCancelExternalWorkflowExecutionAttributes, "WorkflowId is required.");
                }

                return !KnownNamespace(cancelExternal.Namespace)
                    ? new(WorkflowTaskFailedCause.BadRequestCancelExternalWorkflowExecutionAttributes, $"Namespace {cancelExternal.Namespace} is not found.")
                    : null;
            case CommandType.ContinueAsNewWorkflowExecution:
                var next = command.ContinueAsNewWorkflowExecutionCommandAttributes;
                if (next is null)
                {
                    return new(WorkflowTaskFailedCause.BadContinueAsNewAttributes, "ContinueAsNewWorkflowExecutionCommandAttributes is not set on command.");
                }

                if (NextRunTaskQueueProblem(execution, next) is { } badNextQueue)
                {
                    return badNextQueue;
                }

                if (!string.IsNullOrEmpty(next.CronSchedule) && WorkflowCron.TryParse(next.CronSchedule, out var badNextCron) is null)
                {
                    return new(WorkflowTaskFailedCause.BadContinueAsNewAttributes, badNextCron);
                }

                return TooLarge(next.Input, WorkflowTaskFailedCause.BadContinueAsNewAttributes, "ContinueAsNewWorkflowExecutionCommandAttributes.Input exceeds size limit.") ??
                    MemoTooLarge(next.Memo, WorkflowTaskFailedCause.BadContinueAsNewAttributes, "ContinueAsNewWorkflowExecutionCommandAttributes. Memo exceeds size limit.") ??
                    (RetryPolicyRules.Problem(next.RetryPolicy) is { } badNextRetry
                        ? new(WorkflowTaskFailedCause.BadContinueAsNewAttributes, badNextRetry)
                        : SearchAttributeProblem(execution, next.SearchAttributes));
            case CommandType.ProtocolMessage:
                return command.ProtocolMessageCommandAttributes is not { MessageId.Length: > 0 }
                    ? new(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, "ProtocolMessageCommandAttributes.MessageId is not set on command.")
                    : null;
            case CommandType.ScheduleNexusOperation:
                return ValidateScheduleNexus(execution, command.ScheduleNexusOperationCommandAttributes, nexus);
            case CommandType.RequestCancelNexusOperation:
                return ValidateCancelNexus(execution, command.RequestCancelNexusOperationCommandAttributes, nexus);
            default:
                return new(WorkflowTaskFailedCause.UnhandledCommand, $"Unknown command type: {command.CommandType}.");
        }
    }

    private bool KnownNamespace(string? ns) => string.IsNullOrEmpty(ns) || namespaces.Contains(ns);

    /// <summary>
    /// Temporal's check of a child's queue (after its search attributes): empty is the parent's, and an internal
    /// per-namespace queue only under a parent on one.
    /// </summary>
    private static InvalidCommand? ChildTaskQueueProblem(Execution parent, StartChildWorkflowExecutionCommandAttributes c)
    {
        var queue = QueueOrDefault(c.TaskQueue, parent.TaskQueue);
        return TaskQueueNames.UserDefinedProblem(queue, parent.TaskQueue) is { } problem
            ? new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes,
                $"invalid TaskQueue on StartChildWorkflowExecutionCommand: {problem}. WorkflowId={c.WorkflowId} WorkflowType={c.WorkflowType?.Name} " +
                $"Namespace={(string.IsNullOrEmpty(c.Namespace) ? parent.Namespace : c.Namespace)} TaskQueue={TaskQueueNames.GoText(queue)}")
            : null;
    }

    /// <summary>Temporal's check of continue-as-new's queue (before its timeouts): empty is the run's own.</summary>
    private static InvalidCommand? NextRunTaskQueueProblem(Execution execution, ContinueAsNewWorkflowExecutionCommandAttributes next)
    {
        var queue = QueueOrDefault(next.TaskQueue, execution.TaskQueue);
        var type = string.IsNullOrEmpty(next.WorkflowType?.Name) ? execution.WorkflowType : next.WorkflowType.Name;
        return TaskQueueNames.UserDefinedProblem(queue, execution.TaskQueue) is { } problem
            ? new(WorkflowTaskFailedCause.BadContinueAsNewAttributes,
                $"error validating ContinueAsNewWorkflowExecutionCommand TaskQueue: {problem}. WorkflowType={type} TaskQueue={TaskQueueNames.GoText(queue)}")
            : null;
    }

    /// <summary>A command's queue as Temporal normalises it: a missing one is a normal queue, an empty name the default.</summary>
    private static Temporalio.Api.TaskQueue.V1.TaskQueue QueueOrDefault(Temporalio.Api.TaskQueue.V1.TaskQueue? queue, string defaultName)
    {
        var normalised = queue?.Clone() ?? new Temporalio.Api.TaskQueue.V1.TaskQueue();
        normalised.Kind = normalised.Kind == TaskQueueKind.Unspecified ? TaskQueueKind.Normal : normalised.Kind;
        normalised.Name = string.IsNullOrEmpty(normalised.Name) ? defaultName : normalised.Name;
        return normalised;
    }

    // Temporal: a payload past limit.blobSize.error fails the task and terminates the run.
    private InvalidCommand? TooLarge(IMessage? payload, WorkflowTaskFailedCause cause, string message) =>
        PastLimit(payload?.CalculateSize() ?? 0, limits.BlobSizeWarn, limits.BlobSizeError, message) ? new(cause, message, Terminates: true) : null;

    // Temporal: a run's memo past limit.memoSize.error fails the task and terminates the run.
    private InvalidCommand? MemoTooLarge(Memo? memo, WorkflowTaskFailedCause cause, string message) =>
        PastLimit(memo?.CalculateSize() ?? 0, limits.MemoSizeWarn, limits.MemoSizeError, message) ? new(cause, message, Terminates: true) : null;

    // Temporal's checks of an upsert's memo: the upserted entries against the blob limit (keys and data, as its
    // payloadsMapSize counts them), then the memo the run would have against the memo limit.
    private InvalidCommand? UpsertedMemoTooLarge(Execution execution, Memo? upserted)
    {
        const WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.BadModifyWorkflowPropertiesAttributes;
        var fields = upserted?.Fields ?? [];
        var entries = fields.Sum(f => f.Key.Length + (f.Value?.Data.Length ?? 0));
        if (PastLimit(entries, limits.BlobSizeWarn, limits.BlobSizeError, "ModifyWorkflowProperties"))
        {
            return new(cause, "ModifyWorkflowPropertiesCommandAttributes exceeds size limit.", Terminates: true);
        }

        var merged = execution.Memo?.Clone() ?? new Memo();
        SearchAttributeRegistry.Merge(merged.Fields, fields);
        return MemoTooLarge(merged, cause, "ModifyWorkflowPropertiesCommandAttributes. Memo exceeds size limit.");
    }

    /// <summary>Appends the command's events. Returns true when a new workflow task is needed at once.</summary>
    private bool ApplyCommand(Execution execution, Command command, long completedId, string identity, List<Action> after, List<ActivityState>? eager)
    {
        var firstEvent = execution.History.Count;
        var needTask = ApplyCommandAttributes(execution, command, completedId, identity, after, eager);
        if (command.UserMetadata is { } metadata && execution.History.Count > firstEvent)
        {
            // As in Temporal: the command's summary and details go on the event it writes (a timer's, an activity's, a child's).
            var e = execution.History[firstEvent];
            execution.HistorySizeBytes -= SizeInHistoryBlob(e.CalculateSize());
            e.UserMetadata = metadata;
            execution.HistorySizeBytes += SizeInHistoryBlob(e.CalculateSize());
        }

        return needTask;
    }

    private bool ApplyCommandAttributes(Execution execution, Command command, long completedId, string identity, List<Action> after, List<ActivityState>? eager)
    {
        switch (command.CommandType)
        {
            case CommandType.ScheduleActivityTask:
                ScheduleActivity(execution, command.ScheduleActivityTaskCommandAttributes, completedId, eager);
                return false;
            case CommandType.RequestCancelActivityTask:
                return RequestCancelActivity(execution, command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId, completedId, identity);
            case CommandType.StartTimer:
                StartTimer(execution, command.StartTimerCommandAttributes, completedId);
                return false;
            case CommandType.CancelTimer:
                CancelTimer(execution, command.CancelTimerCommandAttributes.TimerId, completedId, identity);
                return false;
            case CommandType.RecordMarker:
                var marker = command.RecordMarkerCommandAttributes;
                Append(execution, NewEvent(EventType.MarkerRecorded, e => e.MarkerRecordedEventAttributes = new MarkerRecordedEventAttributes
                {
                    MarkerName = marker.MarkerName,
                    Details = { marker.Details },
                    Header = marker.Header,
                    Failure = marker.Failure,
                    WorkflowTaskCompletedEventId = completedId,
                }));
                return false;
            case CommandType.UpsertWorkflowSearchAttributes:
                var upsert = command.UpsertWorkflowSearchAttributesCommandAttributes;
                taskFloor.ImmediateTask(Clock.Now, gate.Transaction); // Temporal's visibility upsert task
                SearchAttributeRegistry.Merge(execution.SearchAttributes.IndexedFields, upsert.SearchAttributes?.IndexedFields ?? []);

                Append(execution, NewEvent(EventType.UpsertWorkflowSearchAttributes, e => e.UpsertWorkflowSearchAttributesEventAttributes = new UpsertWorkflowSearchAttributesEventAttributes
                {
                    SearchAttributes = upsert.SearchAttributes,
                    WorkflowTaskCompletedEventId = completedId,
                }));
                return false;
            case CommandType.ModifyWorkflowProperties:
                var memo = command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo;
                taskFloor.ImmediateTask(Clock.Now, gate.Transaction); // Temporal's visibility upsert task
                execution.Memo ??= new Memo();
                SearchAttributeRegistry.Merge(execution.Memo.Fields, memo?.Fields ?? []);

                Append(execution, NewEvent(EventType.WorkflowPropertiesModified, e => e.WorkflowPropertiesModifiedEventAttributes = new WorkflowPropertiesModifiedEventAttributes
                {
                    UpsertedMemo = memo,
                    WorkflowTaskCompletedEventId = completedId,
                }));
                return false;
            case CommandType.CompleteWorkflowExecution:
                CompleteRun(execution, command.CompleteWorkflowExecutionCommandAttributes.Result, completedId);
                return false;
            case CommandType.FailWorkflowExecution:
                FailRun(execution, command.FailWorkflowExecutionCommandAttributes.Failure, completedId);
                return false;
            case CommandType.CancelWorkflowExecution:
                CloseRun(execution, NewEvent(EventType.WorkflowExecutionCanceled, e => e.WorkflowExecutionCanceledEventAttributes = new WorkflowExecutionCanceledEventAttributes
                {
                    Details = command.CancelWorkflowExecutionCommandAttributes.Details,
                    WorkflowTaskCompletedEventId = completedId,
                }), WorkflowExecutionStatus.Canceled);
                return false;
            case CommandType.ContinueAsNewWorkflowExecution:
                ContinueAsNew(execution, command.ContinueAsNewWorkflowExecutionCommandAttributes, completedId);
                return false;
            case CommandType.StartChildWorkflowExecution:
                InitiateChild(execution, command.StartChildWorkflowExecutionCommandAttributes, completedId, after);
                return false;
            case CommandType.SignalExternalWorkflowExecution:
                SignalExternal(execution, command.SignalExternalWorkflowExecutionCommandAttributes, completedId, after);
                return false;
            case CommandType.RequestCancelExternalWorkflowExecution:
                CancelExternal(execution, command.RequestCancelExternalWorkflowExecutionCommandAttributes, completedId, after);
                return false;
            case CommandType.ScheduleNexusOperation:
                ScheduleNexusOperation(execution, command.ScheduleNexusOperationCommandAttributes, completedId, after);
                return false;
            case CommandType.RequestCancelNexusOperation:
                RequestCancelNexusOperation(execution, command.RequestCancelNexusOperationCommandAttributes, completedId, after);
                return false;
            default:
                return false; // refused by validation before anything was applied
        }
    }

    private void CompleteRun(Execution execution, Payloads? result, long completedId)
    {
        var next = NextCronRun(execution, result, failure: null);
        CloseRun(execution, NewEvent(EventType.WorkflowExecutionCompleted, e => e.WorkflowExecutionCompletedEventAttributes = new WorkflowExecutionCompletedEventAttributes
        {
            Result = result,
            WorkflowTaskCompletedEventId = completedId,
            NewExecutionRunId = next?.RunId ?? string.Empty,
        }), WorkflowExecutionStatus.Completed);
    }

    private void FailRun(Execution execution, Temporalio.Api.Failure.V1.Failure? failure, long completedId)
    {
        // Workflow retry policy: same rules as activities; the next run starts after the backoff.
        var (retryState, next) = RetryRun(execution, failure, timeout: null);
        next ??= NextCronRun(execution, result: null, failure);
        CloseRun(execution, NewEvent(EventType.WorkflowExecutionFailed, e => e.WorkflowExecutionFailedEventAttributes = new WorkflowExecutionFailedEventAttributes
        {
            Failure = failure,
            RetryState = retryState,
            WorkflowTaskCompletedEventId = completedId,
            NewExecutionRunId = next?.RunId ?? string.Empty,
        }), WorkflowExecutionStatus.Failed);
    }

    /// <summary>
    /// Starts the next attempt when the retry policy allows one before the execution deadline; otherwise
    /// says why not (RetryPolicyNotSet, NonRetryableFailure, MaximumAttemptsReached, Timeout). The next
    /// run keeps the input, header, run timeout, memo and search attributes the failed one started with.
    /// </summary>
    private (RetryState State, Execution? Next) RetryRun(Execution execution, Temporalio.Api.Failure.V1.Failure? failure, TimeoutType? timeout)
    {
        if (execution.RetryPolicy is not { } policy)
        {
            return (RetryState.RetryPolicyNotSet, null); // a run timeout too (Temporal's GetRetryBackoffDuration)
        }

        var started = execution.History[0].WorkflowExecutionStartedEventAttributes;
        var state = RetryStateFor(policy, started.Attempt, failure, timeout);
        if (state != RetryState.InProgress)
        {
            return (state, null);
        }

        var delay = NextRetryDelay(policy, started.Attempt, failure, timeout) ?? TimeSpan.Zero;
        if (execution.ExecutionDeadline is { } deadline && Clock.Now + delay >= deadline)
        {
            return (RetryState.Timeout, null);
        }

        var next = StartNextRun(execution, execution.WorkflowType, execution.TaskQueue, started.Input, ContinueAsNewInitiator.Retry, delay,
            started.Attempt + 1, failure, null, started.Header, started.Memo, started.SearchAttributes, execution.RunTimeout, policy,
            cronSchedule: started.CronSchedule,
            // A retry keeps a pinned version only one it inherited itself (Temporal); a cron run never does.
            inheritedPinned: started.InheritedPinnedVersion is not null ? InheritedPinnedVersion(execution, execution.Namespace, execution.TaskQueue) : null,
            inheritedOverride: InheritedOverride(execution, execution.Namespace, execution.TaskQueue),
            inheritedAutoUpgrade: InheritedAutoUpgradeOnRetry(execution));
        return (RetryState.InProgress, next);
    }

    /// <summary>
    /// A cron workflow's next run, as Temporal starts it when a run completes, fails or times out without a
    /// retry: attempt 1, the same input, its first task held until the schedule's next time, the last
    /// completion result (a failed run passes on the one it received) and the failure, if any.
    /// </summary>
    private Execution? NextCronRun(Execution execution, Payloads? result, Temporalio.Api.Failure.V1.Failure? failure)
    {
        var first = execution.History[0];
        var started = first.WorkflowExecutionStartedEventAttributes;
        if (string.IsNullOrEmpty(started.CronSchedule) ||
            WorkflowCron.TryParse(started.CronSchedule, out _)?.Backoff(execution.ExecutionTime, Clock.Now) is not { } backoff)
        {
            return null;
        }

        return StartNextRun(execution, execution.WorkflowType, execution.TaskQueue, started.Input, ContinueAsNewInitiator.CronSchedule, backoff,
            1, failure, failure is null ? result : started.LastCompletionResult, started.Header, started.Memo, started.SearchAttributes,
            execution.RunTimeout, execution.RetryPolicy, cronSchedule: started.CronSchedule,
            inheritedOverride: InheritedOverride(execution, execution.Namespace, execution.TaskQueue));
    }

    private void ContinueAsNew(Execution execution, ContinueAsNewWorkflowExecutionCommandAttributes attributes, long completedId)
    {
        var type = string.IsNullOrEmpty(attributes.WorkflowType?.Name) ? execution.WorkflowType : attributes.WorkflowType.Name;
        var queue = string.IsNullOrEmpty(attributes.TaskQueue?.Name) ? execution.TaskQueue : attributes.TaskQueue.Name;
        // Unless the command asks the new run to start auto-upgrading, it keeps a pinned run's version.
        var inheritedPin = attributes.InitialVersioningBehavior == ContinueAsNewVersioningBehavior.Unspecified
            ? InheritedPinnedVersion(execution, execution.Namespace, queue)
            : null;
        var next = StartNextRun(execution, type, queue, attributes.Input, ContinueAsNewInitiator.Workflow,
            ContinueAsNewBackoff(execution, NonZero(attributes.BackoffStartInterval)?.ToTimeSpan()), 1, attributes.Failure, attributes.LastCompletionResult,
            attributes.Header, attributes.Memo, attributes.SearchAttributes, NonZero(attributes.WorkflowRunTimeout) ?? execution.RunTimeout,
            attributes.RetryPolicy ?? execution.RetryPolicy, NonZero(attributes.WorkflowTaskTimeout) ?? execution.TaskTimeout, identity: string.Empty, // Temporal starts it with no identity
            attributes.CronSchedule,
            inheritedPin,
            InheritedOverride(execution, execution.Namespace, queue),
            InheritedAutoUpgrade(execution, queue, attributes.InitialVersioningBehavior, inheritedPin is not null),
            DeclinedByContinuing(execution, inheritedPin is not null));
        CloseRun(execution, NewEvent(EventType.WorkflowExecutionContinuedAsNew, e => e.WorkflowExecutionContinuedAsNewEventAttributes = new WorkflowExecutionContinuedAsNewEventAttributes
        {
            NewExecutionRunId = next.RunId,
            WorkflowType = new WorkflowType { Name = type },
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
            Input = attributes.Input,
            WorkflowRunTimeout = next.RunTimeout,
            WorkflowTaskTimeout = next.TaskTimeout,
            BackoffStartInterval = attributes.BackoffStartInterval,
            Initiator = ContinueAsNewInitiator.Workflow,
            Failure = attributes.Failure,
            LastCompletionResult = attributes.LastCompletionResult,
            Header = attributes.Header,
            WorkflowTaskCompletedEventId = completedId,
            Memo = WithoutUnset(attributes.Memo?.Fields) is { } memo ? new Memo { Fields = { memo } } : null,
            SearchAttributes = WithoutUnset(attributes.SearchAttributes?.IndexedFields) is { } indexed ? new SearchAttributes { IndexedFields = { indexed } } : null,
        }), WorkflowExecutionStatus.ContinuedAsNew);
    }

    /// <summary>
    /// The new run's first task backoff, as Temporal's ContinueAsNewMinBackoff: the asked one, stretched so the new run
    /// starts no sooner than the minimal interval after this run's execution time (a tight loop would spin otherwise).
    /// </summary>
    private TimeSpan? ContinueAsNewBackoff(Execution execution, TimeSpan? asked)
    {
        var lifetime = Clock.Now - execution.ExecutionTime;
        return lifetime + (asked ?? TimeSpan.Zero) < continueAsNewMinimalInterval ? continueAsNewMinimalInterval - lifetime : asked;
    }

    /// <summary>The fields with a value (Temporal drops null ones from the events it records), or null when none is left.</summary>
    private static Dictionary<string, Payload>? WithoutUnset(IEnumerable<KeyValuePair<string, Payload>>? fields)
    {
        var kept = fields?.Where(f => !SearchAttributeRegistry.IsUnset(f.Value)).ToDictionary(f => f.Key, f => f.Value.Clone());
        return kept is { Count: > 0 } ? kept : null;
    }

    /// <summary>A run's search attributes without those the server maintains (the new run gets its own).</summary>
    private static SearchAttributes UserSearchAttributes(SearchAttributes attributes)
    {
        var kept = attributes.Clone();
        foreach (var name in kept.IndexedFields.Keys.Where(Deployments.VersioningSearchAttributes.IsServerMaintained).ToList())
        {
            kept.IndexedFields.Remove(name);
        }

        return kept;
    }

    /// <summary>Creates the next run of a chain (continue-as-new or retry); it already exists when the old run closes.</summary>
    private Execution StartNextRun(Execution previous, string type, string taskQueue, Payloads? input, ContinueAsNewInitiator initiator,
        TimeSpan? backoff, int attempt, Temporalio.Api.Failure.V1.Failure? failure, Payloads? lastResult, Header? header, Memo? memo,
        SearchAttributes? searchAttributes, Google.Protobuf.WellKnownTypes.Duration? runTimeout, RetryPolicy? retryPolicy,
        Google.Protobuf.WellKnownTypes.Duration? taskTimeout = null, string identity = "", string cronSchedule = "",
        Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? inheritedPinned = null, Temporalio.Api.Workflow.V1.VersioningOverride? inheritedOverride = null,
        Temporalio.Api.Deployment.V1.InheritedAutoUpgradeInfo? inheritedAutoUpgrade = null, DeclinedTargetVersionUpgrade? declined = null)
    {
        var next = CreateRun(new StartArgs
        {
            Namespace = previous.Namespace,
            WorkflowId = previous.WorkflowId,
            WorkflowType = type,
            TaskQueue = taskQueue,
            RequestId = Guid.NewGuid().ToString(),
            Input = input,
            ExecutionTimeout = previous.ExecutionTimeout,
            ExecutionDeadline = previous.ExecutionDeadline,
            RunTimeout = runTimeout,
            TaskTimeout = taskTimeout ?? previous.TaskTimeout,
            Identity = identity,
            RetryPolicy = retryPolicy,
            Memo = memo ?? previous.Memo,
            SearchAttributes = searchAttributes ?? UserSearchAttributes(previous.SearchAttributes),
            Header = header,
            StartDelay = backoff is { } b && b > TimeSpan.Zero ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(b) : null,
            Parent = previous.Parent,
            Root = previous.Root,
            FirstRunId = previous.FirstRunId,
            ContinuedRunId = previous.RunId,
            PrevAutoResetPoints = previous.AutoResetPoints,
            Initiator = initiator,
            ContinuedFailure = failure,
            LastCompletionResult = lastResult,
            Attempt = attempt,
            CronSchedule = cronSchedule,
            InheritedPinnedVersion = inheritedPinned,
            VersioningOverride = inheritedOverride,
            InheritedAutoUpgradeInfo = inheritedAutoUpgrade,
            DeclinedTargetUpgrade = declined,
            Priority = previous.Priority,
            // As Temporal: every callback of the run, attached ones too, goes on to the next.
            CompletionCallbacks = CompletionCallbacksOf(previous),
            // As Temporal: the started event's links go on to the next run's (links attached later do not).
            Links = previous.History.Count > 0 ? [.. previous.History[0].Links] : [],
        }, signal: null);
        previous.NextRunId = next.RunId;
        // Children of the chain report to the parent when the chain's final run closes.
        if (previous.Parent is { } parent && runsByRunId.TryGetValue(parent.RunId, out var parentRun) &&
            parentRun.Children.TryGetValue(parent.InitiatedEventId, out var child))
        {
            child.RunId ??= previous.RunId;
        }

        return next;
    }
}
