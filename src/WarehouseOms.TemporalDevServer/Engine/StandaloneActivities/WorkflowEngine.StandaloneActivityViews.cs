using Google.Protobuf;
using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using WarehouseOms.TemporalDevServer.Store;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Standalone activities (ADR 0051): the outcome poll, describe, list and count, and the completion callbacks at the close.</summary>
internal sealed partial class WorkflowEngine
{
    // ---- the outcome and the description ----

    /// <summary>
    /// Waits for the run to close (the current run for an empty run ID) and returns its outcome; an empty answer when
    /// the wait ends first (60 s, or a second before the caller's deadline), which tells the client to poll again.
    /// </summary>
    public Task<PollActivityExecutionResponse> PollActivityExecutionAsync(PollActivityExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequireRef(request.ActivityId, request.RunId);
        return WaitForActivityAsync(request.Namespace, request.ActivityId, request.RunId, deadline, ct,
            activity => activity.IsOpen ? null : new PollActivityExecutionResponse { RunId = activity.RunId, Outcome = OutcomeOf(activity) });
    }

    /// <summary>
    /// The answer <paramref name="ready"/> gives for the run (null: not yet), looked at again after each change of it,
    /// until the long poll's budget ends (60 s, or a second before the caller's deadline); then an empty answer.
    /// </summary>
    private Task<T> WaitForActivityAsync<T>(string ns, string activityId, string? runId, DateTime? deadline, CancellationToken ct,
        Func<StandaloneActivity, T?> ready)
        where T : class, IMessage, new() =>
        LongPollAsync(() =>
        {
            var activity = FindActivity(ns, activityId, runId);
            return (ready(activity), activity.Changed);
        }, deadline, ct);

    /// <summary>
    /// A standalone entity's long poll (activities, Nexus operations): <paramref name="look"/> (under the lock) gives the
    /// answer, or null and the task that completes at the entity's next change; looked at again after each change until
    /// the budget ends (60 s, or a second before the caller's deadline), then an empty answer.
    /// </summary>
    private async Task<T> LongPollAsync<T>(Func<(T? Ready, Task Changed)> look, DateTime? deadline, CancellationToken ct)
        where T : class, IMessage, new()
    {
        var until = DateTime.UtcNow + ActivityWaitBudget(deadline);
        while (true)
        {
            Task changed;
            using (gate.Enter())
            {
                var (answer, next) = look();
                if (answer is not null)
                {
                    return answer;
                }

                changed = next;
            }

            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return new T();
            }

            await Waits.CompletionOrTimeoutAsync(changed, left, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private static TimeSpan ActivityWaitBudget(DateTime? deadline)
    {
        if (deadline is { } d && d - DateTime.UtcNow - ActivityLongPollBuffer is var left && left < ActivityLongPoll)
        {
            return left < TimeSpan.Zero ? TimeSpan.Zero : left;
        }

        return ActivityLongPoll;
    }

    private static ActivityExecutionOutcome OutcomeOf(StandaloneActivity activity) =>
        activity.Status == ActivityExecutionStatus.Completed
            ? new ActivityExecutionOutcome { Result = activity.Result ?? new Payloads() }
            : new ActivityExecutionOutcome
            {
                Failure = activity.Failure ?? activity.LastFailure ?? new Failure { Message = "activity failed" },
                RetryState = activity.Status is ActivityExecutionStatus.Canceled or ActivityExecutionStatus.Terminated ? RetryState.Unspecified : activity.RetryState,
            };

    /// <summary>
    /// The run as Temporal describes it. With a long-poll token (from an earlier answer), waits for a change after it
    /// first; an empty answer when none came in the wait.
    /// </summary>
    public Task<DescribeActivityExecutionResponse> DescribeActivityExecutionAsync(DescribeActivityExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequireRef(request.ActivityId, request.RunId);
        var awaited = request.LongPollToken.IsEmpty ? (long?)null : LongPollTransition(request);
        return WaitForActivityAsync(request.Namespace, request.ActivityId, request.RunId, deadline, ct,
            activity => awaited is not { } seen || activity.StateTransitionCount != seen || activity.Deleted ? Describe(activity, request) : null);
    }

    private static long LongPollTransition(DescribeActivityExecutionRequest request)
    {
        if (string.IsNullOrEmpty(request.RunId))
        {
            throw Errors.InvalidArgument("run id is required when long poll token is provided");
        }

        var parts = request.LongPollToken.ToStringUtf8().Split('\u001f');
        if (parts.Length != 2 || !long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            throw Errors.InvalidArgument("invalid long poll token");
        }

        if (parts[0] != request.RunId)
        {
            throw Errors.InvalidArgument("long poll token does not match execution");
        }

        return count;
    }

    private DescribeActivityExecutionResponse Describe(StandaloneActivity a, DescribeActivityExecutionRequest request)
    {
        var response = new DescribeActivityExecutionResponse
        {
            RunId = a.RunId,
            Info = InfoOf(a, request.IncludeHeartbeatDetails, request.IncludeLastFailure),
            LongPollToken = ByteString.CopyFromUtf8($"{a.RunId}\u001f{a.StateTransitionCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}"),
        };
        if (request.IncludeInput)
        {
            response.Input = a.Input;
        }

        if (request.IncludeOutcome && !a.IsOpen)
        {
            response.Outcome = OutcomeOf(a);
        }

        for (var i = 0; i < a.Callbacks.Count; i++)
        {
            response.Callbacks.Add(ActivityCallbackInfo(a, i));
        }

        return response;
    }

    private ActivityExecutionInfo InfoOf(StandaloneActivity a, bool includeHeartbeatDetails, bool includeLastFailure)
    {
        var waiting = a.IsOpen && !a.AttemptRunning && !a.Paused && a.AttemptScheduledTime > Clock.Now;
        var info = new ActivityExecutionInfo
        {
            ActivityId = a.ActivityId,
            RunId = a.RunId,
            ActivityType = new ActivityType { Name = a.ActivityType },
            Status = a.ReportedStatus,
            RunState = a.RunState,
            TaskQueue = a.TaskQueue,
            ScheduleToCloseTimeout = ToDuration(a.ScheduleToClose),
            ScheduleToStartTimeout = ToDuration(a.ScheduleToStart),
            StartToCloseTimeout = ToDuration(a.StartToClose),
            HeartbeatTimeout = ToDuration(a.Heartbeat),
            RetryPolicy = a.RetryPolicy,
            Priority = a.Priority,
            StartDelay = a.StartDelay > TimeSpan.Zero ? ToDuration(a.StartDelay) : null,
            Header = a.Header,
            UserMetadata = a.UserMetadata,
            SearchAttributes = a.SearchAttributes,
            Attempt = a.Attempt,
            LastStartedTime = ToTimestamp(a.StartedTime),
            LastWorkerIdentity = a.WorkerIdentity ?? string.Empty,
            LastAttemptCompleteTime = ToTimestamp(a.LastAttemptCompleteTime),
            LastHeartbeatTime = ToTimestamp(a.LastHeartbeatTime),
            TotalHeartbeatCount = a.TotalHeartbeatCount,
            ScheduleTime = ToTimestamp(a.ScheduleTime),
            ExecutionTime = ToTimestamp(a.ExecutionTime),
            ExpirationTime = ToTimestamp(a.Deadline),
            CloseTime = ToTimestamp(a.CloseTime),
            ExecutionDuration = a.CloseTime is { } closed ? ToDuration(closed - a.ScheduleTime) : null,
            CurrentRetryInterval = waiting && a.CurrentRetryInterval is { } interval ? ToDuration(interval) : null,
            NextAttemptScheduleTime = waiting ? ToTimestamp(a.AttemptScheduledTime) : null,
            CanceledReason = a.CancelRequest?.Reason ?? string.Empty,
            StateTransitionCount = a.StateTransitionCount,
            StateSizeBytes = a.StateSizeBytes,
        };
        info.Links.AddRange(a.Links);
        if (includeHeartbeatDetails)
        {
            info.HeartbeatDetails = a.HeartbeatDetails;
        }

        if (includeLastFailure)
        {
            info.LastFailure = a.LastFailure;
        }

        return info;
    }

    // ---- visibility ----

    public ListActivityExecutionsResponse ListActivityExecutions(ListActivityExecutionsRequest request)
    {
        var pageSize = request.PageSize <= 0 || request.PageSize > MaxActivityPageSize ? MaxActivityPageSize : request.PageSize;
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var query = ActivityQuery(ns, request.Query);
            // Temporal's list order: newest first; the token is the last row's place, so later starts never shift a page.
            var rows = query.Sort(MatchingActivities(ns, query).Select(ActivityVisibilityRecord)).ToList();
            var (page, next) = StandaloneListing.PageAfter(rows, request.NextPageToken, pageSize);
            var response = new ListActivityExecutionsResponse { NextPageToken = next ?? ByteString.Empty };
            response.Executions.AddRange(page.Select(row => ListInfoOf(activitiesByRun[(ns, row.RunId)])));
            return response;
        }
    }

    public CountActivityExecutionsResponse CountActivityExecutions(CountActivityExecutionsRequest request)
    {
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var query = ActivityQuery(ns, request.Query);
            var matching = MatchingActivities(ns, query).ToList();
            var response = new CountActivityExecutionsResponse { Count = matching.Count };
            if (query.GroupBy is not null)
            {
                foreach (var (count, value) in StandaloneListing.CountsByStatus(matching, a => a.ReportedStatus))
                {
                    response.Groups.Add(new CountActivityExecutionsResponse.Types.AggregationGroup { Count = count, GroupValues = { value } });
                }
            }

            return response;
        }
    }

    private VisibilityQuery ActivityQuery(string ns, string? text) =>
        VisibilityQuery.Parse(text, name => name switch
        {
            "ActivityId" or "ActivityType" => IndexedValueType.Keyword,
            "WorkflowId" or "WorkflowType" => null, // a workflow's fields, not an activity's
            _ => searchAttributes.TypeOf(ns, name),
        });

    private IEnumerable<StandaloneActivity> MatchingActivities(string ns, VisibilityQuery query) =>
        activitiesByRun.Values.Where(a => a.Namespace == ns && !a.Deleted && query.Matches(ActivityVisibilityRecord(a)));

    /// <summary>
    /// The activity as a visibility row the query language reads: its ID and type under their own names (and in the
    /// columns a workflow's use, as Temporal stores them), ExecutionStatus by its name, StartTime = schedule time.
    /// </summary>
    private static Execution ActivityVisibilityRecord(StandaloneActivity a)
    {
        var attributes = a.SearchAttributes?.Clone() ?? new SearchAttributes();
        attributes.IndexedFields["ActivityId"] = SearchAttributeRegistry.JsonPayload(a.ActivityId, "Keyword");
        attributes.IndexedFields["ActivityType"] = SearchAttributeRegistry.JsonPayload(a.ActivityType, "Keyword");
        return new Execution
        {
            Namespace = a.Namespace,
            WorkflowId = a.ActivityId,
            RunId = a.RunId,
            FirstRunId = a.RunId,
            WorkflowType = a.ActivityType,
            TaskQueue = a.TaskQueue,
            StartRequestId = string.Empty,
            StartTime = a.ScheduleTime,
            FirstWorkflowTaskBackoff = a.StartDelay, // ExecutionTime: schedule time plus the start delay, as on the activity
            CloseTime = a.CloseTime,
            Status = StandaloneListing.AsWorkflowStatus(a.ReportedStatus),
            SearchAttributes = attributes,
        };
    }

    private static ActivityExecutionListInfo ListInfoOf(StandaloneActivity a) => new()
    {
        ActivityId = a.ActivityId,
        RunId = a.RunId,
        ActivityType = new ActivityType { Name = a.ActivityType },
        ScheduleTime = ToTimestamp(a.ScheduleTime),
        CloseTime = ToTimestamp(a.CloseTime),
        ExecutionDuration = a.CloseTime is { } closed ? ToDuration(closed - a.ScheduleTime) : null,
        Status = a.ReportedStatus,
        SearchAttributes = a.SearchAttributes,
        TaskQueue = a.TaskQueue,
        StateTransitionCount = a.StateTransitionCount,
        StateSizeBytes = a.StateSizeBytes,
        ExecutionTime = ToTimestamp(a.ExecutionTime),
    };

    // ---- completion callbacks (a Nexus operation that started this activity) ----

    private void DeliverActivityCallbacks(StandaloneActivity activity)
    {
        if (activity.Callbacks.Count == 0)
        {
            return;
        }

        var start = ActivityLink(activity);
        var completion = activity.Status switch
        {
            ActivityExecutionStatus.Completed => new NexusCompletion(activity.ScheduleTime, start, activity.Result?.Payloads_.FirstOrDefault(), Failure: null, Canceled: false),
            ActivityExecutionStatus.Canceled => new NexusCompletion(activity.ScheduleTime, start, Result: null,
                new Failure { Message = "operation canceled", Cause = activity.Failure, CanceledFailureInfo = new CanceledFailureInfo() }, Canceled: true),
            _ => new NexusCompletion(activity.ScheduleTime, start, Result: null, activity.Failure ?? activity.LastFailure ?? new Failure { Message = "operation failed" }, Canceled: false),
        };
        activity.CallbackOutcomes.Clear();
        foreach (var callback in activity.Callbacks)
        {
            var failure = DeliverCompletionCallback($"activity {Printable(activity.ActivityId)}", completion, callback);
            activity.CallbackOutcomes.Add(new CallbackOutcome(failure is null, failure, Clock.Now));
        }
    }

    private CallbackInfo ActivityCallbackInfo(StandaloneActivity a, int index)
    {
        var outcome = a.CallbackOutcomes.ElementAtOrDefault(index);
        var info = new Temporalio.Api.Callback.V1.CallbackInfo
        {
            Callback = a.Callbacks[index],
            RegistrationTime = ToTimestamp(a.CallbackTimes.ElementAtOrDefault(index) is var at && at != default ? at : a.ScheduleTime),
            State = outcome is null ? CallbackState.Standby : outcome.Succeeded ? CallbackState.Succeeded : CallbackState.Failed,
            Attempt = outcome is null ? 0 : 1,
            LastAttemptCompleteTime = ToTimestamp(outcome?.Time),
        };
        if (outcome is { Succeeded: false, Failure: { } reason })
        {
            info.LastAttemptFailure = new Failure { Message = reason };
        }

        return new CallbackInfo { Trigger = new CallbackInfo.Types.Trigger { ActivityClosed = new CallbackInfo.Types.ActivityClosed() }, Info = info };
    }
}
