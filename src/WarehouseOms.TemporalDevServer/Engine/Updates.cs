using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal enum UpdateStage
{
    /// <summary>Known to the server, not yet sent to a worker (lost on restart: the client retries).</summary>
    Admitted,

    /// <summary>Sent with a workflow task; back to admitted if that task fails.</summary>
    Sent,

    /// <summary>The workflow's validator accepted it: WorkflowExecutionUpdateAccepted is in the history (durable).</summary>
    Accepted,

    /// <summary>Rejected, or WorkflowExecutionUpdateCompleted is in the history.</summary>
    Completed,
}

/// <summary>One workflow update in flight. Guarded by the engine lock.</summary>
internal sealed class UpdateState
{
    private TaskCompletionSource? changed;

    public required string Id { get; init; }

    public required Request Request { get; init; }

    public UpdateStage Stage { get; set; }

    public long AcceptedEventId { get; set; }

    /// <summary>
    /// Its request is in the history (WorkflowExecutionUpdateAdmitted, as a reset re-applies it): the worker
    /// reads it there, so no request message is sent and the accepted event does not repeat it (as Temporal).
    /// </summary>
    public bool InHistory { get; init; }

    public Outcome? Outcome { get; set; }

    /// <summary>Set when the run closed before the update was accepted: callers get this error.</summary>
    public RpcException? Aborted { get; set; }

    /// <summary>Callbacks later requests brought before the update was accepted (ADR 0059); lost with the update on a restart, as in Temporal.</summary>
    public List<HeldUpdateCallbacks> Held { get; } = [];

    public Task Changed => (changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify()
    {
        var previous = changed;
        changed = null;
        previous?.TrySetResult();
    }
}

/// <summary>The protocol messages of one completion, taken by ID as ProtocolMessage commands name them.</summary>
internal sealed class UpdateMessages(IEnumerable<Message> messages)
{
    private readonly List<Message> remaining = [.. messages];

    public Message? Take(string id)
    {
        var index = remaining.FindIndex(m => m.Id == id);
        if (index < 0)
        {
            return null;
        }

        var message = remaining[index];
        remaining.RemoveAt(index);
        return message;
    }

    public List<Message> TakeRemaining()
    {
        var rest = remaining.ToList();
        remaining.Clear();
        return rest;
    }
}

/// <summary>
/// Workflow updates as Temporal runs them: admitted, sent to the worker as a protocol message with the
/// next workflow task, accepted (WorkflowExecutionUpdateAccepted) or rejected by the workflow's
/// validator, completed (WorkflowExecutionUpdateCompleted). Callers wait for the stage they ask for.
/// </summary>
internal sealed partial class WorkflowEngine
{
    // An update call that has not reached its stage answers with the stage it reached; the client asks again.
    private static readonly TimeSpan MaxUpdateWait = TimeSpan.FromSeconds(20);


    public async Task<UpdateWorkflowExecutionResponse> UpdateAsync(UpdateWorkflowExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        var wanted = RequireUpdateRequest(request);
        var update = request.Request;
        Execution execution;
        UpdateState state;
        using (gate.Enter())
        {
            execution = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && execution.FirstRunId != request.FirstExecutionRunId)
            {
                throw Errors.NotFound("workflow execution not found for the given first execution run ID");
            }

            state = Admit(execution, update);
        }

        var response = await WaitForStageAsync(execution, state, wanted, deadline, ct).ConfigureAwait(false);
        return UpdateAnswer(execution, update, response);
    }

    private static UpdateWorkflowExecutionResponse UpdateAnswer(Execution execution, Request request, PollWorkflowExecutionUpdateResponse reached) => new()
    {
        UpdateRef = reached.UpdateRef,
        Outcome = reached.Outcome,
        Stage = reached.Stage,
        Link = UpdateAnswerLink(execution, request.RequestId, reached),
    };

    public async Task<PollWorkflowExecutionUpdateResponse> PollUpdateAsync(PollWorkflowExecutionUpdateRequest request, DateTime? deadline, CancellationToken ct)
    {
        var reference = request.UpdateRef ?? throw Errors.InvalidArgument("UpdateRef is not set on request.");
        Execution execution;
        UpdateState state;
        using (gate.Enter())
        {
            execution = Find(request.Namespace, reference.WorkflowExecution?.WorkflowId ?? string.Empty, reference.WorkflowExecution?.RunId);
            state = execution.Updates.GetValueOrDefault(reference.UpdateId) ?? CompletedUpdate(execution, reference.UpdateId)
                ?? throw Errors.NotFound($"update {System.Text.Json.JsonSerializer.Serialize(reference.UpdateId)} not found");
        }

        return await WaitForStageAsync(execution, state, request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified, deadline, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Update-with-start (ExecuteMultiOperation: a start and an update): the run is started (or found, by
    /// the conflict policy) and the update admitted in one critical section, so it reaches the first task.
    /// </summary>
    public async Task<ExecuteMultiOperationResponse> ExecuteMultiOperationAsync(ExecuteMultiOperationRequest request, DateTime? deadline, CancellationToken ct)
    {
        if (request.Operations.Count != 2 || request.Operations[0].StartWorkflow is not { } start || request.Operations[1].UpdateWorkflow is not { } update)
        {
            throw Errors.InvalidArgument("Operations have to be exactly [Start, Update].");
        }

        GiveRequestId(start);
        var wanted = RequireMultiOperation(start, update);
        Execution execution;
        UpdateState state;
        bool started, byRequestId = false;
        WorkflowExecutionStatus status;
        try
        {
            using (gate.Enter())
            {
                var args = StartArgsOf(start);
                // As Temporal: an update the current run has already completed is answered from it, whatever the policies say.
                if (Current(args.Namespace, start.WorkflowId) is { } current && CompletedOutcome(current, update.Request.Meta.UpdateId) is { } done)
                {
                    (execution, started) = (current, false);
                    state = Completed(update.Request.Meta.UpdateId, done);
                }
                else
                {
                    (execution, started, byRequestId) = StartWithPolicies(args, start.WorkflowIdReusePolicy, start.WorkflowIdConflictPolicy, signal: null);
                    state = Admit(execution, update.Request);
                }

                status = execution.Status;
            }
        }
        catch (RpcException error)
        {
            throw MultiOperationFailed(error);
        }

        var outcome = await WaitForStageAsync(execution, state, wanted, deadline, ct).ConfigureAwait(false);
        return new ExecuteMultiOperationResponse
        {
            Responses =
            {
                new ExecuteMultiOperationResponse.Types.Response
                {
                    StartWorkflow = new StartWorkflowExecutionResponse
                    {
                        RunId = execution.RunId,
                        FirstExecutionRunId = execution.FirstRunId,
                        Started = started,
                        Status = status,
                        Link = StartAnswerLink(execution, start.RequestId, byRequestId),
                    },
                },
                new ExecuteMultiOperationResponse.Types.Response { UpdateWorkflow = UpdateAnswer(execution, update.Request, outcome) },
            },
        };
    }

    /// <summary>
    /// Temporal's frontend checks of update-with-start: each operation on its own (a start's fields, an update's,
    /// and what the combination forbids), then that both name one workflow. Any failure fails the whole, with
    /// one status per operation: the failed one's error, "aborted" for the other. Returns the update's wait stage.
    /// </summary>
    private UpdateWorkflowExecutionLifecycleStage RequireMultiOperation(StartWorkflowExecutionRequest start, UpdateWorkflowExecutionRequest update)
    {
        var startError = Refusal(() =>
        {
            RequireStartRequest(start);
            if (!string.IsNullOrEmpty(start.CronSchedule))
            {
                throw Errors.InvalidArgument("CronSchedule is not allowed.");
            }

            if (start.RequestEagerExecution)
            {
                throw Errors.InvalidArgument("RequestEagerExecution is not supported.");
            }

            if (start.WorkflowStartDelay is { } delay && delay.ToTimeSpan() > TimeSpan.Zero)
            {
                throw Errors.InvalidArgument("WorkflowStartDelay is not supported.");
            }
        });
        var wanted = UpdateWorkflowExecutionLifecycleStage.Unspecified;
        var updateError = Refusal(() =>
        {
            if (string.IsNullOrEmpty(update.WorkflowExecution?.WorkflowId))
            {
                throw Errors.InvalidArgument("WorkflowId is not set on request.");
            }

            wanted = RequireUpdateRequest(update);
            // Checked before the start: Temporal refuses both in one transaction, so no run is started for it.
            RequireCallbackRequestId(update.Request);
            if (!string.IsNullOrEmpty(update.FirstExecutionRunId))
            {
                throw Errors.InvalidArgument("FirstExecutionRunId is not allowed.");
            }

            if (!string.IsNullOrEmpty(update.WorkflowExecution.RunId))
            {
                throw Errors.InvalidArgument("RunId is not allowed.");
            }
        });
        if (startError is null && updateError is null && update.WorkflowExecution.WorkflowId != start.WorkflowId)
        {
            updateError = Errors.InvalidArgument("WorkflowId is not consistent with previous operation(s).");
        }

        if (startError is not null || updateError is not null)
        {
            throw MultiOperationFailed(startError, updateError);
        }

        return wanted;

        static RpcException? Refusal(Action check)
        {
            try
            {
                check();
                return null;
            }
            catch (RpcException refused)
            {
                return refused;
            }
        }
    }

    private static RpcException MultiOperationFailed(RpcException error) => MultiOperationFailed(error, null);

    // Temporal reports a failed multi-operation with one status per operation (the SDK maps the start's), under
    // one message of its own; the code is the first failed operation's.
    private static RpcException MultiOperationFailed(RpcException? startError, RpcException? updateError)
    {
        const string Message = "Update-with-Start could not be executed.";
        var failure = new MultiOperationExecutionFailure { Statuses = { StatusOf(startError), StatusOf(updateError) } };
        var code = (startError ?? updateError)!.StatusCode;
        var status = new GrpcStatus { Code = (int)code, Message = Message };
        status.Details.Add(Any.Pack(failure));
        return new RpcException(new Status(code, Message), new Metadata { { "grpc-status-details-bin", Google.Protobuf.MessageExtensions.ToByteArray(status) } });

        static MultiOperationExecutionFailure.Types.OperationStatus StatusOf(RpcException? error)
        {
            if (error is null)
            {
                return new() { Code = (int)StatusCode.Aborted, Message = "Operation was aborted." };
            }

            var operation = new MultiOperationExecutionFailure.Types.OperationStatus { Code = (int)error.StatusCode, Message = error.Status.Detail };
            if (error.Trailers.GetValueBytes("grpc-status-details-bin") is { } details)
            {
                operation.Details.AddRange(GrpcStatus.Parser.ParseFrom(details).Details);
            }

            return operation;
        }
    }

    /// <summary>
    /// Temporal's frontend checks of an update request, in its order and with its messages; an empty update ID
    /// is generated. Returns the stage to wait for: unspecified means completed, and admitted is refused (an
    /// update is only durable once accepted).
    /// </summary>
    private static UpdateWorkflowExecutionLifecycleStage RequireUpdateRequest(UpdateWorkflowExecutionRequest request)
    {
        var meta = request.Request?.Meta ?? throw Errors.InvalidArgument("Update meta is not set on request.");
        if (IdLength(meta.UpdateId) > MaxIdLength)
        {
            throw Errors.InvalidArgument("UpdateId length exceeds limit.");
        }

        if (meta.UpdateId.Length == 0)
        {
            meta.UpdateId = Guid.NewGuid().ToString();
        }

        if (request.Request.Input is null)
        {
            throw Errors.InvalidArgument("Update input is not set on request.");
        }

        if (string.IsNullOrEmpty(request.Request.Input.Name))
        {
            throw Errors.InvalidArgument("Update name is not set on request.");
        }

        var wanted = (request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified) switch
        {
            UpdateWorkflowExecutionLifecycleStage.Unspecified => UpdateWorkflowExecutionLifecycleStage.Completed,
            UpdateWorkflowExecutionLifecycleStage.Admitted =>
                throw Errors.PermissionDenied("UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported."),
            var stage => stage,
        };

        // As for a start: the links its Nexus callbacks carry are dropped from the request's own, then all are checked.
        var links = LinkRules.WithoutCallbackLinks(request.Request.Links, request.Request.CompletionCallbacks);
        request.Request.Links.Clear();
        request.Request.Links.AddRange(links);
        LinkRules.Validate(request.Request.Links, request.Request.CompletionCallbacks);
        return wanted;
    }

    /// <summary>
    /// Admits an update (or finds it again by ID, the request's callbacks then attached to it) and makes sure a workflow
    /// task will carry it. Under the lock.
    /// </summary>
    private UpdateState Admit(Execution execution, Request request)
    {
        CheckBlobSize(request.Input.Args, "UpdateWorkflowExecution");
        if (execution.IsPaused)
        {
            // As Temporal's updater: checked before anything else about an open run, a known update ID included.
            throw Errors.FailedPrecondition("Workflow is paused. Cannot update the workflow.");
        }

        // As Temporal: a run whose workflow task keeps failing cannot take an update, so the caller hears it now.
        if (execution.IsOpen && execution.WftAttempt >= FailFastWorkflowTaskAttempt)
        {
            throw Errors.WorkflowNotReady("Unable to perform workflow execution update due to Workflow Task in failed state.");
        }

        if (execution.IsOpen)
        {
            RequireCallbackRequestId(request);
        }

        var id = request.Meta.UpdateId;
        if (execution.Updates.TryGetValue(id, out var known))
        {
            AttachUpdateCallbacks(execution, known, request);
            return known;
        }

        if (CompletedUpdate(execution, id) is { } done)
        {
            return done;
        }

        if (!execution.IsOpen)
        {
            throw Errors.AlreadyCompleted();
        }

        var state = new UpdateState { Id = id, Request = request };
        execution.Updates[id] = state;
        // No task pending: this one exists only for the update, and leaves no trace if it is rejected. A task
        // in flight: its completion schedules the next, speculative when only updates wait (as in Temporal).
        if (execution.Wft != WorkflowTaskState.Started)
        {
            ScheduleWorkflowTask(execution, speculative: execution.Wft == WorkflowTaskState.None && execution.Buffer.Count == 0);
        }

        return state;
    }

    /// <summary>
    /// A completed update is found in the history (WorkflowExecutionUpdateCompleted), also after a restart;
    /// so is one accepted by a run that closed without completing it, which has Temporal's failure for that.
    /// </summary>
    private static UpdateState? CompletedUpdate(Execution execution, string id)
    {
        if (CompletedOutcome(execution, id) is { } outcome)
        {
            return Completed(id, outcome);
        }

        return !execution.IsOpen && execution.History.Any(e => e.WorkflowExecutionUpdateAcceptedEventAttributes?.ProtocolInstanceId == id)
            ? Completed(id, OutlivedRunOutcome())
            : null;
    }

    private static UpdateState Completed(string id, Outcome outcome) =>
        new() { Id = id, Request = new Request(), Stage = UpdateStage.Completed, Outcome = outcome };

    /// <summary>The outcome of the run's WorkflowExecutionUpdateCompleted for this update, if it has one.</summary>
    private static Outcome? CompletedOutcome(Execution execution, string id)
    {
        for (var i = execution.History.Count - 1; i >= 0; i--)
        {
            if (execution.History[i].WorkflowExecutionUpdateCompletedEventAttributes is { } completed && completed.Meta?.UpdateId == id)
            {
                return completed.Outcome;
            }
        }

        return null;
    }

    // Temporal's own failure for an accepted update whose run closed first: SDKs recognise it by its type.
    private static Outcome OutlivedRunOutcome() => new()
    {
        Failure = new Temporalio.Api.Failure.V1.Failure
        {
            Message = "Workflow Update failed because the Workflow completed before the Update completed.",
            Source = "Server",
            ApplicationFailureInfo = new Temporalio.Api.Failure.V1.ApplicationFailureInfo { Type = "AcceptedUpdateCompletedWorkflow", NonRetryable = true },
        },
    };

    private async Task<PollWorkflowExecutionUpdateResponse> WaitForStageAsync(Execution execution, UpdateState state, UpdateWorkflowExecutionLifecycleStage wanted,
        DateTime? deadline, CancellationToken ct)
    {
        // As Temporal's update wait: at the server's own (soft) timeout the call answers with the stage reached so
        // far and the caller asks again; at the caller's deadline, if that comes first, the call fails with
        // DEADLINE_EXCEEDED. Answering "admitted" just before a short deadline instead had the SDK ask again at once,
        // for ever (its loop runs while the stage is below accepted).
        var soft = DateTime.UtcNow + MaxUpdateWait;
        var callerFirst = deadline is { } d && d < soft;
        var until = callerFirst ? deadline!.Value : soft;
        while (true)
        {
            Task changed;
            using (gate.Enter())
            {
                if (state.Aborted is { } aborted)
                {
                    throw aborted;
                }

                var reached = StageOf(state);
                if (reached < wanted && callerFirst && DateTime.UtcNow >= until)
                {
                    throw Errors.DeadlineExceeded("Workflow update did not reach the requested stage before the call's deadline.");
                }

                if (reached >= wanted || DateTime.UtcNow >= until)
                {
                    return new PollWorkflowExecutionUpdateResponse
                    {
                        UpdateRef = new UpdateRef { WorkflowExecution = execution.Ref, UpdateId = state.Id },
                        Stage = reached,
                        Outcome = state.Outcome,
                    };
                }

                changed = state.Changed;
            }

            await Waits.CompletionOrTimeoutAsync(changed, until - DateTime.UtcNow, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private static UpdateWorkflowExecutionLifecycleStage StageOf(UpdateState state) => state.Stage switch
    {
        UpdateStage.Completed => UpdateWorkflowExecutionLifecycleStage.Completed,
        UpdateStage.Accepted => UpdateWorkflowExecutionLifecycleStage.Accepted,
        _ => UpdateWorkflowExecutionLifecycleStage.Admitted,
    };

    private static bool HasUpdatesToSend(Execution execution) => execution.Updates.Values.Any(u => u.Stage == UpdateStage.Admitted);

    /// <summary>Adds every admitted update to the task as a request message (sequenced before WorkflowTaskStarted).</summary>
    private static void AttachUpdates(Execution execution, PollWorkflowTaskQueueResponse response)
    {
        foreach (var update in execution.Updates.Values)
        {
            if (update.Stage != UpdateStage.Admitted)
            {
                continue;
            }

            update.Stage = UpdateStage.Sent;
            if (update.InHistory)
            {
                continue;
            }

            response.Messages.Add(new Message
            {
                Id = update.Id + "/request",
                ProtocolInstanceId = update.Id,
                EventId = response.StartedEventId - 1,
                Body = Any.Pack(update.Request),
            });
        }
    }

    /// <summary>The task that carried them failed: the next one carries them again.</summary>
    private static void ResendUpdates(Execution execution)
    {
        foreach (var update in execution.Updates.Values.Where(u => u.Stage == UpdateStage.Sent))
        {
            update.Stage = UpdateStage.Admitted;
        }
    }

    private InvalidCommand? ValidateUpdateMessages(Execution execution, RespondWorkflowTaskCompletedRequest request)
    {
        var ids = request.Messages.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var command in request.Commands.Where(c => c.CommandType == CommandType.ProtocolMessage))
        {
            if (!ids.Contains(command.ProtocolMessageCommandAttributes.MessageId))
            {
                return new(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage,
                    $"ProtocolMessageCommand referenced absent message ID {command.ProtocolMessageCommandAttributes.MessageId}");
            }
        }

        var accepting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in request.Messages)
        {
            var update = execution.Updates.GetValueOrDefault(message.ProtocolInstanceId);
            var problem = message.Body switch
            {
                null => "message body is not set",
                _ when update is null => $"update {message.ProtocolInstanceId} is not in flight",
                _ when message.Body.Is(Acceptance.Descriptor) && update.Stage != UpdateStage.Sent => $"update {update.Id} cannot be accepted in stage {update.Stage}",
                _ when message.Body.Is(Rejection.Descriptor) && update.Stage != UpdateStage.Sent => $"update {update.Id} cannot be rejected in stage {update.Stage}",
                _ when message.Body.Is(Response.Descriptor) && update.Stage != UpdateStage.Accepted && !accepting.Contains(update.Id) => $"update {update.Id} was not accepted",
                _ when !message.Body.Is(Acceptance.Descriptor) && !message.Body.Is(Rejection.Descriptor) && !message.Body.Is(Response.Descriptor) => $"unsupported message {message.Body.TypeUrl}",
                _ => null,
            };
            if (problem is not null)
            {
                return new(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, problem);
            }

            if (message.Body!.Is(Acceptance.Descriptor))
            {
                accepting.Add(message.ProtocolInstanceId);
            }

            if (TooLarge(message.Body, WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, $"Message type {message.Body.TypeUrl} exceeds size limit.") is { } tooLarge)
            {
                return tooLarge;
            }
        }

        return null;
    }

    /// <summary>Applies one accepted, rejected or completed update message at its place among the commands.</summary>
    private bool ApplyUpdateMessage(Execution execution, Message? message)
    {
        if (message is null || !execution.Updates.TryGetValue(message.ProtocolInstanceId, out var update))
        {
            return false;
        }

        if (message.Body.Is(Acceptance.Descriptor))
        {
            var acceptance = message.Body.Unpack<Acceptance>();
            // As Temporal: the request the server holds (not the worker's echo), with its callbacks' links on the event.
            var accepted = NewEvent(EventType.WorkflowExecutionUpdateAccepted, e =>
            {
                e.WorkflowExecutionUpdateAcceptedEventAttributes = new WorkflowExecutionUpdateAcceptedEventAttributes
                {
                    ProtocolInstanceId = update.Id,
                    AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId,
                    AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                    AcceptedRequest = update.InHistory ? null : update.Request,
                };
                if (!update.InHistory)
                {
                    e.Links.AddRange(update.Request.CompletionCallbacks.Where(c => c.Nexus is not null).SelectMany(c => c.Links));
                }
            });
            Append(execution, accepted);
            update.Stage = UpdateStage.Accepted;
            update.AcceptedEventId = accepted.EventId;
            if (!update.InHistory)
            {
                RegisterUpdateCallbacks(execution, update.Id, update.Request.RequestId, update.Request.CompletionCallbacks, accepted.EventTime.ToDateTime());
            }

            WriteHeldUpdateCallbacks(execution, update);
        }
        else if (message.Body.Is(Rejection.Descriptor))
        {
            // A rejection leaves no event, as in Temporal: only the caller hears of it, and callbacks registered at its
            // admission (a request a reset re-applied) are called with it; held ones go with it.
            update.Outcome = new Outcome { Failure = message.Body.Unpack<Rejection>().Failure };
            update.Stage = UpdateStage.Completed;
            update.Held.Clear();
            execution.Updates.Remove(update.Id);
            DeliverUpdateCallbacks(execution, update.Id, update.Outcome);
        }
        else if (message.Body.Is(Response.Descriptor))
        {
            var response = message.Body.Unpack<Response>();
            Append(execution, NewEvent(EventType.WorkflowExecutionUpdateCompleted, e => e.WorkflowExecutionUpdateCompletedEventAttributes = new WorkflowExecutionUpdateCompletedEventAttributes
            {
                Meta = response.Meta ?? update.Request.Meta,
                AcceptedEventId = update.AcceptedEventId,
                Outcome = response.Outcome,
            }));
            update.Outcome = response.Outcome;
            update.Stage = UpdateStage.Completed;
            execution.Updates.Remove(update.Id);
            DeliverUpdateCallbacks(execution, update.Id, response.Outcome ?? new Outcome());
        }

        update.Notify();
        return false;
    }

    /// <summary>Updates the worker was sent but did not answer in a completed task are rejected, as in Temporal.</summary>
    private static void RejectUnprocessedUpdates(Execution execution)
    {
        if (!execution.IsOpen)
        {
            return;
        }

        foreach (var update in execution.Updates.Values.Where(u => u.Stage == UpdateStage.Sent).ToList())
        {
            update.Outcome = new Outcome
            {
                Failure = ServerFailures.Of(
                    "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
                    nonRetryable: false,
                    fromServer: true),
            };
            update.Stage = UpdateStage.Completed;
            execution.Updates.Remove(update.Id);
            update.Notify();
        }
    }

    /// <summary>
    /// The run closed: an accepted update fails; one not yet accepted is aborted as Temporal aborts it — for a
    /// run that goes on in a new one (continue-as-new, retry, cron) with a retryable "closing" error, so the
    /// client's retry reaches the new run; otherwise NOT_FOUND.
    /// </summary>
    private static void AbortUpdates(Execution execution, bool continuing)
    {
        foreach (var update in execution.Updates.Values)
        {
            if (update.Stage == UpdateStage.Accepted)
            {
                update.Outcome = OutlivedRunOutcome();
                update.Stage = UpdateStage.Completed;
            }
            else
            {
                update.Aborted = continuing
                    ? Errors.ResourceExhausted("workflow operation can not be applied because workflow is closing", ResourceExhaustedCause.BusyWorkflow, ResourceExhaustedScope.Namespace)
                    : Errors.NotFound("workflow update was aborted by closing workflow");
            }

            update.Notify();
        }

        execution.Updates.Clear();
    }

    /// <summary>
    /// After a restart or a reset: updates in the history (admitted there, or accepted) that have not completed
    /// are in flight again.
    /// </summary>
    private static void RestoreUpdates(Execution execution)
    {
        foreach (var e in execution.History)
        {
            if (e.WorkflowExecutionUpdateAdmittedEventAttributes?.Request is { } admitted)
            {
                execution.Updates[admitted.Meta?.UpdateId ?? string.Empty] = AdmittedInHistory(admitted);
            }
            else if (e.WorkflowExecutionUpdateAcceptedEventAttributes is { } accepted)
            {
                execution.Updates[accepted.ProtocolInstanceId] = new UpdateState
                {
                    Id = accepted.ProtocolInstanceId,
                    Request = accepted.AcceptedRequest ?? execution.Updates.GetValueOrDefault(accepted.ProtocolInstanceId)?.Request ?? new Request(),
                    Stage = UpdateStage.Accepted,
                    AcceptedEventId = e.EventId,
                };
            }
            else if (e.WorkflowExecutionUpdateCompletedEventAttributes?.Meta?.UpdateId is { } done)
            {
                execution.Updates.Remove(done);
            }
        }
    }

    private static UpdateState AdmittedInHistory(Request request) =>
        new() { Id = request.Meta?.UpdateId ?? string.Empty, Request = request, Stage = UpdateStage.Admitted, InHistory = true };
}
