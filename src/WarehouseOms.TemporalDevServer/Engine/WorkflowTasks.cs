using Microsoft.Extensions.Logging;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    // Temporal: a failing task's timeout grows after the third attempt (5 s doubling, capped), so a
    // workflow that keeps failing is retried ever more slowly instead of in a tight loop.
    private const int WorkflowTaskRetryBackoffMinAttempts = 3;
    private static readonly TimeSpan WorkflowTaskRetryInitialInterval = TimeSpan.FromSeconds(5);

    /// <summary>At most one workflow task outstanding: schedule one, or remember that one is needed.</summary>
    /// <param name="endStartDelay">A delayed start gets its first task only from its timer or a signal-with-start.</param>
    /// <param name="speculative">Only updates need the task: it is speculative (see <see cref="Execution.WftSpeculative"/>).</param>
    /// <param name="dispatch">False: the caller starts the task itself (returned inline with a completion).</param>
    private void ScheduleWorkflowTask(Execution execution, bool endStartDelay = false, bool speculative = false, bool dispatch = true)
    {
        if (!execution.IsOpen || (execution.StartDelayDue is not null && !endStartDelay))
        {
            return;
        }

        if (execution.IsPaused)
        {
            // As Temporal's ScheduleWorkflowTask: none while paused; UnpauseWorkflowExecution schedules one. A start
            // delay that ends meanwhile is over all the same.
            if (endStartDelay)
            {
                EndStartDelay(execution);
            }

            return;
        }

        switch (execution.Wft)
        {
            case WorkflowTaskState.Scheduled:
                return;
            case WorkflowTaskState.Started:
                execution.WftNeeded = true;
                MarkDirty(execution);
                return;
        }

        EndStartDelay(execution);
        var sticky = stickyQueues && execution.StickyQueue is not null && !execution.WftTransient && !MovesToAnotherVersion(execution);
        execution.WftSpeculative = speculative && !execution.WftTransient;
        if (execution.WftUnwritten)
        {
            // Transient or speculative: no scheduled event now; it is written only if this attempt completes
            // (a speculative one: only if it does more than reject updates).
            execution.WftScheduledId = execution.History.Count + 1;
            MarkDirty(execution);
        }
        else
        {
            var scheduled = NewScheduledEvent(execution, sticky);
            Append(execution, scheduled);
            execution.WftScheduledId = scheduled.EventId;
        }

        execution.Wft = WorkflowTaskState.Scheduled;
        execution.WftScheduledTime = Clock.Now;
        execution.WftNeeded = false;
        execution.WftOnSticky = sticky;
        if (dispatch)
        {
            DispatchScheduledWorkflowTask(execution, new WorkflowTaskItem(execution, execution.WftScheduledId, execution.WftAttempt, sticky));
        }
    }

    private static void EndStartDelay(Execution execution)
    {
        execution.StartDelayTimer?.Cancel();
        execution.StartDelayTimer = null;
        execution.StartDelayDue = null;
    }

    private void DispatchScheduledWorkflowTask(Execution execution, WorkflowTaskItem item)
    {
        if (item.Sticky)
        {
            ArmStickyScheduleToStart(execution, item);
            Dispatch(execution.Namespace, execution.StickyQueue!, activity: false, item);
        }
        else
        {
            Dispatch(execution.Namespace, execution.TaskQueue, activity: false, item);
        }
    }

    /// <summary>
    /// An unpinned run whose queue now routes it to another version leaves its sticky worker for the normal
    /// queue, as Temporal's matching answers such a sticky task (StickyWorkerUnavailable), so it upgrades.
    /// </summary>
    private bool MovesToAnotherVersion(Execution execution) =>
        workerDeployments.HasRoutes && execution.PinnedVersion is null &&
        RouteOf(Queue(execution.Namespace, execution.TaskQueue, activity: false), execution.Namespace, execution.TaskQueue, activity: false)?.TargetFor(execution.WorkflowId) is { } target &&
        target != Deployments.WorkerDeploymentVersionId.Unversioned && target != execution.VersionString;

    private HistoryEvent NewScheduledEvent(Execution execution, bool sticky) =>
        NewEvent(EventType.WorkflowTaskScheduled, e => e.WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
        {
            TaskQueue = sticky
                ? new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.StickyQueue, Kind = TaskQueueKind.Sticky, NormalName = execution.TaskQueue }
                : new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.TaskQueue, Kind = TaskQueueKind.Normal },
            StartToCloseTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(WorkflowTaskTimeout(execution)),
            Attempt = execution.WftAttempt,
        });

    private TimeSpan WorkflowTaskTimeout(Execution execution)
    {
        var timeout = execution.TaskTimeout.ToTimeSpan();
        var extra = execution.WftAttempt - WorkflowTaskRetryBackoffMinAttempts;
        if (extra <= 0)
        {
            return timeout;
        }

        var backoff = WorkflowTaskRetryInitialInterval.TotalSeconds * Math.Pow(2, Math.Min(extra - 1, 30));
        return timeout + TimeSpan.FromSeconds(Math.Min(backoff, limits.WorkflowTaskRetryMaxInterval.TotalSeconds));
    }

    /// <summary>How long a task waits on a run's sticky queue before it goes to the normal queue (the worker's setting, else 5 s).</summary>
    private static TimeSpan StickyTimeout(Execution execution) =>
        execution.StickyScheduleToStart > TimeSpan.Zero ? execution.StickyScheduleToStart : TimeSpan.FromSeconds(5);

    // A sticky task nobody takes in time goes to the normal queue (the cached worker may be gone).
    private void ArmStickyScheduleToStart(Execution execution, WorkflowTaskItem item)
    {
        execution.WftScheduleToStartTimer?.Cancel();
        execution.WftScheduleToStartTimer = ScheduleTask(Clock.Now + StickyTimeout(execution), () =>
        {
            if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Scheduled || !execution.WftOnSticky ||
                execution.WftScheduledId != item.ScheduledEventId || execution.WftAttempt != item.Attempt)
            {
                return;
            }

            // Still speculative only if nothing was written meanwhile (an event makes it a real task).
            var speculative = execution.WftSpeculative && execution.WftScheduledId == execution.History.Count + 1;
            if (!execution.WftSpeculative)
            {
                Append(execution, NewEvent(EventType.WorkflowTaskTimedOut, e => e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
                {
                    ScheduledEventId = execution.WftScheduledId,
                    TimeoutType = TimeoutType.ScheduleToStart,
                }));
            }

            execution.StickyQueue = null;
            execution.Wft = WorkflowTaskState.None;
            execution.WftOnSticky = false;
            // Not a failure of the workflow: the attempt stays, the task goes to the normal queue.
            ScheduleWorkflowTask(execution, speculative: speculative);
            Clock.Poke();
        });
    }

    /// <param name="pollerVersion">The worker deployment version ("name.buildId") of the versioned worker taking the task.</param>
    private PollWorkflowTaskQueueResponse? BuildWorkflowTask(WorkflowTaskItem item, string identity, WorkerVersionStamp? stamp = null, string? pollerVersion = null)
    {
        var execution = item.Execution;
        if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Scheduled || execution.WftScheduledId != item.ScheduledEventId ||
            execution.WftAttempt != item.Attempt || execution.WftOnSticky != item.Sticky)
        {
            return null;
        }

        execution.WftScheduleToStartTimer?.Cancel();
        execution.WftScheduleToStartTimer = null;
        if (execution.WftUnwritten && execution.WftScheduledId != execution.History.Count + 1)
        {
            // Events arrived since the transient or speculative task was scheduled: it becomes a normal one (attempt 1).
            execution.WftAttempt = 1;
            execution.WftSpeculative = false;
            var scheduledNow = NewScheduledEvent(execution, item.Sticky);
            Append(execution, scheduledNow);
            execution.WftScheduledId = scheduledNow.EventId;
        }

        var sizeBytes = execution.HistorySizeBytes;
        var count = execution.History.Count + 1;
        var started = NewEvent(EventType.WorkflowTaskStarted, e => e.WorkflowTaskStartedEventAttributes = new WorkflowTaskStartedEventAttributes
        {
            ScheduledEventId = execution.WftScheduledId,
            Identity = identity,
            RequestId = Guid.NewGuid().ToString(),
            HistorySizeBytes = sizeBytes,
            WorkerVersion = stamp,
            TargetWorkerDeploymentVersionChanged = TargetVersionChanged(execution),
            SuggestContinueAsNew = sizeBytes >= limits.HistorySizeSuggestContinueAsNew || count >= limits.HistoryCountSuggestContinueAsNew,
        });
        if (sizeBytes >= limits.HistorySizeSuggestContinueAsNew)
        {
            started.WorkflowTaskStartedEventAttributes.SuggestContinueAsNewReasons.Add(SuggestContinueAsNewReason.HistorySizeTooLarge);
        }

        if (count >= limits.HistoryCountSuggestContinueAsNew)
        {
            started.WorkflowTaskStartedEventAttributes.SuggestContinueAsNewReasons.Add(SuggestContinueAsNewReason.TooManyHistoryEvents);
        }

        if (execution.WftUnwritten)
        {
            var scheduled = NewScheduledEvent(execution, item.Sticky);
            scheduled.EventId = execution.WftScheduledId;
            scheduled.EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(execution.WftScheduledTime);
            started.EventId = execution.WftScheduledId + 1;
            execution.TransientEvents = [scheduled, started];
            MarkDirty(execution);
        }
        else
        {
            Append(execution, started);
        }

        execution.Wft = WorkflowTaskState.Started;
        StartVersionTransition(execution, pollerVersion);
        execution.WftStartedId = started.EventId;
        execution.WftStartedTime = Clock.Now;
        var scheduledId = execution.WftScheduledId;
        var attempt = execution.WftAttempt;
        ArmWorkflowTaskTimeout(execution);

        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = Token(new TaskToken(TaskToken.Workflow, execution.Namespace, execution.WorkflowId, execution.RunId, scheduledId, attempt,
                Started: execution.WftStartedTime.Ticks)),
            WorkflowExecution = execution.Ref,
            WorkflowType = new WorkflowType { Name = execution.WorkflowType },
            WorkflowExecutionTaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.TaskQueue, Kind = TaskQueueKind.Normal },
            PreviousStartedEventId = execution.LastCompletedWftStartedId,
            StartedEventId = started.EventId,
            Attempt = attempt,
            History = new History(),
            ScheduledTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(execution.WftScheduledTime),
            StartedTime = started.EventTime,
        };

        // A worker polling its sticky queue has the run cached: it gets only what happened since its last task.
        var from = item.Sticky ? (int)Math.Min(execution.LastCompletedWftStartedId, execution.History.Count) : 0;
        response.History.Events.AddRange(from == 0 ? execution.History : execution.History.Skip(from));
        if (execution.TransientEvents is { } transient && execution.WftUnwritten)
        {
            response.History.Events.AddRange(transient);
        }

        Stats.Record(response.History.Events.Count, execution.HistorySizeBytes - (from == 0 ? 0 : execution.SizeThroughLastCompletedStart), item.Sticky);
        foreach (var query in execution.QueriesForNextWft)
        {
            response.Queries[query.Id] = query.Query;
            execution.QueriesInFlight.Add(query);
        }

        execution.QueriesForNextWft.Clear();
        AttachUpdates(execution, response);
        return response;
    }

    private void ArmWorkflowTaskTimeout(Execution execution)
    {
        var scheduledId = execution.WftScheduledId;
        var attempt = execution.WftAttempt;
        execution.WftTimeout = ScheduleTask(execution.WftStartedTime + WorkflowTaskTimeout(execution), () => TimeOutWorkflowTask(execution, scheduledId, attempt));
    }

    private Execution TaskOwner(TaskToken token, char kind)
    {
        if (token.Kind != kind || !runsByRunId.TryGetValue(token.RunId, out var execution))
        {
            throw Errors.NotFound("Workflow task not found.");
        }

        return execution;
    }

    private Execution StartedTask(TaskToken token)
    {
        var execution = TaskOwner(token, TaskToken.Workflow);
        if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Started || execution.WftScheduledId != token.EventId || execution.WftAttempt != token.Attempt ||
            execution.WftStartedTime.Ticks != token.Started || (execution.WftUnwritten && execution.TransientEvents is null))
        {
            throw Errors.NotFound("Workflow task not found.");
        }

        return execution;
    }

    public RespondWorkflowTaskCompletedResponse CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskToken.Workflow);
        RequireIdentity(request.Identity);
        var after = new List<Action>();
        using (gate.Enter())
        {
            var execution = StartedTask(token);
            if (execution.IsPaused && request.ForceCreateNewWorkflowTask)
            {
                // As Temporal's RespondWorkflowTaskCompleted: a paused run takes the completion, not a request for another task.
                throw Errors.FailedPrecondition("Workflow is paused and force create new workflow task is not allowed.");
            }

            var commands = request.Commands;
            if (commands.Any(IsCloseCommand) && HasUnhandledEvents(execution, commands))
            {
                // New events (or updates) arrived while the worker decided to close: it must see them first.
                RejectCompletion(execution, new InvalidCommand(WorkflowTaskFailedCause.UnhandledCommand, string.Empty), request.Identity);
            }

            if (ValidateCompletion(execution, request) is { } bad)
            {
                RejectCompletion(execution, bad, request.Identity);
            }

            execution.WftTimeout?.Cancel();
            if (OnlyRejectsUpdates(execution, request))
            {
                return DropSpeculativeTask(execution, request);
            }

            if (execution.WftUnwritten && execution.TransientEvents is { } transient)
            {
                // The attempt that completes is written after all, with its attempt number.
                foreach (var e in transient)
                {
                    Append(execution, e);
                }

                execution.WftStartedId = transient[^1].EventId;
            }

            execution.TransientEvents = null;
            execution.WftSpeculative = false;
            // While a task is started nothing else is written: the history ends with its started event.
            execution.SizeThroughLastCompletedStart = execution.HistorySizeBytes;
            var completed = NewEvent(EventType.WorkflowTaskCompleted, e => e.WorkflowTaskCompletedEventAttributes = new WorkflowTaskCompletedEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                Identity = request.Identity,
                SdkMetadata = request.SdkMetadata,
                MeteringMetadata = request.MeteringMetadata,
                BinaryChecksum = request.BinaryChecksum,
                // The worker's build: replay reads it back (Workflow.CurrentBuildId of each task).
                WorkerVersion = request.WorkerVersionStamp,
                VersioningBehavior = request.VersioningBehavior,
            });
            RecordDeploymentVersion(completed.WorkflowTaskCompletedEventAttributes, request.DeploymentOptions);
            var versionBefore = (execution.PinnedVersion, execution.VersionString);
            var wasMoving = execution.VersioningInfo?.VersionTransition is not null;
            RecordVersioningInfo(execution, completed.WorkflowTaskCompletedEventAttributes,
                RevisionOnArrival(execution, completed.WorkflowTaskCompletedEventAttributes.DeploymentVersion));
#pragma warning disable CS0612 // the build a worker without deployment versioning reports, as Temporal reads it
            Deployments.VersioningSearchAttributes.Update(execution, request.WorkerVersionStamp, completed.WorkflowTaskCompletedEventAttributes.DeploymentVersion);
#pragma warning restore CS0612
            var stillMoving = execution.VersioningInfo?.VersionTransition is not null;
            if (versionBefore != (execution.PinnedVersion, execution.VersionString) ||
                (!stillMoving && (wasMoving || execution.HoldsActivitiesForMove)))
            {
                OfferActivitiesAfterVersionMove(execution);
            }

            Append(execution, completed);
            AddResetPoint(execution, request, completed.EventId, Clock.Now);
            execution.LastCompletedWftStartedId = execution.WftStartedId;
            execution.Wft = WorkflowTaskState.None;
            execution.WftAttempt = 1;
            // A task that completed on the version the run is leaving: no stickiness there, and (as Temporal) a new
            // task at once so that the move does not wait for the next event.
            SetStickiness(execution, stillMoving ? null : request.StickyAttributes);

            var needTask = request.ForceCreateNewWorkflowTask || stillMoving;
            var eager = new List<ActivityState>();
            var messages = new UpdateMessages(request.Messages);
            foreach (var command in commands)
            {
                if (!execution.IsOpen)
                {
                    break;
                }

                needTask |= command.CommandType == CommandType.ProtocolMessage
                    ? ApplyUpdateMessage(execution, messages.Take(command.ProtocolMessageCommandAttributes.MessageId))
                    : ApplyCommand(execution, command, completed.EventId, request.Identity, after, eager);
            }

            foreach (var message in messages.TakeRemaining())
            {
                if (execution.IsOpen)
                {
                    needTask |= ApplyUpdateMessage(execution, message);
                }
            }

            RejectUnprocessedUpdates(execution);
            AnswerQueries(execution, request);

            var inline = ReturnsNextTaskInline(execution, request);
            if (execution.IsOpen)
            {
                var buffered = FlushBuffer(execution);
                if (buffered || needTask || execution.WftNeeded)
                {
                    ScheduleWorkflowTask(execution, dispatch: !inline);
                }
                else if (HasUpdatesToSend(execution))
                {
                    // Only updates admitted while this task ran: the next task is speculative, as in Temporal.
                    ScheduleWorkflowTask(execution, speculative: true, dispatch: !inline);
                }
            }

            RequeueQueries(execution);
            foreach (var action in after)
            {
                action();
            }

            EnforceHistoryLimits(execution);
            var response = new RespondWorkflowTaskCompletedResponse();
            StartEagerActivities(execution, eager, request.Identity, response);
            if (inline)
            {
                response.WorkflowTask = StartInlineWorkflowTask(execution, request);
            }

            Clock.Poke();
            return response;
        }
    }

    /// <summary>
    /// return_new_workflow_task: a task this completion makes necessary goes straight back to the completing
    /// worker, started, with only its new events (the worker has the run cached), instead of through its
    /// sticky queue, as Temporal does. Not with sticky queues off (every task then carries the whole history),
    /// nor for a versioned worker, whose next task may belong to another version.
    /// </summary>
    private bool ReturnsNextTaskInline(Execution execution, RespondWorkflowTaskCompletedRequest request) =>
        request.ReturnNewWorkflowTask && stickyQueues && execution.StickyQueue is not null &&
        request.DeploymentOptions?.WorkerVersioningMode != WorkerVersioningMode.Versioned &&
        request.WorkerVersionStamp?.UseVersioning != true;

    private PollWorkflowTaskQueueResponse? StartInlineWorkflowTask(Execution execution, RespondWorkflowTaskCompletedRequest request)
    {
        if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Scheduled)
        {
            return null;
        }

        var item = new WorkflowTaskItem(execution, execution.WftScheduledId, execution.WftAttempt, execution.WftOnSticky);
        if (execution.WftOnSticky && BuildWorkflowTask(item, request.Identity, request.WorkerVersionStamp, PollerVersion(request.DeploymentOptions)) is { } task)
        {
            return task;
        }

        // Not startable here after all: the task goes through its queue, as any other.
        DispatchScheduledWorkflowTask(execution, item);
        return null;
    }

    /// <summary>
    /// Buffered events the worker has not seen, not counting a timer fire that this very completion
    /// cancels (it never reaches the workflow), plus updates waiting to be delivered.
    /// </summary>
    private static bool HasUnhandledEvents(Execution execution, IEnumerable<Temporalio.Api.Command.V1.Command> commands)
    {
        var cancelledTimers = commands.Where(c => c.CommandType == CommandType.CancelTimer)
            .Select(c => c.CancelTimerCommandAttributes.TimerId).ToHashSet(StringComparer.Ordinal);
        return execution.Buffer.Any(b => b.Event.TimerFiredEventAttributes is not { } fired || !cancelledTimers.Contains(fired.TimerId)) ||
            execution.Updates.Values.Any(u => u.Stage == UpdateStage.Admitted);
    }

    /// <summary>
    /// A completion the server cannot apply fails the task as Temporal does: WorkflowTaskFailed with the
    /// cause and "Cause: message" (only for the first attempt; a repeat is dropped and times out), and the
    /// worker hears INVALID_ARGUMENT with that message. Too large a payload also terminates the run.
    /// </summary>
    private void RejectCompletion(Execution execution, InvalidCommand bad, string identity)
    {
        var message = bad.Message.Length == 0 ? CauseName(bad.Cause) : $"{CauseName(bad.Cause)}: {bad.Message}";
        if (execution.WftTransient && bad.Cause != WorkflowTaskFailedCause.UnhandledCommand && !bad.Terminates)
        {
            throw Errors.InvalidArgument(message);
        }

        FailWorkflowTask(execution, bad.Cause, ServerFailures.Of(message, nonRetryable: false, fromServer: true), identity);
        if (bad.Terminates)
        {
            Terminate(execution, message, null, HistoryServiceIdentity);
        }

        throw Errors.InvalidArgument(message);
    }

    // A versioned worker names its deployment version; an unversioned one leaves it empty, as in Temporal.
    private static void RecordDeploymentVersion(WorkflowTaskCompletedEventAttributes completed, Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? options)
    {
        completed.WorkerDeploymentName = options?.DeploymentName ?? string.Empty;
        if (options is not null && options.WorkerVersioningMode != WorkerVersioningMode.Versioned)
        {
            // Temporal ignores a behaviour an unversioned worker reports.
            completed.VersioningBehavior = VersioningBehavior.Unspecified;
        }

        if (options is not { WorkerVersioningMode: WorkerVersioningMode.Versioned } || string.IsNullOrEmpty(options.BuildId))
        {
            return;
        }

        completed.DeploymentVersion = new Temporalio.Api.Deployment.V1.WorkerDeploymentVersion { DeploymentName = options.DeploymentName, BuildId = options.BuildId };
    }

    /// <summary>
    /// As Temporal's history does when a workflow task of a run that is not pinned starts on another version than
    /// the run's (StartDeploymentTransition): the run is in transition to that version
    /// (<c>versioning_info.version_transition</c>, effective behavior AUTO_UPGRADE) until a task completes there,
    /// and leaves its sticky worker. Called as the task starts, whose started event already marked the run dirty.
    /// </summary>
    private bool StartVersionTransition(Execution execution, string? pollerVersion)
    {
        if (pollerVersion is null && execution.VersioningInfo?.VersionTransition is not null)
        {
            // Temporal moves the run to "unversioned" here, which this task's completion ends: the same, at once.
            var moved = execution.VersioningInfo.Clone();
            moved.VersionTransition = null;
            execution.SetVersioningInfo(moved);
            return false;
        }

        if (pollerVersion is null || Deployments.WorkerDeploymentVersionId.ToProto(pollerVersion) is not { } target ||
            Deployments.VersioningOverrides.EffectiveBehavior(execution.VersioningInfo) == VersioningBehavior.Pinned ||
            target.Equals(Deployments.VersioningOverrides.EffectiveVersion(execution.VersioningInfo)))
        {
            return false;
        }

        var info = execution.VersioningInfo?.Clone() ?? new Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo();
        info.VersionTransition = new Temporalio.Api.Workflow.V1.DeploymentVersionTransition { DeploymentVersion = target };
        // The routing revision that sent the task there, as Temporal records it when the transition starts.
        info.RevisionNumber = TargetOf(execution).Revision;
        execution.SetVersioningInfo(info);
        ClearStickiness(execution);
        return true;
    }

    /// <summary>
    /// As Temporal's history does on each completion: a versioned worker's behavior and version become the
    /// run's (PINNED keeps its later tasks on that version); an unversioned completion clears them. A transition
    /// ends when a task completes on its version.
    /// </summary>
    /// <param name="revision">The routing revision the run is on after this task; null keeps the recorded one.</param>
    private static void RecordVersioningInfo(Execution execution, WorkflowTaskCompletedEventAttributes completed, long? revision = null)
    {
        execution.WorkerDeploymentName = completed.WorkerDeploymentName;
        var version = completed.DeploymentVersion;
        var transition = execution.VersioningInfo?.VersionTransition is { } moving && !moving.DeploymentVersion.Equals(version) ? moving : null;
        if (completed.VersioningBehavior == VersioningBehavior.Unspecified)
        {
            if (execution.VersioningInfo is { } kept)
            {
                execution.SetVersioningInfo(new Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo { VersioningOverride = kept.VersioningOverride, VersionTransition = transition });
            }

            return;
        }

        var info = execution.VersioningInfo?.Clone() ?? new Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo();
        info.VersionTransition = transition;
        info.Behavior = completed.VersioningBehavior;
#pragma warning disable CS0612 // the v0.31 string Temporal still fills
        info.Version = version is null ? string.Empty : Deployments.WorkerDeploymentVersionId.V31(version.DeploymentName, version.BuildId);
        info.Deployment = null;
#pragma warning restore CS0612
        info.DeploymentVersion = version?.Clone();
        info.RevisionNumber = revision ?? info.RevisionNumber;
        if (Deployments.VersioningOverrides.OneTimeFulfilled(info.VersioningOverride, version))
        {
            info.VersioningOverride = null; // the move is done: the worker's own behavior applies from here
        }

        execution.SetVersioningInfo(info);
    }

    // Temporal's Go enums print as their CamelCase names ("UnhandledCommand"), and so do its messages.
    private static string CauseName(WorkflowTaskFailedCause cause) => cause.ToString();

    private void SetStickiness(Execution execution, Temporalio.Api.TaskQueue.V1.StickyExecutionAttributes? sticky)
    {
        if (stickyQueues && sticky?.WorkerTaskQueue is { Name.Length: > 0 } queue)
        {
            execution.StickyQueue = queue.Name;
            execution.StickyScheduleToStart = sticky.ScheduleToStartTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        }
        else
        {
            execution.StickyQueue = null;
        }
    }

    /// <summary>The worker no longer has the run cached: the next task (and one waiting on the sticky queue) goes to the normal queue.</summary>
    private void ClearStickiness(Execution execution)
    {
        if (execution.StickyQueue is { } sticky)
        {
            MoveQueuedQueries(execution, sticky);
        }

        execution.StickyQueue = null;
        if (execution.Wft == WorkflowTaskState.Scheduled && execution.WftOnSticky)
        {
            execution.WftScheduleToStartTimer?.Cancel();
            execution.WftOnSticky = false;
            Dispatch(execution.Namespace, execution.TaskQueue, activity: false, new WorkflowTaskItem(execution, execution.WftScheduledId, execution.WftAttempt));
        }
    }

    public void ResetStickyTaskQueue(ResetStickyTaskQueueRequest request)
    {
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            ClearStickiness(execution);
        }
    }

    /// <summary>
    /// ShutdownWorker, as Temporal's frontend answers it: the worker's sticky queue is unloaded (its waiting polls
    /// end, every run that pointed at it loses its stickiness) and, with frontend.enableCancelWorkerPollsOnShutdown,
    /// the worker's waiting polls on its task queue end too, so nothing is handed to a worker going away.
    /// </summary>
    public void ShutdownWorker(ShutdownWorkerRequest request)
    {
        using (gate.Enter())
        {
            if (!string.IsNullOrEmpty(request.StickyTaskQueue))
            {
                foreach (var execution in open.Where(x => x.StickyQueue == request.StickyTaskQueue).ToList())
                {
                    ClearStickiness(execution);
                }

                EndPolls(request.Namespace, request.StickyTaskQueue, activity: false, _ => true);
                var key = (Ns(request.Namespace), request.StickyTaskQueue, false);
                if (queues.TryGetValue(key, out var queue) && queue.Pollers.Count == 0)
                {
                    queues.Remove(key);
                }
            }

            if (cancelPollsOnShutdown && !string.IsNullOrEmpty(request.WorkerInstanceKey) && !string.IsNullOrEmpty(request.TaskQueue))
            {
                var types = request.TaskQueueTypes.Count > 0 ? request.TaskQueueTypes.ToList() : [TaskQueueType.Workflow, TaskQueueType.Activity];
                foreach (var type in types.Where(t => t is TaskQueueType.Workflow or TaskQueueType.Activity))
                {
                    EndPolls(request.Namespace, request.TaskQueue, activity: type == TaskQueueType.Activity, p => p.WorkerInstanceKey == request.WorkerInstanceKey);
                }

                if (types.Contains(TaskQueueType.Nexus))
                {
                    EndNexusPolls(request.Namespace, request.TaskQueue, p => p.WorkerInstanceKey == request.WorkerInstanceKey);
                }
            }
        }
    }

    public void FailWorkflowTask(RespondWorkflowTaskFailedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskToken.Workflow);
        RequireIdentity(request.Identity);
        var failure = BoundedFailure(request.Failure, "RespondWorkflowTaskFailed");
        using (gate.Enter())
        {
            var execution = StartedTask(token);
            FailWorkflowTask(execution, request.Cause, failure, request.Identity);
        }
    }

    private void FailWorkflowTask(Execution execution, WorkflowTaskFailedCause cause, Failure? failure, string identity)
    {
        execution.WftTimeout?.Cancel();
        WriteSpeculativeTask(execution);
        if (!execution.WftTransient)
        {
            // Once per failing streak (retries are transient): the first sign of a workflow that is stuck.
            logger?.LogWarning("Workflow task of {WorkflowId} ({RunId}) failed: {Cause}: {Message}", execution.WorkflowId, execution.RunId, cause,
                Printable(failure?.Message));
            Append(execution, NewEvent(EventType.WorkflowTaskFailed, e => e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                Cause = cause,
                Failure = failure,
                Identity = identity ?? string.Empty,
            }));
        }

        RetryWorkflowTask(execution);
    }

    // A worker's text in a log line: control characters escaped, at most 300 characters.
    private static string Printable(string? text) =>
        string.Concat((text ?? string.Empty).Take(300).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    private void TimeOutWorkflowTask(Execution execution, long scheduledId, int attempt)
    {
        if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Started || execution.WftScheduledId != scheduledId || execution.WftAttempt != attempt)
        {
            return;
        }

        WriteSpeculativeTask(execution);
        if (!execution.WftTransient)
        {
            Append(execution, NewEvent(EventType.WorkflowTaskTimedOut, e => e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                TimeoutType = TimeoutType.StartToClose,
            }));
        }

        RetryWorkflowTask(execution);
    }

    /// <summary>
    /// The next attempt after a failure or timeout. As in Temporal: a task that failed on a sticky queue
    /// is retried once more as attempt 1 on the normal queue (the cached worker may be the problem);
    /// otherwise the attempt grows and the task is transient — unless new events arrived, which make it
    /// a normal task again.
    /// </summary>
    private void RetryWorkflowTask(Execution execution)
    {
        execution.Wft = WorkflowTaskState.None;
        execution.TransientEvents = null;
        execution.WftSpeculative = false;
        if (execution.StickyQueue is not null)
        {
            execution.StickyQueue = null;
        }
        else
        {
            execution.WftAttempt++;
        }

        if (FlushBuffer(execution))
        {
            execution.WftAttempt = 1;
        }

        MarkDirty(execution);
        // In-flight queries were never answered: offer them to the next task; so are updates.
        execution.QueriesForNextWft.AddRange(execution.QueriesInFlight);
        execution.QueriesInFlight.Clear();
        ResendUpdates(execution);
        ScheduleWorkflowTask(execution);
        RequeueQueries(execution);
    }

    private void RequeueQueries(Execution execution)
    {
        if (execution.QueriesAfterWft.Count == 0)
        {
            return;
        }

        var waiting = execution.QueriesAfterWft.ToList();
        execution.QueriesAfterWft.Clear();
        foreach (var query in waiting)
        {
            RouteQuery(execution, query);
        }
    }

    private static bool IsCloseCommand(Temporalio.Api.Command.V1.Command command) => command.CommandType is
        CommandType.CompleteWorkflowExecution or CommandType.FailWorkflowExecution or
        CommandType.CancelWorkflowExecution or CommandType.ContinueAsNewWorkflowExecution;

    // ---- closing runs ----

    /// <summary>Appends the close event and settles everything that depended on the run. Under the lock.</summary>
    private void CloseRun(Execution execution, HistoryEvent closeEvent, WorkflowExecutionStatus status)
    {
        taskFloor.ImmediateTask(Clock.Now, gate.Transaction); // Temporal's close-execution transfer and visibility tasks
        execution.PendingAtClose = PendingAtClose(execution);
        Append(execution, closeEvent);
        execution.Status = status;
        execution.CloseTime = Clock.Now;
        execution.Wft = WorkflowTaskState.None;
        execution.ClearBuffer();
        execution.TransientEvents = null;
        execution.WftSpeculative = false;
        execution.WftTimeout?.Cancel();
        execution.WftScheduleToStartTimer?.Cancel();
        execution.RunTimeoutTimer?.Cancel();
        execution.StartDelayTimer?.Cancel();
        execution.RunTimeoutDue = null;
        execution.StartDelayDue = null;
        foreach (var timer in execution.Timers.Values)
        {
            timer.Handle?.Cancel();
        }

        execution.Timers.Clear();
        foreach (var activity in execution.Activities.Values)
        {
            activity.CancelAllTimers();
        }

        execution.Activities.Clear();
        DropNexusOperations(execution);
        open.Remove(execution);
        AfterClose(execution);
        execution.NotifyClosed();
        // The chain goes on in a next run (continue-as-new, retry or cron) when one was started for it.
        AbortUpdates(execution, continuing: execution.NextRunId is not null);
        DeliverUpdateCallbacksAtClose(execution, replacedByReset: TerminatedByResetter(closeEvent) && execution.ResetRunId is not null);

        // Queries waiting on a task now go to a legacy query task (a worker replays the closed history).
        execution.QueriesAfterWft.AddRange(execution.QueriesForNextWft);
        execution.QueriesAfterWft.AddRange(execution.QueriesInFlight);
        execution.QueriesForNextWft.Clear();
        execution.QueriesInFlight.Clear();
        RequeueQueries(execution);

        // A run terminated by a reset of itself leaves its children running, and a run terminated by any reset
        // does not report to its parent: the reset run takes both over (as Temporal).
        var replacedByReset = TerminatedByResetter(closeEvent);
        if (replacedByReset && execution.ResetRunId is not null)
        {
            execution.Children.Clear();
        }
        else
        {
            ApplyParentClosePolicies(execution);
        }

        // A run that continues (continue-as-new, retry) is not the end: the parent hears of the chain's last run.
        if (execution.NextRunId is null)
        {
            if (!replacedByReset)
            {
                NotifyParentOfClose(execution, closeEvent);
            }

            DeliverCompletionCallbacks(execution, closeEvent);

            OnScheduledRunClosed(execution, closeEvent);
        }

        Clock.Poke();
    }

    /// <summary>
    /// Terminate or time out: a started task is failed first (FORCE_CLOSE_COMMAND, by the server), and what arrived
    /// while it ran (signals, activity results) is written before the close, as Temporal does.
    /// </summary>
    private void ForceClose(Execution execution, HistoryEvent closeEvent, WorkflowExecutionStatus status)
    {
        if (execution.Wft == WorkflowTaskState.Started)
        {
            WriteSpeculativeTask(execution);
        }

        if (execution.Wft == WorkflowTaskState.Started && !execution.WftTransient)
        {
            Append(execution, NewEvent(EventType.WorkflowTaskFailed, e => e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                Cause = WorkflowTaskFailedCause.ForceCloseCommand,
                Identity = HistoryServiceIdentity,
            }));
        }

        FlushBuffer(execution);
        CloseRun(execution, closeEvent, status);
    }

    private void Terminate(Execution execution, string reason, Payloads? details, string identity, IEnumerable<Temporalio.Api.Common.V1.Link>? links = null) =>
        ForceClose(execution, NewEvent(EventType.WorkflowExecutionTerminated, e =>
        {
            e.WorkflowExecutionTerminatedEventAttributes = new WorkflowExecutionTerminatedEventAttributes
            {
                Reason = reason ?? string.Empty,
                Details = details,
                Identity = identity ?? string.Empty,
            };
            e.Links.AddRange(links ?? []);
        }), WorkflowExecutionStatus.Terminated);

    public void Terminate(TerminateWorkflowExecutionRequest request)
    {
        LinkRules.Validate(request.Links);
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && execution.FirstRunId != request.FirstExecutionRunId)
            {
                throw Errors.NotFound("workflow execution not found for the given first execution run ID");
            }

            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            // Temporal's frontend fills in what the caller left empty (defaultUserTerminateReason, defaultUserTerminateIdentity).
            var reason = string.IsNullOrEmpty(request.Reason) ? "terminated by user via frontend" : request.Reason;
            var identity = string.IsNullOrEmpty(request.Identity) ? "frontend-service" : request.Identity;
            Terminate(execution, reason, request.Details, identity, request.Links);
        }
    }

    public void RequestCancel(RequestCancelWorkflowExecutionRequest request)
    {
        LinkRules.Validate(request.Links);
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && execution.FirstRunId != request.FirstExecutionRunId)
            {
                throw Errors.NotFound("workflow execution not found for the given first execution run ID");
            }

            if (!execution.IsOpen || execution.CancelRequested)
            {
                return;
            }

            execution.CancelRequested = true;
            AddExternal(execution, NewEvent(EventType.WorkflowExecutionCancelRequested, e =>
            {
                e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
                {
                    Cause = request.Reason ?? string.Empty,
                    Identity = request.Identity ?? string.Empty,
                };
                e.Links.AddRange(request.Links);
            }));
        }
    }

    public SignalWorkflowExecutionResponse Signal(SignalWorkflowExecutionRequest request)
    {
        if (string.IsNullOrEmpty(request.SignalName))
        {
            throw Errors.InvalidArgument("SignalName is not set on request.");
        }

        LinkRules.Validate(request.Links);
        CheckBlobSize(request.Input, "SignalWorkflowExecution");
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            // As in Temporal, the request ID first: a retried signal succeeds even once the run has closed.
            // As Temporal's answer: a link to the signal by its request ID.
            var answer = new SignalWorkflowExecutionResponse { Link = RequestIdLink(execution, request.RequestId, EventType.WorkflowExecutionSignaled) };
            if (!string.IsNullOrEmpty(request.RequestId) && execution.RequestIds.Contains(request.RequestId))
            {
                return answer;
            }

            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            if (!string.IsNullOrEmpty(request.RequestId))
            {
                execution.RequestIds.Add(request.RequestId);
            }

            AddExternal(execution, NewSignalEvent(request.SignalName, request.Input, request.Identity, request.Header, request.RequestId, request.Links));
            return answer;
        }
    }

    private static ByteString EmptyBytes => ByteString.Empty;
}
