using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Between a live run and its stored record. Timer handles and waiting queries are not stored: they are re-armed or lost.</summary>
internal static class ExecutionSnapshots
{
    public static ExecutionRecord ToRecord(Execution x) => new()
    {
        Namespace = x.Namespace,
        WorkflowId = x.WorkflowId,
        RunId = x.RunId,
        FirstRunId = x.FirstRunId,
        WorkflowType = x.WorkflowType,
        TaskQueue = x.TaskQueue,
        StartRequestId = x.StartRequestId,
        Ordinal = x.Ordinal,
        StartTime = x.StartTime,
        FirstWorkflowTaskBackoff = x.FirstWorkflowTaskBackoff,
        CloseTime = x.CloseTime,
        TaskTimeout = x.TaskTimeout,
        RunTimeout = x.RunTimeout,
        ExecutionTimeout = x.ExecutionTimeout,
        ExecutionDeadline = x.ExecutionDeadline,
        Memo = x.Memo,
        Priority = x.Priority,
        SearchAttributes = x.SearchAttributes,
        RetryPolicy = x.RetryPolicy,
        Parent = x.Parent is { } p ? new ParentRecord(p.Namespace, p.WorkflowId, p.RunId, p.InitiatedEventId, (int)p.ClosePolicy) : null,
        Root = x.Root,
        Status = (int)x.Status,
        Wft = x.WftSpeculative ? (int)WorkflowTaskState.None : (int)x.Wft,
        WftScheduledId = x.WftSpeculative ? 0 : x.WftScheduledId,
        WftStartedId = x.WftStartedId,
        WftAttempt = x.WftAttempt,
        WftScheduledTime = x.WftScheduledTime,
        WftStartedTime = x.WftStartedTime,
        // A speculative task is not stored; events written or buffered since it was scheduled still need a task.
        WftNeeded = x.WftNeeded || (x.WftSpeculative && (x.WftScheduledId != x.History.Count + 1 || x.Buffer.Count > 0)),
        LastCompletedWftStartedId = x.LastCompletedWftStartedId,
        Buffer = x.Buffer.Select(b => new BufferedRecord(b.Event, b.LinkStarted)).ToList(),
        Activities = x.Activities.Values.Select(a => new ActivityRecord
        {
            ScheduledEventId = a.ScheduledEventId,
            Attributes = a.Attributes,
            ScheduledTime = a.ScheduledTime,
            CurrentAttemptScheduledTime = a.CurrentAttemptScheduledTime,
            Phase = (int)a.Phase,
            Attempt = a.Attempt,
            StartedTime = a.StartedTime,
            StartedIdentity = a.StartedIdentity,
            HeartbeatDetails = a.HeartbeatDetails,
            LastHeartbeatTime = a.LastHeartbeatTime,
            BackoffDue = a.BackoffDue,
            LastAttemptCompleteTime = a.LastAttemptCompleteTime,
            LastFailure = a.LastFailure,
            CancelRequested = a.CancelRequested,
            CancelRequestedEventId = a.CancelRequestedEventId,
            Paused = a.Paused,
            Pause = a.Pause,
            HeldByWorkflowPause = a.HeldByWorkflowPause,
            ResetPending = a.ResetPending,
            ResetHeartbeats = a.ResetHeartbeats,
        }).ToList(),
        Timers = x.Timers.Values.Select(t => new TimerRecord(t.TimerId, t.StartedEventId, t.Due)).ToList(),
        Children = x.Children.Values.Select(c => new ChildRecord(c.InitiatedEventId, c.Namespace, c.WorkflowId, c.WorkflowType, (int)c.ClosePolicy, c.RunId, c.StartedEvent)).ToList(),
        CallbackOutcomes = [.. x.CallbackOutcomes],
        UpdateCallbacks = [.. x.UpdateCallbacks],
        NexusOperations = x.NexusOperations.Values.Select(n => n.ToRecord()).ToList(),
        CancelRequested = x.CancelRequested,
        RunTimeoutDue = x.RunTimeoutDue,
        StartDelayDue = x.StartDelayDue,
        NextRunId = x.NextRunId,
        ResetRunId = x.ResetRunId,
        IsResetRun = x.IsResetRun,
        ResetRequestId = x.ResetRequestId,
        ResetLineage = x.ResetLineage.Count > 0 ? x.ResetLineage : null,
        AutoResetPoints = x.AutoResetPoints,
        PendingAtClose = x.PendingAtClose,
        VersioningInfo = x.VersioningInfo,
        WorkerDeploymentName = x.WorkerDeploymentName.Length > 0 ? x.WorkerDeploymentName : null,
        LastNotifiedTarget = x.LastNotifiedTarget,
        DeclinedTargetUpgrade = x.DeclinedTargetUpgrade,
        HistorySizeBytes = x.HistorySizeBytes,
        StateTransitionCount = x.StateTransitionCount,
        Pause = x.Pause,
    };

    public static Execution FromRecord(ExecutionRecord r, IReadOnlyList<byte[]> history, IReadOnlyList<string> requestIds)
    {
        if (r.Format != ExecutionRecord.CurrentFormat)
        {
            throw new InvalidDataException($"Execution {r.WorkflowId}/{r.RunId} is stored in format {r.Format}; this engine reads {ExecutionRecord.CurrentFormat}.");
        }

        var x = new Execution
        {
            Namespace = r.Namespace,
            WorkflowId = r.WorkflowId,
            RunId = r.RunId,
            FirstRunId = r.FirstRunId,
            WorkflowType = r.WorkflowType,
            TaskQueue = r.TaskQueue,
            StartRequestId = r.StartRequestId,
            StartTime = r.StartTime,
            FirstWorkflowTaskBackoff = r.FirstWorkflowTaskBackoff,
            Ordinal = r.Ordinal,
            CloseTime = r.CloseTime,
            TaskTimeout = r.TaskTimeout,
            RunTimeout = r.RunTimeout,
            ExecutionTimeout = r.ExecutionTimeout,
            ExecutionDeadline = r.ExecutionDeadline,
            Memo = r.Memo,
            Priority = r.Priority,
            SearchAttributes = r.SearchAttributes ?? new SearchAttributes(),
            RetryPolicy = r.RetryPolicy,
            Parent = r.Parent is { } p ? new ParentLink(p.Namespace, p.WorkflowId, p.RunId, p.InitiatedEventId, (ParentClosePolicy)p.ClosePolicy) : null,
            Root = r.Root,
            Status = (WorkflowExecutionStatus)r.Status,
            Wft = (WorkflowTaskState)r.Wft,
            WftScheduledId = r.WftScheduledId,
            WftStartedId = r.WftStartedId,
            WftAttempt = r.WftAttempt,
            WftScheduledTime = r.WftScheduledTime,
            WftStartedTime = r.WftStartedTime,
            WftNeeded = r.WftNeeded,
            LastCompletedWftStartedId = r.LastCompletedWftStartedId,
            CancelRequested = r.CancelRequested,
            RunTimeoutDue = r.RunTimeoutDue,
            StartDelayDue = r.StartDelayDue,
            NextRunId = r.NextRunId,
            ResetRunId = r.ResetRunId,
            IsResetRun = r.IsResetRun,
            ResetRequestId = r.ResetRequestId,
            ResetLineage = r.ResetLineage ?? [],
            AutoResetPoints = r.AutoResetPoints,
            PendingAtClose = r.PendingAtClose,
            WorkerDeploymentName = r.WorkerDeploymentName ?? string.Empty,
            LastNotifiedTarget = r.LastNotifiedTarget,
            DeclinedTargetUpgrade = r.DeclinedTargetUpgrade,
            StateTransitionCount = r.StateTransitionCount,
        };
        x.RestorePause(r.Pause);
        x.SetVersioningInfo(r.VersioningInfo);
        foreach (var bytes in history)
        {
            x.AddToHistory(HistoryEvent.Parser.ParseFrom(bytes));
            x.HistorySizeBytes += WorkflowEngine.SizeInHistoryBlob(bytes.Length);
        }

        if (x.History.Count == 0)
        {
            x.HistorySizeBytes = r.HistorySizeBytes ?? 0; // read without its events (visibility)
        }

        x.PersistedEventCount = x.History.Count;
        foreach (var b in r.Buffer)
        {
            x.AddToBuffer(new BufferedEvent(b.Event, b.LinkStarted));
        }

        foreach (var a in r.Activities)
        {
            x.Activities[a.ScheduledEventId] = new ActivityState
            {
                ScheduledEventId = a.ScheduledEventId,
                Attributes = a.Attributes,
                ScheduledTime = a.ScheduledTime,
                CurrentAttemptScheduledTime = a.CurrentAttemptScheduledTime,
                Phase = (ActivityPhase)a.Phase,
                Attempt = a.Attempt,
                StartedTime = a.StartedTime,
                StartedIdentity = a.StartedIdentity,
                HeartbeatDetails = a.HeartbeatDetails,
                LastHeartbeatTime = a.LastHeartbeatTime,
                BackoffDue = a.BackoffDue,
                LastAttemptCompleteTime = a.LastAttemptCompleteTime,
                LastFailure = a.LastFailure,
                CancelRequested = a.CancelRequested,
                CancelRequestedEventId = a.CancelRequestedEventId,
                Paused = a.Paused,
                Pause = a.Pause,
                HeldByWorkflowPause = a.HeldByWorkflowPause,
                ResetPending = a.ResetPending,
                ResetHeartbeats = a.ResetHeartbeats,
            };
        }

        foreach (var t in r.Timers)
        {
            x.Timers[t.TimerId] = new WorkflowTimer { TimerId = t.TimerId, StartedEventId = t.StartedEventId, Due = t.Due };
        }

        foreach (var c in r.Children)
        {
            x.Children[c.InitiatedEventId] = new ChildState
            {
                InitiatedEventId = c.InitiatedEventId,
                Namespace = c.Namespace,
                WorkflowId = c.WorkflowId,
                WorkflowType = c.WorkflowType,
                ClosePolicy = (ParentClosePolicy)c.ClosePolicy,
                RunId = c.RunId,
                StartedEvent = c.StartedEvent,
            };
        }

        x.CallbackOutcomes.AddRange(r.CallbackOutcomes);
        x.UpdateCallbacks.AddRange(r.UpdateCallbacks);
        foreach (var n in r.NexusOperations)
        {
            x.NexusOperations[n.ScheduledEventId] = Nexus.NexusOperationState.FromRecord(n);
        }

        // Records written before request IDs had their own table still carry them.
        x.RequestIds.UnionWith(r.RequestIds);
        x.RequestIds.UnionWith(requestIds);
        return x;
    }
}
