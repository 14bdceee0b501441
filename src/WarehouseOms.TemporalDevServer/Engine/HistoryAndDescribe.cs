using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    private static readonly TimeSpan HistoryLongPoll = TimeSpan.FromSeconds(20);

    public async Task<GetWorkflowExecutionHistoryResponse> GetHistoryAsync(GetWorkflowExecutionHistoryRequest request, DateTime? deadline, CancellationToken ct)
    {
        var closeOnly = request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent;
        var from = request.NextPageToken.IsEmpty ? 1L : BitConverter.ToInt64(request.NextPageToken.Span);
        var until = DateTime.UtcNow + HistoryLongPoll;
        if (deadline is { } d && d - TimeSpan.FromSeconds(1) < until)
        {
            until = d - TimeSpan.FromSeconds(1);
        }

        while (true)
        {
            Task changed;
            lock (gate)
            {
                var execution = Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
                if (closeOnly)
                {
                    if (!execution.IsOpen)
                    {
                        var close = new History();
                        close.Events.Add(execution.History[^1]);
                        return new GetWorkflowExecutionHistoryResponse { History = close };
                    }
                }
                else if (execution.History.Count >= from || !request.WaitNewEvent || !execution.IsOpen)
                {
                    var page = new History();
                    page.Events.AddRange(execution.History.Skip((int)from - 1));
                    var response = new GetWorkflowExecutionHistoryResponse { History = page };
                    if (request.WaitNewEvent && execution.IsOpen)
                    {
                        response.NextPageToken = PageToken(execution.History.Count + 1);
                    }

                    return response;
                }

                if (!request.WaitNewEvent)
                {
                    return new GetWorkflowExecutionHistoryResponse { History = new History() };
                }

                changed = execution.HistoryChanged;
            }

            var wait = until - DateTime.UtcNow;
            if (wait <= TimeSpan.Zero)
            {
                // Empty page with a token: the client asks again (never an empty history without one).
                return new GetWorkflowExecutionHistoryResponse { History = new History(), NextPageToken = PageToken(from) };
            }

            await Waits.CompletionOrTimeoutAsync(changed, wait, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private static ByteString PageToken(long nextEventId) => ByteString.CopyFrom(BitConverter.GetBytes(nextEventId));

    public DescribeWorkflowExecutionResponse Describe(DescribeWorkflowExecutionRequest request)
    {
        lock (gate)
        {
            var execution = Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
            var response = new DescribeWorkflowExecutionResponse
            {
                WorkflowExecutionInfo = Info(execution),
                ExecutionConfig = new WorkflowExecutionConfig
                {
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.TaskQueue, Kind = TaskQueueKind.Normal },
                    WorkflowExecutionTimeout = execution.ExecutionTimeout,
                    WorkflowRunTimeout = execution.RunTimeout,
                    DefaultWorkflowTaskTimeout = execution.TaskTimeout,
                },
            };
            foreach (var activity in execution.Activities.Values)
            {
                response.PendingActivities.Add(new PendingActivityInfo
                {
                    ActivityId = activity.Attributes.ActivityId,
                    ActivityType = activity.Attributes.ActivityType,
                    State = activity.Phase switch
                    {
                        ActivityPhase.Started when activity.CancelRequested => PendingActivityState.CancelRequested,
                        ActivityPhase.Started => PendingActivityState.Started,
                        _ => PendingActivityState.Scheduled,
                    },
                    Attempt = activity.Attempt,
                    HeartbeatDetails = activity.HeartbeatDetails,
                    LastFailure = activity.LastFailure,
                    MaximumAttempts = activity.Attributes.RetryPolicy.MaximumAttempts,
                });
            }

            foreach (var child in execution.Children.Values.Where(c => c.RunId is not null))
            {
                response.PendingChildren.Add(new PendingChildExecutionInfo
                {
                    WorkflowId = child.WorkflowId,
                    RunId = child.RunId,
                    WorkflowTypeName = child.WorkflowType,
                    InitiatedId = child.InitiatedEventId,
                    ParentClosePolicy = child.ClosePolicy,
                });
            }

            return response;
        }
    }

    private static WorkflowExecutionInfo Info(Execution execution)
    {
        var info = new WorkflowExecutionInfo
        {
            Execution = execution.Ref,
            Type = new WorkflowType { Name = execution.WorkflowType },
            StartTime = Timestamp.FromDateTime(execution.StartTime),
            ExecutionTime = Timestamp.FromDateTime(execution.StartTime),
            CloseTime = execution.CloseTime is { } closed ? Timestamp.FromDateTime(closed) : null,
            Status = execution.Status,
            HistoryLength = execution.History.Count,
            TaskQueue = execution.TaskQueue,
            Memo = execution.Memo?.Clone() ?? new Memo(),
            SearchAttributes = execution.SearchAttributes.Clone(),
            FirstRunId = execution.FirstRunId,
            RootExecution = execution.Root ?? execution.Ref,
        };
        if (execution.Parent is { } parent)
        {
            info.ParentExecution = new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
            info.ParentNamespaceId = parent.Namespace;
        }

        return info;
    }

    /// <summary>Simple visibility: all runs, optionally filtered by WorkflowId / WorkflowType / ExecutionStatus equality.</summary>
    public ListWorkflowExecutionsResponse List(ListWorkflowExecutionsRequest request)
    {
        lock (gate)
        {
            var response = new ListWorkflowExecutionsResponse();
            response.Executions.AddRange(runsByRunId.Values
                .Where(r => r.Namespace == Ns(request.Namespace) && VisibilityQuery.Matches(request.Query, r))
                .OrderByDescending(r => r.StartTime)
                .Select(Info));
            return response;
        }
    }

    public CountWorkflowExecutionsResponse Count(CountWorkflowExecutionsRequest request)
    {
        lock (gate)
        {
            return new CountWorkflowExecutionsResponse
            {
                Count = runsByRunId.Values.LongCount(r => r.Namespace == Ns(request.Namespace) && VisibilityQuery.Matches(request.Query, r)),
            };
        }
    }
}

/// <summary>The small subset of Temporal's visibility query language this server understands.</summary>
internal static class VisibilityQuery
{
    public static bool Matches(string? query, Execution run)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return true;
        }

        foreach (var clause in query.Split(" AND ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = clause.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                throw Errors.InvalidArgument($"Unsupported visibility query: {query}");
            }

            var value = parts[1].Trim('\'', '"');
            var ok = parts[0] switch
            {
                "WorkflowId" => run.WorkflowId == value,
                "WorkflowType" => run.WorkflowType == value,
                "ExecutionStatus" => string.Equals(run.Status.ToString(), value, StringComparison.OrdinalIgnoreCase),
                "TaskQueue" => run.TaskQueue == value,
                _ => throw Errors.InvalidArgument($"Unsupported visibility query: {query}"),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
