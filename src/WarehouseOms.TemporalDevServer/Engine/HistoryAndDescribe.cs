using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Visibility;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    private static readonly TimeSpan HistoryLongPoll = TimeSpan.FromSeconds(20);

    private const int HistoryMaxPageSize = 256;

    public async Task<GetWorkflowExecutionHistoryResponse> GetHistoryAsync(GetWorkflowExecutionHistoryRequest request, DateTime? deadline, CancellationToken ct)
    {
        var closeOnly = request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent;
        var from = request.NextPageToken.IsEmpty ? 1L : BitConverter.ToInt64(request.NextPageToken.Span);
        var until = DateTime.UtcNow + HistoryLongPoll;
        if (deadline is { } d && d - TimeSpan.FromSeconds(1) < until)
        {
            until = d - TimeSpan.FromSeconds(1);
        }

        // Found once: a run that closes while the call waits may leave memory, but this call still reads it.
        Execution? execution = null;
        while (true)
        {
            Task changed;
            using (gate.Enter())
            {
                execution ??= Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
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
                    // Temporal's frontend: no page size, or one over 256, reads 256 events; a full page carries the token of the next one.
                    var available = Math.Max(0, execution.History.Count - (int)(from - 1));
                    var take = Math.Min(available, PageSize(request.MaximumPageSize));
                    var page = new History();
                    page.Events.AddRange(execution.History.Skip((int)from - 1).Take(take));
                    var response = new GetWorkflowExecutionHistoryResponse { History = page };
                    if (take < available)
                    {
                        response.NextPageToken = PageToken(from + take);
                    }
                    else if (request.WaitNewEvent && execution.IsOpen)
                    {
                        response.NextPageToken = PageToken(execution.History.Count + 1);
                    }

                    return response;
                }

                if (!request.WaitNewEvent)
                {
                    return new GetWorkflowExecutionHistoryResponse { History = new History() };
                }

                changed = closeOnly ? execution.Closed : execution.HistoryChanged;
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

    private static int PageSize(int requested) => requested is > 0 and <= HistoryMaxPageSize ? requested : HistoryMaxPageSize;

    private static ByteString PageToken(long nextEventId) => ByteString.CopyFrom(BitConverter.GetBytes(nextEventId));

    /// <summary>Newest event first, one page at a time; the token is the ID of the next (older) event to return.</summary>
    public GetWorkflowExecutionHistoryReverseResponse GetHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request)
    {
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
            var from = request.NextPageToken.IsEmpty ? execution.History.Count : BitConverter.ToInt64(request.NextPageToken.Span);
            from = Math.Min(from, execution.History.Count);
            // As the forward read: Temporal's frontend reads 256 events for no page size, or one over 256.
            var take = (int)Math.Min(from, PageSize(request.MaximumPageSize));
            var page = new History();
            for (var id = from; id > from - take; id--)
            {
                page.Events.Add(execution.History[(int)id - 1]);
            }

            var response = new GetWorkflowExecutionHistoryReverseResponse { History = page };
            if (from - take > 0)
            {
                response.NextPageToken = PageToken(from - take);
            }

            return response;
        }
    }

    /// <summary>
    /// Deletes a run with its history, as Temporal's DeleteWorkflowExecution: a running one is terminated
    /// first. Answered once the run is gone from memory and from the store.
    /// </summary>
    public async Task DeleteWorkflowAsync(DeleteWorkflowExecutionRequest request, CancellationToken cancellationToken)
    {
        Execution execution;
        using (gate.Enter())
        {
            execution = Find(request.Namespace, request.WorkflowExecution?.WorkflowId ?? string.Empty, request.WorkflowExecution?.RunId);
            if (execution.IsOpen)
            {
                Terminate(execution, "Delete workflow execution", null, string.Empty);
            }
        }

        // The termination is committed first, so that no later commit writes the run back.
        await DurableAsync().ConfigureAwait(false);
        using (gate.Enter())
        {
            RemoveFromIndexes(execution);
        }

        await store.DeleteAsync([(execution.Namespace, execution.RunId)], cancellationToken).ConfigureAwait(false);
    }

    public DescribeWorkflowExecutionResponse Describe(DescribeWorkflowExecutionRequest request)
    {
        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.Execution?.WorkflowId ?? string.Empty, request.Execution?.RunId);
            var response = new DescribeWorkflowExecutionResponse
            {
                WorkflowExecutionInfo = DescribeInfo(execution),
                WorkflowExtendedInfo = ExtendedInfo(execution),
                ExecutionConfig = new WorkflowExecutionConfig
                {
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.TaskQueue, Kind = TaskQueueKind.Normal },
                    WorkflowExecutionTimeout = execution.ExecutionTimeout,
                    WorkflowRunTimeout = execution.RunTimeout,
                    DefaultWorkflowTaskTimeout = execution.TaskTimeout,
                    UserMetadata = execution.History.Count > 0 ? execution.History[0].UserMetadata : null,
                },
            };
            if (execution.IsOpen && execution.Wft != WorkflowTaskState.None)
            {
                // The attempt counts transient retries too: the one place a failing task shows how often it failed.
                response.PendingWorkflowTask = new PendingWorkflowTaskInfo
                {
                    State = execution.Wft == WorkflowTaskState.Started ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                    ScheduledTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(execution.WftScheduledTime),
                    OriginalScheduledTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(execution.WftScheduledTime),
                    StartedTime = execution.Wft == WorkflowTaskState.Started ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(execution.WftStartedTime) : null,
                    Attempt = execution.WftAttempt,
                };
            }

            if (execution.PendingAtClose is { } frozen)
            {
                // A closed run keeps what was pending when it closed, as Temporal's mutable state does.
                response.PendingActivities.AddRange(frozen.PendingActivities);
                response.PendingChildren.AddRange(frozen.PendingChildren);
                response.PendingNexusOperations.AddRange(frozen.PendingNexusOperations);
            }
            else
            {
                AddPending(response, execution);
            }

            response.Callbacks.AddRange(CallbackInfos(execution));
            return response;
        }
    }

    /// <summary>Describe's pending activities, started children and Nexus operations, from the run's live state.</summary>
    private void AddPending(DescribeWorkflowExecutionResponse response, Execution execution)
    {
        foreach (var activity in execution.Activities.Values)
        {
            var pending = new PendingActivityInfo
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
                LastWorkerIdentity = activity.StartedIdentity,
                LastHeartbeatTime = activity.LastHeartbeatTime is { } beat ? Timestamp.FromDateTime(beat) : null,
                Priority = activity.Attributes.Priority?.Clone(),
                // As Temporal's GetPendingActivityInfo: when the current attempt is (or, backing off, will be) scheduled.
                ScheduledTime = Timestamp.FromDateTime(activity.BackoffDue ?? (activity.CurrentAttemptScheduledTime == default ? activity.ScheduledTime : activity.CurrentAttemptScheduledTime)),
            };
            if (activity.Phase == ActivityPhase.Started)
            {
                pending.LastStartedTime = Timestamp.FromDateTime(activity.StartedTime);
            }

            // As Temporal: while a retry waits to be offered (not paused), when it will be and the interval waited.
            pending.LastAttemptCompleteTime = activity.LastAttemptCompleteTime is { } ended ? Timestamp.FromDateTime(ended) : null;
            if (activity is { Phase: ActivityPhase.Backoff, Paused: false, BackoffDue: { } due } && due > Clock.Now)
            {
                pending.NextAttemptScheduleTime = Timestamp.FromDateTime(due);
                pending.CurrentRetryInterval = activity.LastAttemptCompleteTime is { } last ? Duration.FromTimeSpan(due - last) : null;
            }

            if (NonZero(activity.Attributes.ScheduleToCloseTimeout) is { } scheduleToClose)
            {
                pending.ExpirationTime = Timestamp.FromDateTime(activity.ScheduledTime + scheduleToClose.ToTimeSpan());
            }

            DescribePauseAndOptions(activity, pending);
            response.PendingActivities.Add(pending);
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

        response.PendingNexusOperations.AddRange(execution.NexusOperations.Values.OrderBy(o => o.ScheduledEventId).Select(o => PendingNexusOperation(execution, o)));
    }

    /// <summary>
    /// What describe lists as pending, taken when a run closes (null when nothing was): Temporal keeps the run's
    /// pending activities, children and operations in its mutable state after the close, and describe shows them.
    /// </summary>
    private DescribeWorkflowExecutionResponse? PendingAtClose(Execution execution)
    {
        var pending = new DescribeWorkflowExecutionResponse();
        AddPending(pending, execution);
        return pending.PendingActivities.Count + pending.PendingChildren.Count + pending.PendingNexusOperations.Count > 0 ? pending : null;
    }

    /// <summary>
    /// Describe's view: the run's visibility row plus what only its mutable state holds (the counts of an open run,
    /// the first run ID, versioning, priority, reset points and the parent's namespace).
    /// </summary>
    private WorkflowExecutionInfo DescribeInfo(Execution execution)
    {
        var info = VisibilityRow(execution);
        AddCounts(info, execution);
        info.FirstRunId = execution.FirstRunId;
        info.Priority = execution.Priority?.Clone();
        info.VersioningInfo = execution.VersioningInfo?.Clone();
        info.WorkerDeploymentName = execution.WorkerDeploymentName;
        info.AutoResetPoints = execution.AutoResetPoints?.Clone();
        if (execution.Parent is { } parent)
        {
            info.ParentNamespaceId = NamespaceIdOf(parent.Namespace);
        }

        return info;
    }
}
