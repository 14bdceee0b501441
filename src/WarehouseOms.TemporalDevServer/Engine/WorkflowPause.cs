using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Workflow pause (ADR 0056), as Temporal's history service does it (service/history/api/pauseworkflow and
/// unpauseworkflow, mutable state's Apply…PausedEvent): a paused run is open with status Paused; it gets no workflow
/// task (a scheduled one not yet started is failed, a started one may still finish), its activities waiting for a
/// worker or a retry are not offered, queries and updates are refused. Signals, cancel requests, timers, activity
/// results and timeouts are recorded as usual; unpausing offers the held activities and schedules a workflow task.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const string PauseInfoAttribute = "TemporalPauseInfo";

    public void PauseWorkflow(PauseWorkflowExecutionRequest request)
    {
        if (!workflowPause)
        {
            throw Errors.Unimplemented($"workflow pause is not enabled for namespace: {request.Namespace}");
        }

        using (gate.Enter())
        {
            Ns(request.Namespace);
            ValidatePauseFields(request.Reason, request.RequestId, request.Identity);
            var execution = Find(request.Namespace, request.WorkflowId, NullIfEmpty(request.RunId));
            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            if (execution.Pause is { } pause)
            {
                if (pause.RequestId.Length > 0 && pause.RequestId == request.RequestId)
                {
                    return; // the same pause again
                }

                throw Errors.FailedPrecondition("workflow is already paused.");
            }

            MarkDirty(execution);
            FailUnstartedWorkflowTask(execution);
            var paused = NewEvent(EventType.WorkflowExecutionPaused, e => e.WorkflowExecutionPausedEventAttributes = new WorkflowExecutionPausedEventAttributes
            {
                Identity = request.Identity ?? string.Empty,
                Reason = request.Reason ?? string.Empty,
                RequestId = request.RequestId ?? string.Empty,
            });
            paused.WorkerMayIgnore = true; // as Temporal's history builder: SDKs that do not know the event skip it
            execution.MarkPaused(new WorkflowPause(paused.EventTime.ToDateTime(), request.Identity ?? string.Empty, request.Reason ?? string.Empty, request.RequestId ?? string.Empty));
            // Buffered while a workflow task runs (that task may still complete, time out or fail), as Temporal buffers it.
            AddExternal(execution, paused, scheduleTask: false);
            foreach (var activity in execution.Activities.Values.Where(a => a.Phase != ActivityPhase.Started))
            {
                // Temporal bumps every pending activity's stamp: the queued task and the retry timer go stale.
                activity.HeldByWorkflowPause = true;
                activity.BackoffTimer?.Cancel();
                activity.BackoffTimer = null;
            }

            UpdatePauseInfoAttribute(execution);
            Clock.Poke();
        }
    }

    public void UnpauseWorkflow(UnpauseWorkflowExecutionRequest request)
    {
        ValidatePauseFields(request.Reason, request.RequestId, request.Identity);
        using (gate.Enter())
        {
            Ns(request.Namespace);
            var execution = Find(request.Namespace, request.WorkflowId, NullIfEmpty(request.RunId));
            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            if (!execution.IsPaused)
            {
                throw Errors.FailedPrecondition("workflow is not paused.");
            }

            MarkDirty(execution);
            var unpaused = NewEvent(EventType.WorkflowExecutionUnpaused, e => e.WorkflowExecutionUnpausedEventAttributes = new WorkflowExecutionUnpausedEventAttributes
            {
                Identity = request.Identity ?? string.Empty,
                Reason = request.Reason ?? string.Empty,
                RequestId = request.RequestId ?? string.Empty,
            });
            unpaused.WorkerMayIgnore = true;
            execution.MarkUnpaused();
            AddExternal(execution, unpaused, scheduleTask: false);
            OfferHeldActivities(execution);
            UpdatePauseInfoAttribute(execution);
            // As Temporal's unpause (CreateWorkflowTask): a task now, unless one is pending; after a start delay too.
            ScheduleWorkflowTask(execution, endStartDelay: true);
            Clock.Poke();
        }
    }

    /// <summary>
    /// As Temporal's ApplyWorkflowExecutionPausedEvent: a workflow task scheduled and not yet started would never be
    /// resolved (it has no timeout of its own), so it fails, by the server, before the paused event; the task the
    /// unpause schedules is attempt 1. A started task is left to finish, time out or fail.
    /// </summary>
    private void FailUnstartedWorkflowTask(Execution execution)
    {
        if (execution.Wft != WorkflowTaskState.Scheduled)
        {
            return;
        }

        execution.WftScheduleToStartTimer?.Cancel();
        execution.WftScheduleToStartTimer = null;
        if (!execution.WftUnwritten)
        {
            Append(execution, NewEvent(EventType.WorkflowTaskFailed, e => e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                Cause = WorkflowTaskFailedCause.WorkflowPauseRequestedBeforeTaskStarted,
                Identity = HistoryServiceIdentity,
            }));
        }

        // The queued copy is refused when polled: no task is scheduled any more.
        execution.Wft = WorkflowTaskState.None;
        execution.WftSpeculative = false;
        execution.WftOnSticky = false;
        execution.WftAttempt = 1;
    }

    /// <summary>As Temporal's ApplyWorkflowExecutionUnpausedEvent: each held activity is offered again, at its retry time if still ahead.</summary>
    private void OfferHeldActivities(Execution execution)
    {
        foreach (var activity in execution.Activities.Values.Where(a => a.HeldByWorkflowPause).OrderBy(a => a.ScheduledEventId).ToList())
        {
            activity.HeldByWorkflowPause = false;
            if (activity.Paused)
            {
                continue; // an activity paused on its own stays paused
            }

            switch (activity.Phase)
            {
                case ActivityPhase.Scheduled:
                    // Its schedule-to-start timer kept running; only the task goes to the queue again.
                    Dispatch(execution.Namespace, activity.Attributes.TaskQueue.Name, activity: true, new ActivityTaskItem(execution, activity.ScheduledEventId, activity.Attempt));
                    break;
                case ActivityPhase.Backoff:
                    ArmBackoff(execution, activity);
                    break;
            }
        }
    }

    /// <summary>
    /// Temporal's TemporalPauseInfo search attribute (a keyword list): "Workflow:&lt;id&gt;" and "Reason:&lt;reason&gt;" while
    /// the run is paused, and "property:activityType=&lt;type&gt;" for each type of its paused activities; written when the
    /// run or one of its activities is paused or unpaused, removed once empty.
    /// </summary>
    private static void UpdatePauseInfoAttribute(Execution execution)
    {
        var entries = new List<string>();
        if (execution.Pause is { } pause)
        {
            entries.Add($"Workflow:{execution.WorkflowId}");
            if (pause.Reason.Length > 0)
            {
                entries.Add($"Reason:{pause.Reason}");
            }
        }

        entries.AddRange(execution.Activities.Values.Where(a => a.Paused).Select(a => a.Attributes.ActivityType?.Name ?? string.Empty)
            .Distinct(StringComparer.Ordinal).Select(type => $"property:activityType={type}"));
        var fields = execution.SearchAttributes.IndexedFields;
        if (entries.Count == 0)
        {
            // Temporal writes an empty (null) list here; gone is what visibility makes of it.
            fields.Remove(PauseInfoAttribute);
            return;
        }

        fields[PauseInfoAttribute] = SearchAttributeRegistry.JsonPayload(entries, "KeywordList");
    }

    /// <summary>Describe's pause info (WorkflowExtendedInfo.PauseInfo) while the run is paused.</summary>
    private static Temporalio.Api.Workflow.V1.WorkflowExecutionPauseInfo? PauseInfoOf(Execution execution) =>
        execution.Pause is { } pause
            ? new Temporalio.Api.Workflow.V1.WorkflowExecutionPauseInfo
            {
                PausedTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(pause.Time),
                Identity = pause.Identity,
                Reason = pause.Reason,
            }
            : null;

    // Temporal checks the reason, request ID and identity against limit.maxIDLength, in bytes.
    private static void ValidatePauseFields(string? reason, string? requestId, string? identity)
    {
        if (IdLength(reason) > MaxIdLength)
        {
            throw Errors.InvalidArgument("reason is too long.");
        }

        if (IdLength(requestId) > MaxIdLength)
        {
            throw Errors.InvalidArgument("request id is too long.");
        }

        if (IdLength(identity) > MaxIdLength)
        {
            throw Errors.InvalidArgument("identity is too long.");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>Who paused a run, when and why; the request ID makes a repeated pause a no-op.</summary>
internal sealed record WorkflowPause(DateTime Time, string Identity, string Reason, string RequestId);
