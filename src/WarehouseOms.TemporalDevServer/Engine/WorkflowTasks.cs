using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    /// <summary>At most one workflow task outstanding: schedule one, or remember that one is needed.</summary>
    /// <param name="endStartDelay">A delayed start gets its first task only from its timer or a signal-with-start.</param>
    private void ScheduleWorkflowTask(Execution execution, bool endStartDelay = false)
    {
        if (!execution.IsOpen || (execution.StartDelayDue is not null && !endStartDelay))
        {
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

        execution.StartDelayTimer?.Cancel();
        execution.StartDelayTimer = null;
        execution.StartDelayDue = null;
        var scheduled = NewEvent(EventType.WorkflowTaskScheduled, e => e.WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
        {
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.TaskQueue, Kind = TaskQueueKind.Normal },
            StartToCloseTimeout = execution.TaskTimeout,
            Attempt = execution.WftAttempt,
        });
        Append(execution, scheduled);
        execution.Wft = WorkflowTaskState.Scheduled;
        execution.WftScheduledId = scheduled.EventId;
        execution.WftScheduledTime = Clock.Now;
        execution.WftNeeded = false;
        Dispatch(execution.Namespace, execution.TaskQueue, activity: false, new WorkflowTaskItem(execution, scheduled.EventId, execution.WftAttempt));
    }

    private PollWorkflowTaskQueueResponse? BuildWorkflowTask(WorkflowTaskItem item, string identity)
    {
        var execution = item.Execution;
        if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Scheduled || execution.WftScheduledId != item.ScheduledEventId)
        {
            return null;
        }

        var started = NewEvent(EventType.WorkflowTaskStarted, e => e.WorkflowTaskStartedEventAttributes = new WorkflowTaskStartedEventAttributes
        {
            ScheduledEventId = execution.WftScheduledId,
            Identity = identity,
            RequestId = Guid.NewGuid().ToString(),
        });
        Append(execution, started);
        execution.Wft = WorkflowTaskState.Started;
        execution.WftStartedId = started.EventId;
        execution.WftStartedTime = Clock.Now;
        var scheduledId = execution.WftScheduledId;
        var attempt = execution.WftAttempt;
        ArmWorkflowTaskTimeout(execution);

        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = Token(new TaskToken(TaskToken.Workflow, execution.Namespace, execution.WorkflowId, execution.RunId, scheduledId, attempt)),
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
        response.History.Events.AddRange(execution.History);
        foreach (var query in execution.QueriesForNextWft)
        {
            response.Queries[query.Id] = query.Query;
            execution.QueriesInFlight.Add(query);
        }

        execution.QueriesForNextWft.Clear();
        return response;
    }

    private void ArmWorkflowTaskTimeout(Execution execution)
    {
        var scheduledId = execution.WftScheduledId;
        var attempt = execution.WftAttempt;
        execution.WftTimeout = Clock.ScheduleAt(execution.WftStartedTime + execution.TaskTimeout.ToTimeSpan(), () => TimeOutWorkflowTask(execution, scheduledId, attempt));
    }

    private Execution TaskOwner(TaskToken token, char kind)
    {
        if (token.Kind != kind || !runsByRunId.TryGetValue(token.RunId, out var execution))
        {
            throw Errors.NotFound("Workflow task not found.");
        }

        return execution;
    }

    public RespondWorkflowTaskCompletedResponse CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskToken.Workflow);
        var after = new List<Action>();
        lock (gate)
        {
            var execution = TaskOwner(token, TaskToken.Workflow);
            if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Started || execution.WftScheduledId != token.EventId || execution.WftAttempt != token.Attempt)
            {
                throw Errors.NotFound("Workflow task not found.");
            }

            var commands = request.Commands;
            var closes = commands.Any(IsCloseCommand);
            if (closes && execution.Buffer.Count > 0)
            {
                // New events arrived while the worker decided to close: it must see them first.
                const string unhandled = "UnhandledCommand: new events arrived while the workflow task was running; the workflow must see them before it closes";
                FailWorkflowTask(execution, WorkflowTaskFailedCause.UnhandledCommand, new Failure { Message = unhandled }, request.Identity);
                throw Errors.InvalidArgument(unhandled);
            }

            var invalid = commands.Select(c => Validate(execution, c)).FirstOrDefault(v => v is not null);
            if (invalid is { } bad)
            {
                FailWorkflowTask(execution, bad.Cause, new Failure { Message = bad.Message }, request.Identity);
                throw Errors.InvalidArgument(bad.Message);
            }

            execution.WftTimeout?.Cancel();
            var completed = NewEvent(EventType.WorkflowTaskCompleted, e => e.WorkflowTaskCompletedEventAttributes = new WorkflowTaskCompletedEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                Identity = request.Identity,
                SdkMetadata = request.SdkMetadata,
                MeteringMetadata = request.MeteringMetadata,
            });
            Append(execution, completed);
            execution.LastCompletedWftStartedId = execution.WftStartedId;
            execution.Wft = WorkflowTaskState.None;
            execution.WftAttempt = 1;

            var needTask = request.ForceCreateNewWorkflowTask;
            foreach (var command in commands)
            {
                if (!execution.IsOpen)
                {
                    break;
                }

                needTask |= ApplyCommand(execution, command, completed.EventId, request.Identity, after);
            }

            foreach (var pair in request.QueryResults)
            {
                var query = execution.QueriesInFlight.FirstOrDefault(q => q.Id == pair.Key);
                if (query is not null)
                {
                    execution.QueriesInFlight.Remove(query);
                    query.Completion.TrySetResult(pair.Value);
                }
            }

            if (execution.IsOpen)
            {
                var buffered = FlushBuffer(execution);
                if (buffered || needTask || execution.WftNeeded)
                {
                    ScheduleWorkflowTask(execution);
                }
            }

            RequeueQueries(execution);
            foreach (var action in after)
            {
                action();
            }

            Clock.Poke();
        }

        return new RespondWorkflowTaskCompletedResponse();
    }

    public void FailWorkflowTask(RespondWorkflowTaskFailedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskToken.Workflow);
        lock (gate)
        {
            var execution = TaskOwner(token, TaskToken.Workflow);
            if (!execution.IsOpen || execution.Wft != WorkflowTaskState.Started || execution.WftScheduledId != token.EventId || execution.WftAttempt != token.Attempt)
            {
                throw Errors.NotFound("Workflow task not found.");
            }

            FailWorkflowTask(execution, request.Cause, request.Failure, request.Identity);
        }
    }

    private void FailWorkflowTask(Execution execution, WorkflowTaskFailedCause cause, Failure? failure, string identity)
    {
        execution.WftTimeout?.Cancel();
        Append(execution, NewEvent(EventType.WorkflowTaskFailed, e => e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
        {
            ScheduledEventId = execution.WftScheduledId,
            StartedEventId = execution.WftStartedId,
            Cause = cause,
            Failure = failure,
            Identity = identity ?? string.Empty,
        }));
        RetryWorkflowTask(execution);
    }

    private void TimeOutWorkflowTask(Execution execution, long scheduledId, int attempt)
    {
        if (!execution.IsOpen || execution.Wft == WorkflowTaskState.None || execution.WftScheduledId != scheduledId || execution.WftAttempt != attempt)
        {
            return;
        }

        if (execution.Wft == WorkflowTaskState.Started)
        {
            Append(execution, NewEvent(EventType.WorkflowTaskTimedOut, e => e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                TimeoutType = TimeoutType.StartToClose,
            }));
            RetryWorkflowTask(execution);
        }
    }

    private void RetryWorkflowTask(Execution execution)
    {
        execution.Wft = WorkflowTaskState.None;
        execution.WftAttempt++;
        FlushBuffer(execution);
        // In-flight queries were never answered: offer them to the next task.
        execution.QueriesForNextWft.AddRange(execution.QueriesInFlight);
        execution.QueriesInFlight.Clear();
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
        Append(execution, closeEvent);
        execution.Status = status;
        execution.CloseTime = Clock.Now;
        execution.Wft = WorkflowTaskState.None;
        execution.Buffer.Clear();
        execution.WftTimeout?.Cancel();
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
        open.Remove(execution);

        // Queries waiting on a task now go to a legacy query task (a worker replays the closed history).
        execution.QueriesAfterWft.AddRange(execution.QueriesForNextWft);
        execution.QueriesAfterWft.AddRange(execution.QueriesInFlight);
        execution.QueriesForNextWft.Clear();
        execution.QueriesInFlight.Clear();
        RequeueQueries(execution);

        ApplyParentClosePolicies(execution);
        // A run that continues (continue-as-new, retry) is not the end: the parent hears of the chain's last run.
        if (execution.NextRunId is null)
        {
            NotifyParentOfClose(execution, closeEvent);
        }

        Clock.Poke();
    }

    /// <summary>Terminate or time out: a started task is failed first (FORCE_CLOSE_COMMAND).</summary>
    private void ForceClose(Execution execution, HistoryEvent closeEvent, WorkflowExecutionStatus status)
    {
        if (execution.Wft == WorkflowTaskState.Started)
        {
            Append(execution, NewEvent(EventType.WorkflowTaskFailed, e => e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
            {
                ScheduledEventId = execution.WftScheduledId,
                StartedEventId = execution.WftStartedId,
                Cause = WorkflowTaskFailedCause.ForceCloseCommand,
            }));
        }

        execution.Buffer.Clear();
        CloseRun(execution, closeEvent, status);
    }

    private void Terminate(Execution execution, string reason, Payloads? details, string identity) =>
        ForceClose(execution, NewEvent(EventType.WorkflowExecutionTerminated, e => e.WorkflowExecutionTerminatedEventAttributes = new WorkflowExecutionTerminatedEventAttributes
        {
            Reason = reason ?? string.Empty,
            Details = details,
            Identity = identity ?? string.Empty,
        }), WorkflowExecutionStatus.Terminated);

    public void Terminate(TerminateWorkflowExecutionRequest request)
    {
        lock (gate)
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

            Terminate(execution, request.Reason, request.Details, request.Identity);
        }
    }

    public void RequestCancel(RequestCancelWorkflowExecutionRequest request)
    {
        lock (gate)
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
            AddExternal(execution, NewEvent(EventType.WorkflowExecutionCancelRequested, e => e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
            {
                Cause = request.Reason ?? string.Empty,
                Identity = request.Identity ?? string.Empty,
            }));
        }
    }

    public void Signal(SignalWorkflowExecutionRequest request)
    {
        if (string.IsNullOrEmpty(request.SignalName))
        {
            throw Errors.InvalidArgument("SignalName is not set on request.");
        }

        lock (gate)
        {
            var execution = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            if (!string.IsNullOrEmpty(request.RequestId) && !execution.RequestIds.Add(request.RequestId))
            {
                return; // the same request again: already applied
            }

            AddExternal(execution, NewSignalEvent(request.SignalName, request.Input, request.Identity, request.Header));
        }
    }

    private static ByteString EmptyBytes => ByteString.Empty;
}
