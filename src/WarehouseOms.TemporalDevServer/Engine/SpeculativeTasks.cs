using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Speculative workflow tasks, as in Temporal: an update sent to a workflow with no task in flight gets a
/// task whose events are held back. If the worker only rejects the update (no commands, nothing else
/// happened meanwhile), the task leaves no trace in the history; otherwise — commands, an acceptance, a
/// failure, a timeout, a new event — it is written like any other task.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private static bool OnlyRejectsUpdates(Execution execution, RespondWorkflowTaskCompletedRequest request) =>
        execution.WftSpeculative && execution.TransientEvents is { } held && held[0].EventId == execution.History.Count + 1 &&
        execution.Buffer.Count == 0 && !request.ForceCreateNewWorkflowTask &&
        request.Messages.All(m => m.Body?.Is(Rejection.Descriptor) == true) &&
        request.Commands.All(c => c.CommandType == Temporalio.Api.Enums.V1.CommandType.ProtocolMessage);

    /// <summary>
    /// Completes a speculative task that only rejected updates: the history stays as it was. The answer
    /// names the last started event written, so the worker rolls its cached history back to it. Under the lock.
    /// </summary>
    private RespondWorkflowTaskCompletedResponse DropSpeculativeTask(Execution execution, RespondWorkflowTaskCompletedRequest request)
    {
        execution.TransientEvents = null;
        execution.WftSpeculative = false;
        execution.Wft = WorkflowTaskState.None;
        execution.WftAttempt = 1;
        // As Temporal: while the run moves to another version, no stickiness, and a normal task follows at once.
        var moving = execution.VersioningInfo?.VersionTransition is not null;
        SetStickiness(execution, moving ? null : request.StickyAttributes);
        foreach (var message in request.Messages)
        {
            ApplyUpdateMessage(execution, message);
        }

        RejectUnprocessedUpdates(execution);
        AnswerQueries(execution, request);
        if (moving)
        {
            execution.WftNeeded = false;
            ScheduleWorkflowTask(execution);
        }
        else if (execution.WftNeeded || HasUpdatesToSend(execution))
        {
            // Only updates can have asked for a task meanwhile (any event would have made the task a real one).
            execution.WftNeeded = false;
            ScheduleWorkflowTask(execution, speculative: true);
        }

        MarkDirty(execution);
        RequeueQueries(execution);
        Clock.Poke();
        // A speculative task is scheduled only when no task is pending, so the last started event written is the last completed one's.
        return new RespondWorkflowTaskCompletedResponse { ResetHistoryEventId = execution.LastCompletedWftStartedId };
    }

    /// <summary>A speculative task that fails, times out or is force-closed is written first, as a normal task.</summary>
    private void WriteSpeculativeTask(Execution execution)
    {
        if (!execution.WftSpeculative)
        {
            return;
        }

        execution.WftSpeculative = false;
        if (execution.TransientEvents is { } held)
        {
            foreach (var e in held)
            {
                Append(execution, e);
            }

            execution.WftStartedId = held[^1].EventId;
            execution.TransientEvents = null;
        }
    }

    private static void AnswerQueries(Execution execution, RespondWorkflowTaskCompletedRequest request)
    {
        foreach (var pair in request.QueryResults)
        {
            var query = execution.QueriesInFlight.FirstOrDefault(q => q.Id == pair.Key);
            if (query is not null)
            {
                execution.QueriesInFlight.Remove(query);
                query.Completion.TrySetResult(pair.Value);
            }
        }
    }
}
