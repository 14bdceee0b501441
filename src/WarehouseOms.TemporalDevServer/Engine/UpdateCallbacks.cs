using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Store;
using CallbackInfo = Temporalio.Api.Workflow.V1.CallbackInfo;
using WorkflowUpdateOptionsUpdate = Temporalio.Api.History.V1.WorkflowExecutionOptionsUpdatedEventAttributes.Types.WorkflowUpdateOptionsUpdate;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>The callbacks a later request for an update brought before the update was accepted: written when it is.</summary>
internal sealed record HeldUpdateCallbacks(string RequestId, IReadOnlyList<Callback> Callbacks);

/// <summary>
/// Update completion callbacks, as Temporal runs them with <c>history.enableUpdateCallbacks</c> (ADR 0059): the callbacks an
/// update request carries are registered, per update ID, when the update is accepted; a later request for the same update
/// attaches its own (a WorkflowExecutionOptionsUpdated event); each is called once, with the update's outcome when it
/// completes, or with Temporal's failure for an update its run outlived when the run closes or goes on in a new one.
/// </summary>
internal sealed partial class WorkflowEngine
{
    // Temporal's system.maxCallbacksPerUpdateID.
    private const int MaxCallbacksPerUpdate = 32;

    /// <summary>Temporal's Update.AttachCallbacks check, made of every request to an open run, with its wording.</summary>
    private static void RequireCallbackRequestId(Request request)
    {
        if (request.CompletionCallbacks.Count > 0 && string.IsNullOrEmpty(request.RequestId))
        {
            throw Errors.InvalidArgument("invalid *update.Request: request_id is required when completion_callbacks are set");
        }
    }

    /// <summary>
    /// Temporal's Update.AttachCallbacks: a request for an update already in flight brings its callbacks to it. Before the
    /// update is accepted they are held with it and written at its acceptance; once accepted, they are written now; a
    /// completed update attaches nothing, since its caller gets the outcome in the answer. Under the lock.
    /// </summary>
    private void AttachUpdateCallbacks(Execution execution, UpdateState update, Request request)
    {
        if (request.CompletionCallbacks.Count == 0)
        {
            return;
        }

        switch (update.Stage)
        {
            case UpdateStage.Admitted or UpdateStage.Sent:
                if (request.RequestId == update.Request.RequestId || update.Held.Any(h => h.RequestId == request.RequestId))
                {
                    return; // the same request again
                }

                RequireUpdateCallbackRoom(execution, update.Id, request.CompletionCallbacks.Count + update.Held.Sum(h => h.Callbacks.Count));
                update.Held.Add(new HeldUpdateCallbacks(request.RequestId, [.. request.CompletionCallbacks]));
                break;
            case UpdateStage.Accepted:
                WriteAttachedUpdateCallbacks(execution, update.Id, request.RequestId, [.. request.CompletionCallbacks], fromCaller: true);
                break;
        }
    }

    /// <summary>At the update's acceptance (its accepted event just written): the callbacks held for it, one event per request.</summary>
    private void WriteHeldUpdateCallbacks(Execution execution, UpdateState update)
    {
        foreach (var held in update.Held)
        {
            WriteAttachedUpdateCallbacks(execution, update.Id, held.RequestId, held.Callbacks, fromCaller: false);
        }

        update.Held.Clear();
    }

    /// <summary>
    /// Temporal's persistCallback: a WorkflowExecutionOptionsUpdated event naming the update, the request and its callbacks,
    /// registered with it; nothing for a request the run already knows (a retried call, or the accepted request itself).
    /// </summary>
    /// <param name="fromCaller">Written for a call (buffered while a workflow task runs, limits checked), not within a task's completion.</param>
    private void WriteAttachedUpdateCallbacks(Execution execution, string updateId, string requestId, IReadOnlyList<Callback> callbacks, bool fromCaller)
    {
        if (KnowsRequestId(execution, requestId))
        {
            return;
        }

        if (fromCaller)
        {
            RequireUpdateCallbackRoom(execution, updateId, callbacks.Count);
        }

        var attached = OptionsUpdatedEvent(new WorkflowExecutionOptionsUpdatedEventAttributes
        {
            WorkflowUpdateOptions = { new WorkflowUpdateOptionsUpdate { UpdateId = updateId, AttachedRequestId = requestId, AttachedCompletionCallbacks = { callbacks } } },
        });
        if (fromCaller)
        {
            AddExternal(execution, attached, scheduleTask: false);
        }
        else
        {
            Append(execution, attached);
        }

        RegisterUpdateCallbacks(execution, updateId, requestId, callbacks, attached.EventTime.ToDateTime());
    }

    /// <summary>
    /// Temporal's limits on registered callbacks (system.maxCallbacksPerWorkflow counts the workflow's and its updates',
    /// system.maxCallbacksPerUpdateID), checked when a caller attaches, so that the refusal reaches that caller.
    /// </summary>
    private void RequireUpdateCallbackRoom(Execution execution, string updateId, int adding)
    {
        if (!updateCallbacks)
        {
            return; // nothing is registered
        }

        RequireCallbackRoom(RegisteredCallbackCount(execution), adding);
        var forUpdate = execution.UpdateCallbacks.Count(c => c.UpdateId == updateId);
        if (forUpdate + adding > MaxCallbacksPerUpdate)
        {
            throw Errors.FailedPrecondition(
                $"cannot attach more than {MaxCallbacksPerUpdate} callbacks to update {System.Text.Json.JsonSerializer.Serialize(updateId)} ({forUpdate} callbacks already attached)");
        }
    }

    /// <summary>What Temporal counts against system.maxCallbacksPerWorkflow: the workflow's own callbacks and its updates'.</summary>
    private static int RegisteredCallbackCount(Execution execution) => CompletionCallbacksOf(execution).Count + execution.UpdateCallbacks.Count;

    /// <summary>
    /// Registers an update's callbacks (Temporal's addUpdateCallbacks): only with history.enableUpdateCallbacks, each
    /// once by update, request and position, so that a request seen twice (admitted, then accepted) counts once.
    /// </summary>
    private void RegisterUpdateCallbacks(Execution execution, string updateId, string requestId, IReadOnlyList<Callback> callbacks, DateTime time)
    {
        if (!updateCallbacks || callbacks.Count == 0)
        {
            return;
        }

        for (var i = 0; i < callbacks.Count; i++)
        {
            var index = i;
            if (!execution.UpdateCallbacks.Any(c => c.UpdateId == updateId && c.RequestId == requestId && c.Index == index))
            {
                execution.UpdateCallbacks.Add(new UpdateCallback(updateId, requestId, index, callbacks[i], time));
            }
        }

        MarkDirty(execution);
    }

    /// <summary>
    /// After a reset: the new run registers the callbacks of its updates in flight again, from its events (accepted and
    /// admitted requests, attachments), as Temporal's rebuilt mutable state does. The run it replaced calls none of them.
    /// </summary>
    private void RegisterUpdateCallbacksFromHistory(Execution execution)
    {
        foreach (var e in EventsWithBuffer(execution))
        {
            var time = e.EventTime.ToDateTime();
            switch (e.EventType)
            {
                case EventType.WorkflowExecutionUpdateAdmitted when e.WorkflowExecutionUpdateAdmittedEventAttributes.Request is { } admitted:
                    RegisterIfInFlight(admitted.Meta?.UpdateId, admitted.RequestId, admitted.CompletionCallbacks, time);
                    break;
                case EventType.WorkflowExecutionUpdateAccepted when e.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest is { } accepted:
                    RegisterIfInFlight(e.WorkflowExecutionUpdateAcceptedEventAttributes.ProtocolInstanceId, accepted.RequestId, accepted.CompletionCallbacks, time);
                    break;
                case EventType.WorkflowExecutionOptionsUpdated:
                    foreach (var attached in e.WorkflowExecutionOptionsUpdatedEventAttributes.WorkflowUpdateOptions)
                    {
                        RegisterIfInFlight(attached.UpdateId, attached.AttachedRequestId, attached.AttachedCompletionCallbacks, time);
                    }

                    break;
            }
        }

        void RegisterIfInFlight(string? updateId, string requestId, IReadOnlyList<Callback> callbacks, DateTime time)
        {
            if (updateId is not null && execution.Updates.ContainsKey(updateId))
            {
                RegisterUpdateCallbacks(execution, updateId, requestId, callbacks, time);
            }
        }
    }

    /// <summary>
    /// The update completed (or, registered at its admission after a reset, was rejected): each of its callbacks not called
    /// yet is called with the outcome, in this transaction, as Temporal's processUpdateCallbacks schedules them.
    /// </summary>
    private void DeliverUpdateCallbacks(Execution execution, string updateId, Outcome outcome) =>
        DeliverUpdateCallbacks(execution, c => c.UpdateId == updateId, outcome);

    /// <summary>
    /// The run closed, or goes on in a new run, with updates not completed: their callbacks get Temporal's failure for an
    /// update its run outlived (ProcessAllUpdateCloseCallbacks). A run replaced by its reset calls none: the new run has them.
    /// </summary>
    private void DeliverUpdateCallbacksAtClose(Execution closed, bool replacedByReset)
    {
        if (!replacedByReset)
        {
            DeliverUpdateCallbacks(closed, _ => true, OutlivedRunOutcome());
        }
    }

    private void DeliverUpdateCallbacks(Execution execution, Func<UpdateCallback, bool> which, Outcome outcome)
    {
        var delivered = false;
        for (var i = 0; i < execution.UpdateCallbacks.Count; i++)
        {
            var registered = execution.UpdateCallbacks[i];
            if (registered.Outcome is not null || !which(registered))
            {
                continue;
            }

            var failure = DeliverCompletionCallback($"update {Printable(registered.UpdateId)} of workflow {Printable(execution.WorkflowId)}",
                UpdateCompletion(execution, registered.RequestId, outcome), registered.Callback);
            execution.UpdateCallbacks[i] = registered with { Outcome = new CallbackOutcome(failure is null, failure, Clock.Now) };
            delivered = true;
        }

        if (delivered)
        {
            MarkDirty(execution);
        }
    }

    /// <summary>
    /// What an update's callback delivers, as Temporal's GetNexusUpdateCompletion builds it: the run's start time, a link to
    /// the event the callback's request made (by its request ID, when the run knows it), and the outcome's first payload or
    /// its failure.
    /// </summary>
    private static NexusCompletion UpdateCompletion(Execution execution, string requestId, Outcome outcome)
    {
        var link = RunLink(execution);
        if (RequestIdEventType(execution, requestId) is { } eventType)
        {
            link.WorkflowEvent.RequestIdRef = new Link.Types.WorkflowEvent.Types.RequestIdReference { RequestId = requestId, EventType = eventType };
        }

        return new NexusCompletion(execution.StartTime, link, outcome.Success?.Payloads_.FirstOrDefault(), outcome.Failure, Canceled: false);
    }

    /// <summary>Describe's view of the update callbacks: triggered by their update's completion, STANDBY until called.</summary>
    private static IEnumerable<CallbackInfo> UpdateCallbackInfos(Execution execution) =>
        execution.UpdateCallbacks.Select(c => CallbackInfoOf(
            c.Callback,
            new CallbackInfo.Types.Trigger { UpdateWorkflowExecutionCompleted = new CallbackInfo.Types.UpdateWorkflowExecutionCompleted { UpdateId = c.UpdateId } },
            c.RegistrationTime,
            c.RequestId,
            c.Outcome));

    /// <summary>
    /// Temporal's Updater.OnSuccess link: an update that completed with a failure (taken for a rejection, which writes no
    /// event) links to the run; one accepted or completed, to its accepted event by the request's ID; one only admitted, nowhere.
    /// </summary>
    private static Link? UpdateAnswerLink(Execution execution, string requestId, PollWorkflowExecutionUpdateResponse answer) => answer.Stage switch
    {
        UpdateWorkflowExecutionLifecycleStage.Completed when answer.Outcome?.Failure is not null => new Link
        {
            Workflow = new Link.Types.Workflow { Namespace = execution.Namespace, WorkflowId = execution.WorkflowId, RunId = execution.RunId, Reason = "Update rejected" },
        },
        UpdateWorkflowExecutionLifecycleStage.Accepted or UpdateWorkflowExecutionLifecycleStage.Completed =>
            RequestIdLink(execution, requestId, EventType.WorkflowExecutionUpdateAccepted),
        _ => null,
    };

    /// <summary>The type of the event a request ID names in the run, if the run knows it.</summary>
    private static EventType? RequestIdEventType(Execution execution, string requestId)
    {
        if (string.IsNullOrEmpty(requestId))
        {
            return null;
        }

        return execution.AttachedRequestIds.Find(requestId)?.Event.EventType
            ?? (requestId == execution.StartRequestId ? EventType.WorkflowExecutionStarted : null);
    }

    private static bool KnowsRequestId(Execution execution, string requestId) => RequestIdEventType(execution, requestId) is not null;
}
