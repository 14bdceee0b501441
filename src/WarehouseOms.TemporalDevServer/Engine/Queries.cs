using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);

    // Temporal's failQueryWorkflowTaskAttemptCount and failUpdateWorkflowTaskAttemptCount.
    private const int FailFastWorkflowTaskAttempt = 3;

    public async Task<QueryWorkflowResponse> QueryAsync(QueryWorkflowRequest request, CancellationToken ct)
    {
        // Temporal's frontend checks, in its order.
        RequireExecution(request.Execution?.WorkflowId, request.Execution?.RunId);
        if (request.Query is null)
        {
            throw Errors.InvalidArgument("WorkflowQuery is not set on request.");
        }

        if (string.IsNullOrEmpty(request.Query.QueryType))
        {
            throw Errors.InvalidArgument("QueryType is not set on request.");
        }

        CheckBlobSize(request.Query.QueryArgs, "QueryWorkflow");

        PendingQuery pending;
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
            var reject = request.QueryRejectCondition switch
            {
                QueryRejectCondition.NotOpen => !execution.IsOpen,
                QueryRejectCondition.NotCompletedCleanly => !execution.IsOpen && execution.Status != WorkflowExecutionStatus.Completed,
                _ => false,
            };
            if (reject)
            {
                return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = execution.Status } };
            }

            if (execution.IsPaused)
            {
                // As Temporal's QueryWorkflow: a paused run answers no query, whatever the reject condition.
                return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = WorkflowExecutionStatus.Paused } };
            }

            // As Temporal: no worker could ever answer (the run closed before any task completed), or one keeps failing.
            if (!execution.IsOpen && execution.LastCompletedWftStartedId == 0)
            {
                throw Errors.WorkflowNotReady("Workflow execution closed before WorkflowTaskStarted event");
            }

            if (execution.IsOpen && execution.WftAttempt >= FailFastWorkflowTaskAttempt)
            {
                throw Errors.WorkflowNotReady("Unable to query workflow due to Workflow Task in failed state.");
            }

            pending = new PendingQuery { Id = Guid.NewGuid().ToString(), Query = request.Query };
            RouteQuery(execution, pending);
        }

        await Waits.CompletionOrTimeoutAsync(pending.Completion.Task, QueryTimeout, ct).ConfigureAwait(false);
        if (!pending.Completion.Task.IsCompleted)
        {
            throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.DeadlineExceeded, "query timed out: no worker answered"));
        }

        var result = await pending.Completion.Task.ConfigureAwait(false);
        if (result.ResultType == QueryResultType.Answered)
        {
            return new QueryWorkflowResponse { QueryResult = result.Answer ?? new Payloads() };
        }

        throw Errors.QueryFailed(string.IsNullOrEmpty(result.ErrorMessage) ? "query failed" : result.ErrorMessage, result.Failure);
    }

    /// <summary>
    /// As Temporal decides: a query rides on a scheduled task (or the first task, while a run waits for it),
    /// waits for a started one to finish, or goes straight to a worker as a query task, which it then stays.
    /// </summary>
    private void RouteQuery(Execution execution, PendingQuery query)
    {
        var noTaskCompletedYet = execution.LastCompletedWftStartedId == 0;
        if (execution.IsOpen && (execution.Wft == WorkflowTaskState.Scheduled || (execution.Wft == WorkflowTaskState.None && noTaskCompletedYet)))
        {
            execution.QueriesForNextWft.Add(query);
        }
        else if (execution.IsOpen && execution.Wft == WorkflowTaskState.Started)
        {
            execution.QueriesAfterWft.Add(query);
        }
        else
        {
            PinForQuery(execution);
            DispatchQuery(execution, query);
        }
    }

    /// <summary>
    /// A query sent straight to a worker, as Temporal's history sends it: to the worker that has the run cached
    /// (its sticky queue) if there is one, so it answers without replaying; if no worker takes it within the
    /// sticky schedule-to-start timeout, the run loses its stickiness and the query goes to the normal queue.
    /// </summary>
    private void DispatchQuery(Execution execution, PendingQuery query)
    {
        if (!execution.IsOpen || execution.StickyQueue is not { } sticky)
        {
            Dispatch(execution.Namespace, execution.TaskQueue, activity: false, new LegacyQueryItem(execution, query));
            return;
        }

        var item = new LegacyQueryItem(execution, query, Sticky: true);
        Dispatch(execution.Namespace, sticky, activity: false, item);
        Clock.Schedule(StickyTimeout(execution), () =>
        {
            if (query.Completion.Task.IsCompleted || execution.LegacyQueries.ContainsKey(query.Id) ||
                TakeOut(execution.Namespace, sticky, i => ReferenceEquals(i, item)).Count == 0)
            {
                return; // answered, or with a worker (a query task that is not answered times out as any other)
            }

            if (execution.StickyQueue == sticky)
            {
                ClearStickiness(execution);
            }

            Dispatch(execution.Namespace, execution.TaskQueue, activity: false, item with { Sticky = false });
        });
    }

    /// <summary>Queries of the run still waiting in the sticky queue it leaves go to its normal queue.</summary>
    private void MoveQueuedQueries(Execution execution, string sticky)
    {
        foreach (var item in TakeOut(execution.Namespace, sticky, i => i is LegacyQueryItem q && q.Execution == execution).Cast<LegacyQueryItem>())
        {
            Dispatch(execution.Namespace, execution.TaskQueue, activity: false, item with { Sticky = false });
        }
    }

    private PollWorkflowTaskQueueResponse? BuildLegacyQuery(LegacyQueryItem item)
    {
        var execution = item.Execution;
        if (item.Query.Completion.Task.IsCompleted)
        {
            return null;
        }

        execution.LegacyQueries[item.Query.Id] = item.Query;
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = Token(new TaskToken(TaskToken.Query, execution.Namespace, execution.WorkflowId, execution.RunId, 0, 1, item.Query.Id)),
            WorkflowExecution = execution.Ref,
            WorkflowType = new WorkflowType { Name = execution.WorkflowType },
            WorkflowExecutionTaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.TaskQueue, Kind = TaskQueueKind.Normal },
            PreviousStartedEventId = execution.LastCompletedWftStartedId,
            StartedEventId = 0,
            Attempt = 1,
            History = new Temporalio.Api.History.V1.History(),
            Query = item.Query.Query,
            ScheduledTime = Now,
            StartedTime = Now,
        };
        if (!item.Sticky)
        {
            // The worker that has the run cached answers from its state: a sticky query carries no events.
            response.History.Events.AddRange(execution.History);
        }

        return response;
    }

    public void CompleteQueryTask(RespondQueryTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, TaskToken.Query);
        using (gate.Enter())
        {
            if (!runsByRunId.TryGetValue(token.RunId, out var execution) || token.QueryId is null ||
                !execution.LegacyQueries.Remove(token.QueryId, out var query))
            {
                throw Errors.NotFound("Query task not found.");
            }

            query.Completion.TrySetResult(new WorkflowQueryResult
            {
                ResultType = request.CompletedType,
                Answer = request.QueryResult,
                ErrorMessage = request.ErrorMessage,
                Failure = request.Failure,
            });
        }
    }
}
