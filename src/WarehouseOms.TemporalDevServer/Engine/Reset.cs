using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// ResetWorkflowExecution as Temporal's workflow resetter does it: the new run's history is the base
/// run's history up to the workflow task that the reset event finishes, that task failed with cause
/// RESET_WORKFLOW (naming the base and the new run), then the events after the reset point that Temporal
/// re-applies (signals, updates, what happened to the children still pending; see <see cref="Reapply"/>),
/// the post-reset options updates, and a new workflow task. The current run, if still running, is terminated with the reason. What was
/// pending at the reset point is pending again: activities are scheduled afresh (attempt 1), timers keep
/// their original fire time, children keep running and report to the new run.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const string ResetterIdentity = "history-resetter";
    private const int MaxResetPoints = 20;

    /// <summary>How many resets back a child's close still finds its parent (Temporal's redirect limit).</summary>
    internal const int MaxResetLineage = 100;

    public ResetWorkflowExecutionResponse ResetWorkflow(ResetWorkflowExecutionRequest request)
    {
        RequireResetRequestId(request.RequestId);
        using (gate.Enter())
        {
            var baseRun = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            var finishId = request.WorkflowTaskFinishEventId;
            if (finishId <= 1 || finishId > baseRun.History.Count)
            {
                throw Errors.InvalidArgument("Workflow task finish ID must be > 1 && <= workflow last event ID.");
            }

            // The history up to the event before the reset point must end with a workflow task that is
            // scheduled or started (and so pending once the prefix is replayed).
            var last = baseRun.History[(int)finishId - 2];
            if (last.EventType is not (EventType.WorkflowTaskStarted or EventType.WorkflowTaskScheduled))
            {
                throw Errors.InvalidArgument($"Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: {finishId}");
            }

            RequirePostResetOperations(request, baseRun);

            var current = Current(baseRun.Namespace, baseRun.WorkflowId) ?? throw Errors.NotFound(WorkflowNotFound(baseRun.WorkflowId));
            if (current.ResetRequestId == request.RequestId)
            {
                return new ResetWorkflowExecutionResponse { RunId = current.RunId };
            }

            var prefix = baseRun.History.Take((int)finishId - 1).Select(e => e.Clone()).ToList();
            var later = EventsAfterResetPoint(baseRun, current, finishId);

            // Linked before the current run closes: a base run terminated by its reset leaves its children running.
            var resetRunId = Guid.NewGuid().ToString();
            baseRun.ResetRunId = resetRunId;
            MarkDirty(baseRun);
            if (current.IsOpen)
            {
                Terminate(current, request.Reason, null, ResetterIdentity);
            }

            var reset = CreateResetRun(baseRun, resetRunId, prefix, request);
            Reapply(reset, later, ReapplyExclusions(request));
            ApplyPostResetOperations(reset, request);
            RegisterUpdateCallbacksFromHistory(reset);
            ScheduleWorkflowTask(reset);
            Clock.Poke();
            Log("Reset {WorkflowId}/{RunId} to event {EventId}: new run {NewRunId}", baseRun.WorkflowId, baseRun.RunId, finishId, reset.RunId);
            return new ResetWorkflowExecutionResponse { RunId = reset.RunId };
        }
    }

    /// <summary>
    /// Temporal's frontend checks a reset's request ID first: unlike a start's, a missing one is refused rather than
    /// made up, since a repeated reset is recognised by it.
    /// </summary>
    private static void RequireResetRequestId(string? requestId)
    {
        if (string.IsNullOrEmpty(requestId))
        {
            throw Errors.InvalidArgument("RequestId is not set on request.");
        }

        RequireRequestIdLength(requestId);
    }

    private static bool TerminatedByResetter(HistoryEvent closeEvent) =>
        closeEvent.WorkflowExecutionTerminatedEventAttributes?.Identity == ResetterIdentity;

    /// <summary>
    /// The base run's events after the reset point, then those of the runs it continued as new into, up to
    /// the current run (Temporal follows continue-as-new links only).
    /// </summary>
    private List<LaterEvent> EventsAfterResetPoint(Execution baseRun, Execution current, long finishId)
    {
        var later = baseRun.History.Skip((int)finishId - 1).Select(e => new LaterEvent(e, OfBaseRun: true)).ToList();
        for (var run = baseRun;
             run != current && run.History is [.., { EventType: EventType.WorkflowExecutionContinuedAsNew }] &&
             run.NextRunId is { } next && runsByRunId.TryGetValue(next, out var nextRun);
             run = nextRun)
        {
            later.AddRange(nextRun.History.Select(e => new LaterEvent(e, OfBaseRun: false)));
        }

        return later;
    }

    /// <summary>
    /// The types excluded from re-applying: <c>reset_reapply_exclude_types</c>, plus what the deprecated
    /// <c>reset_reapply_type</c> leaves out (SIGNAL: updates; NONE: signals and updates), as Temporal reads them.
    /// </summary>
    private static HashSet<ResetReapplyExcludeType> ReapplyExclusions(ResetWorkflowExecutionRequest request)
    {
        var excluded = request.ResetReapplyExcludeTypes.ToHashSet();
        switch (request.ResetReapplyType)
        {
            case ResetReapplyType.Signal:
                excluded.Add(ResetReapplyExcludeType.Update);
                break;
            case ResetReapplyType.None:
                excluded.Add(ResetReapplyExcludeType.Signal);
                excluded.Add(ResetReapplyExcludeType.Update);
                break;
        }

        return excluded;
    }

    /// <summary>
    /// Re-applies the events after the reset point, in their order, as Temporal's resetter does: signals;
    /// updates, an accepted one (with its request) becoming WorkflowExecutionUpdateAdmitted with origin REAPPLY
    /// and an admitted one admitted again; options updates (versioning override, priority); and, from the base run, what happened since to a child the new run
    /// has pending (started, failed to start, closed), so the new run hears of it without running it again.
    /// With every exclude type named, Temporal re-applies nothing at all, children's events included.
    /// </summary>
    private void Reapply(Execution reset, List<LaterEvent> later, HashSet<ResetReapplyExcludeType> excluded)
    {
        if (Enum.GetValues<ResetReapplyExcludeType>().All(t => t == ResetReapplyExcludeType.Unspecified || excluded.Contains(t)))
        {
            return;
        }

        var signals = !excluded.Contains(ResetReapplyExcludeType.Signal);
        var updates = !excluded.Contains(ResetReapplyExcludeType.Update);
        foreach (var (e, ofBaseRun) in later)
        {
            switch (e.EventType)
            {
                case EventType.WorkflowExecutionSignaled when signals:
                    var s = e.WorkflowExecutionSignaledEventAttributes;
                    var signal = NewSignalEvent(s.SignalName, s.Input, s.Identity, s.Header, links: e.Links);
                    signal.WorkflowExecutionSignaledEventAttributes.RequestId = s.RequestId;
                    Append(reset, signal);
                    break;
                case EventType.WorkflowExecutionUpdateAdmitted when updates && e.WorkflowExecutionUpdateAdmittedEventAttributes.Request is { } admitted:
                    Readmit(reset, admitted, e.WorkflowExecutionUpdateAdmittedEventAttributes.Origin);
                    break;
                // Without a request it follows an UpdateAdmitted event, which is what is re-applied.
                case EventType.WorkflowExecutionUpdateAccepted when updates && e.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest is { } accepted:
                    Readmit(reset, accepted, UpdateAdmittedEventOrigin.Reapply);
                    break;
                case EventType.WorkflowExecutionOptionsUpdated:
                    var options = e.WorkflowExecutionOptionsUpdatedEventAttributes.Clone();
                    Append(reset, OptionsUpdatedEvent(options));
                    ApplyOptionsUpdated(reset, options);
                    break;
                case var _ when ofBaseRun && ChildInitiatedId(e) is > 0 and var initiatedId && reset.Children.TryGetValue(initiatedId, out var child):
                    ReapplyChildEvent(reset, child, e);
                    break;
            }
        }
    }

    /// <summary>The update is admitted to the new run through its history; the worker takes it from there.</summary>
    private void Readmit(Execution reset, Temporalio.Api.Update.V1.Request request, UpdateAdmittedEventOrigin origin)
    {
        // An ID already in the new run cannot come again (Temporal fails the reset there); it is left as it is.
        var id = request.Meta?.UpdateId;
        if (string.IsNullOrEmpty(id) || reset.Updates.ContainsKey(id) || CompletedUpdate(reset, id) is not null)
        {
            return;
        }

        Append(reset, NewEvent(EventType.WorkflowExecutionUpdateAdmitted, e => e.WorkflowExecutionUpdateAdmittedEventAttributes = new WorkflowExecutionUpdateAdmittedEventAttributes
        {
            Request = request.Clone(),
            Origin = origin,
        }));
        reset.Updates[id] = AdmittedInHistory(request);
    }

    /// <summary>The child is the same execution in both runs: the new run records what the base run heard of it.</summary>
    private void ReapplyChildEvent(Execution reset, ChildState child, HistoryEvent e)
    {
        var copy = e.Clone();
        copy.EventTime = Now;
        copy.TaskId = 0; // a new event of the reset run, with an ID of its own
        if (e.EventType == EventType.ChildWorkflowExecutionStarted)
        {
            if (child.RunId is null)
            {
                child.RunId = e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution?.RunId;
                child.StartedEvent = copy;
                Append(reset, copy);
            }

            return;
        }

        reset.Children.Remove(child.InitiatedEventId);
        AppendLinked(reset, copy, linkStarted: e.EventType != EventType.StartChildWorkflowExecutionFailed);
    }

    /// <summary>The initiated event a child's later event refers to; 0 for other events.</summary>
    private static long ChildInitiatedId(HistoryEvent e) => e.EventType switch
    {
        EventType.StartChildWorkflowExecutionFailed => e.StartChildWorkflowExecutionFailedEventAttributes.InitiatedEventId,
        EventType.ChildWorkflowExecutionStarted => e.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId,
        EventType.ChildWorkflowExecutionCompleted => e.ChildWorkflowExecutionCompletedEventAttributes.InitiatedEventId,
        EventType.ChildWorkflowExecutionFailed => e.ChildWorkflowExecutionFailedEventAttributes.InitiatedEventId,
        EventType.ChildWorkflowExecutionCanceled => e.ChildWorkflowExecutionCanceledEventAttributes.InitiatedEventId,
        EventType.ChildWorkflowExecutionTimedOut => e.ChildWorkflowExecutionTimedOutEventAttributes.InitiatedEventId,
        EventType.ChildWorkflowExecutionTerminated => e.ChildWorkflowExecutionTerminatedEventAttributes.InitiatedEventId,
        _ => 0,
    };

    /// <summary>The new run: the prefix, the reset task failure, and the state the prefix leaves pending.</summary>
    private Execution CreateResetRun(Execution baseRun, string runId, List<HistoryEvent> prefix, ResetWorkflowExecutionRequest request)
    {
        var started = prefix[0].WorkflowExecutionStartedEventAttributes;
        var now = Clock.Now;
        var reset = new Execution
        {
            Namespace = baseRun.Namespace,
            WorkflowId = baseRun.WorkflowId,
            RunId = runId,
            FirstRunId = baseRun.FirstRunId,
            WorkflowType = baseRun.WorkflowType,
            TaskQueue = started.TaskQueue?.Name is { Length: > 0 } queue ? queue : baseRun.TaskQueue,
            // As Temporal: the reset run keeps the original start request ID; the reset's own request ID
            // is what a repeated reset is recognised by.
            StartRequestId = baseRun.StartRequestId,
            StartTime = now,
            FirstWorkflowTaskBackoff = started.FirstWorkflowTaskBackoff?.ToTimeSpan() ?? TimeSpan.Zero,
            TaskTimeout = baseRun.TaskTimeout,
            RunTimeout = baseRun.RunTimeout,
            ExecutionTimeout = baseRun.ExecutionTimeout,
            ExecutionDeadline = baseRun.ExecutionDeadline,
            Memo = started.Memo?.Clone(),
            Priority = started.Priority?.Clone(),
            SearchAttributes = started.SearchAttributes?.Clone() ?? new SearchAttributes(),
            RetryPolicy = baseRun.RetryPolicy,
            Parent = baseRun.Parent,
            Root = baseRun.Root,
            ResetRequestId = request.RequestId,
            IsResetRun = true,
            ResetLineage = [baseRun.RunId, .. baseRun.ResetLineage.Take(MaxResetLineage - 1)],
        };
        reset.RequestIds.Add(request.RequestId);

        Register(reset);
        foreach (var e in prefix)
        {
            Append(reset, e);
        }

        RebuildPendingState(reset, prefix, now);
        RestoreUpdates(reset); // updates accepted before the reset point and not completed are in flight again
        reset.AutoResetPoints = CarriedResetPoints(baseRun, prefix.Count + 1);

        var lastTask = prefix[^1];
        long scheduledId;
        long startedId;
        if (lastTask.EventType == EventType.WorkflowTaskScheduled)
        {
            scheduledId = lastTask.EventId;
            var synthetic = NewEvent(EventType.WorkflowTaskStarted, e => e.WorkflowTaskStartedEventAttributes = new WorkflowTaskStartedEventAttributes
            {
                ScheduledEventId = scheduledId,
                Identity = HistoryServiceIdentity,
                RequestId = Guid.NewGuid().ToString(),
            });
            Append(reset, synthetic);
            startedId = synthetic.EventId;
        }
        else
        {
            startedId = lastTask.EventId;
            scheduledId = lastTask.WorkflowTaskStartedEventAttributes.ScheduledEventId;
        }

        Append(reset, NewEvent(EventType.WorkflowTaskFailed, e => e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
        {
            ScheduledEventId = scheduledId,
            StartedEventId = startedId,
            Cause = WorkflowTaskFailedCause.ResetWorkflow,
            Failure = new Failure { Message = request.Reason ?? string.Empty, ResetWorkflowFailureInfo = new ResetWorkflowFailureInfo() },
            Identity = HistoryServiceIdentity,
            BaseRunId = baseRun.RunId,
            NewRunId = reset.RunId,
        }));

        reset.SizeThroughLastCompletedStart = 0;
        ArmRunTimeout(reset, Clock.Now);
        return reset;
    }

    /// <summary>What the prefix leaves open: activities, timers, children, memo and search attribute upserts, a cancel request.</summary>
    private void RebuildPendingState(Execution reset, List<HistoryEvent> prefix, DateTime now)
    {
        var activities = new Dictionary<long, ActivityTaskScheduledEventAttributes>();
        var timers = new Dictionary<string, HistoryEvent>(StringComparer.Ordinal);
        var nexus = new Dictionary<long, (HistoryEvent Scheduled, string? Token)>();
        foreach (var e in prefix)
        {
            switch (e.EventType)
            {
                case EventType.NexusOperationScheduled: nexus[e.EventId] = (e, null); break;
                case EventType.NexusOperationStarted when nexus.TryGetValue(e.NexusOperationStartedEventAttributes.ScheduledEventId, out var op):
                    nexus[e.NexusOperationStartedEventAttributes.ScheduledEventId] = (op.Scheduled, e.NexusOperationStartedEventAttributes.OperationToken);
                    break;
                case var _ when EndedNexusOperation(e) is > 0 and var ended: nexus.Remove(ended); break;
                case EventType.ActivityTaskScheduled: activities[e.EventId] = e.ActivityTaskScheduledEventAttributes; break;
                case EventType.ActivityTaskCompleted: activities.Remove(e.ActivityTaskCompletedEventAttributes.ScheduledEventId); break;
                case EventType.ActivityTaskFailed: activities.Remove(e.ActivityTaskFailedEventAttributes.ScheduledEventId); break;
                case EventType.ActivityTaskTimedOut: activities.Remove(e.ActivityTaskTimedOutEventAttributes.ScheduledEventId); break;
                case EventType.ActivityTaskCanceled: activities.Remove(e.ActivityTaskCanceledEventAttributes.ScheduledEventId); break;
                case EventType.TimerStarted: timers[e.TimerStartedEventAttributes.TimerId] = e; break;
                case EventType.TimerFired: timers.Remove(e.TimerFiredEventAttributes.TimerId); break;
                case EventType.TimerCanceled: timers.Remove(e.TimerCanceledEventAttributes.TimerId); break;
                case EventType.UpsertWorkflowSearchAttributes:
                    SearchAttributeRegistry.Merge(reset.SearchAttributes.IndexedFields, e.UpsertWorkflowSearchAttributesEventAttributes.SearchAttributes?.IndexedFields ?? []);
                    break;
                case EventType.WorkflowPropertiesModified:
                    reset.Memo ??= new Memo();
                    SearchAttributeRegistry.Merge(reset.Memo.Fields, e.WorkflowPropertiesModifiedEventAttributes.UpsertedMemo?.Fields ?? []);
                    break;
                case EventType.WorkflowExecutionCancelRequested: reset.CancelRequested = true; break;
                case EventType.WorkflowExecutionStarted when e.WorkflowExecutionStartedEventAttributes is { } s:
                    reset.SetVersioningInfo(StartVersioningInfo(s.VersioningOverride, s.InheritedPinnedVersion, s.InheritedAutoUpgradeInfo));
                    break;
                case EventType.WorkflowExecutionOptionsUpdated: ApplyOptionsUpdated(reset, e.WorkflowExecutionOptionsUpdatedEventAttributes); break;
                case EventType.WorkflowTaskCompleted:
                    reset.LastCompletedWftStartedId = e.WorkflowTaskCompletedEventAttributes.StartedEventId;
                    RecordVersioningInfo(reset, e.WorkflowTaskCompletedEventAttributes);
#pragma warning disable CS0612 // the build a worker without deployment versioning reported
                    Deployments.VersioningSearchAttributes.Update(reset, e.WorkflowTaskCompletedEventAttributes.WorkerVersion, e.WorkflowTaskCompletedEventAttributes.DeploymentVersion);
#pragma warning restore CS0612
                    break;
                case EventType.StartChildWorkflowExecutionInitiated: reset.Children[e.EventId] = PendingChild(e); break;
                case EventType.ChildWorkflowExecutionStarted when reset.Children.TryGetValue(ChildInitiatedId(e), out var child):
                    child.RunId = e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution?.RunId;
                    child.StartedEvent = e;
                    break;
                case var _ when ChildInitiatedId(e) is > 0 and var initiatedId: reset.Children.Remove(initiatedId); break;
            }
        }

        foreach (var (timerId, e) in timers)
        {
            var timeout = e.TimerStartedEventAttributes.StartToFireTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
            var timer = new WorkflowTimer { TimerId = timerId, StartedEventId = e.EventId, Due = e.EventTime.ToDateTime() + (timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout) };
            reset.Timers[timerId] = timer;
            ArmTimer(reset, timer);
        }

        foreach (var (scheduledId, (scheduled, token)) in nexus)
        {
            RestoreNexusOperationForReset(reset, scheduled, token, now);
        }

        // A pending activity starts over, scheduled now (Temporal: the reset run's start time).
        foreach (var (scheduledId, attributes) in activities)
        {
            var activity = new ActivityState { ScheduledEventId = scheduledId, Attributes = attributes.Clone(), ScheduledTime = now, CurrentAttemptScheduledTime = now };
            reset.Activities[scheduledId] = activity;
            ArmScheduleToClose(reset, activity);
            QueueActivityAttempt(reset, activity);
        }
    }

    /// <summary>A child initiated before the reset point and not closed by then: still the new run's child.</summary>
    private ChildState PendingChild(HistoryEvent initiated)
    {
        var a = initiated.StartChildWorkflowExecutionInitiatedEventAttributes;
        return new ChildState
        {
            InitiatedEventId = initiated.EventId,
            Namespace = Ns(a.Namespace),
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType?.Name ?? string.Empty,
            ClosePolicy = a.ParentClosePolicy == ParentClosePolicy.Unspecified ? ParentClosePolicy.Terminate : a.ParentClosePolicy,
        };
    }

    // ---- auto reset points (Describe's auto_reset_points) ----

    /// <summary>
    /// As Temporal: a workflow task completion adds a reset point when its (binary checksum, build ID)
    /// pair is new to the run; at most <see cref="MaxResetPoints"/> are kept, newest last.
    /// </summary>
    private static void AddResetPoint(Execution execution, RespondWorkflowTaskCompletedRequest request, long completedEventId, DateTime now)
    {
        var checksum = request.BinaryChecksum ?? string.Empty;
#pragma warning disable CS0612, CS0618 // The worker version stamp is deprecated but still what unversioned workers send.
        var buildId = request.DeploymentOptions?.BuildId is { Length: > 0 } deployment ? deployment : request.WorkerVersionStamp?.BuildId ?? string.Empty;
#pragma warning restore CS0612, CS0618
        var points = execution.AutoResetPoints ??= new ResetPoints();
        if (points.Points.Any(p => p.BinaryChecksum == checksum && p.BuildId == buildId))
        {
            return;
        }

        points.Points.Add(new ResetPointInfo
        {
            BinaryChecksum = checksum,
            BuildId = buildId,
            RunId = execution.RunId,
            FirstWorkflowTaskCompletedId = completedEventId,
            CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(now),
            Resettable = execution.Children.Count == 0,
        });
        while (points.Points.Count > MaxResetPoints)
        {
            points.Points.RemoveAt(0);
        }
    }

    /// <summary>
    /// As Temporal's rolloverAutoResetPointsWithExpiringTime: a continued run keeps the earlier runs' reset points,
    /// those of the run it continues now expiring a retention after its start, those already expired dropped.
    /// </summary>
    private static ResetPoints? RolledOverResetPoints(ResetPoints? previous, string? previousRunId, DateTime start, TimeSpan retention)
    {
        if (previous is null || previous.Points.Count == 0)
        {
            return previous?.Clone();
        }

        var expire = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(start + retention);
        var kept = new ResetPoints();
        foreach (var point in previous.Points)
        {
            if (point.ExpireTime is { } expires && expires.ToDateTime() < start)
            {
                continue;
            }

            var copy = point.Clone();
            if (copy.RunId == previousRunId)
            {
                copy.ExpireTime = expire;
            }

            kept.Points.Add(copy);
        }

        return kept;
    }

    /// <summary>The base run's reset points that lie inside the prefix the reset run shares with it.</summary>
    private static ResetPoints? CarriedResetPoints(Execution baseRun, long firstEventAfterPrefix)
    {
        if (baseRun.AutoResetPoints is not { } points)
        {
            return null;
        }

        var carried = new ResetPoints();
        carried.Points.AddRange(points.Points.Where(p => p.RunId != baseRun.RunId || p.FirstWorkflowTaskCompletedId < firstEventAfterPrefix).Select(p => p.Clone()));
        return carried;
    }

    /// <summary>Describe's extended info: reset links, original start time, last reset time, expiration times, request IDs.</summary>
    private static WorkflowExecutionExtendedInfo ExtendedInfo(Execution execution)
    {
        var info = ExtendedTimes(execution);
        AddRequestIdInfos(info, execution);
        info.PauseInfo = PauseInfoOf(execution);
        return info;
    }

    /// <summary>
    /// As Temporal's RequestIdInfos: the request ID of the start that made the run (its started event), and each one a
    /// later start or update request attached (the event it made, or buffered while a workflow task runs).
    /// </summary>
    private static void AddRequestIdInfos(WorkflowExecutionExtendedInfo info, Execution execution)
    {
        if (!string.IsNullOrEmpty(execution.StartRequestId))
        {
            info.RequestIdInfos[execution.StartRequestId] = new RequestIdInfo { EventType = EventType.WorkflowExecutionStarted, EventId = 1 };
        }

        foreach (var (id, e, buffered) in execution.AttachedRequestIds.All)
        {
            info.RequestIdInfos[id] = buffered
                ? new RequestIdInfo { EventType = e.EventType, Buffered = true }
                : new RequestIdInfo { EventType = e.EventType, EventId = e.EventId };
        }
    }

    private static WorkflowExecutionExtendedInfo ExtendedTimes(Execution execution) => new()
    {
        ResetRunId = execution.ResetRunId ?? string.Empty,
        OriginalStartTime = execution.History.Count > 0 ? execution.History[0].EventTime : null,
        LastResetTime = execution.IsResetRun ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(execution.StartTime) : null,
        CancelRequested = execution.CancelRequested,
        ExecutionExpirationTime = execution.ExecutionDeadline is { } deadline ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(deadline) : null,
        // Temporal's run expiration: start + first task backoff + run timeout, capped by the execution's (the run timeout's due time).
        RunExpirationTime = execution.RunTimeoutDue is { } runDue ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(runDue) : null,
    };
}

/// <summary>An event after the reset point, and whether it is the base run's own (children's events count only there).</summary>
internal readonly record struct LaterEvent(HistoryEvent Event, bool OfBaseRun);
