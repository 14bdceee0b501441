using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Nexus;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Standalone Nexus operations (ADR 0054): the outcome poll, describe, list and count; cancel, terminate, delete and retention.</summary>
internal sealed partial class WorkflowEngine
{
    private const int MaxNexusOperationPageSize = 1000;

    // ---- the outcome and the description ----

    /// <summary>
    /// Waits for the wait stage (STARTED: started or closed; CLOSED) and answers with the run, its token and, once
    /// closed, its outcome; an empty answer when the wait ends first, which tells the client to poll again.
    /// </summary>
    public Task<PollNexusOperationExecutionResponse> PollNexusOperationExecutionAsync(PollNexusOperationExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequireStandaloneNexus();
        StandaloneNexusOperationRules.ValidatePoll(request);
        return LongPollAsync(() =>
        {
            var operation = FindNexusOperation(request.Namespace, request.OperationId, request.RunId);
            var reached = !operation.IsOpen || (request.WaitStage == NexusOperationWaitStage.Started && operation.Progress.Phase == NexusOperationPhase.Started);
            return (reached ? PollAnswer(operation) : null, operation.Changed);
        }, deadline, ct);
    }

    private static PollNexusOperationExecutionResponse PollAnswer(StandaloneNexusOperation operation)
    {
        var response = new PollNexusOperationExecutionResponse
        {
            RunId = operation.RunId,
            OperationToken = operation.Progress.OperationToken ?? string.Empty,
            WaitStage = operation.IsOpen ? NexusOperationWaitStage.Started : NexusOperationWaitStage.Closed,
        };
        if (!operation.IsOpen)
        {
            if (operation.Status == NexusOperationExecutionStatus.Completed)
            {
                response.Result = operation.Result ?? new Payload();
            }
            else if (OutcomeFailure(operation) is { } failure)
            {
                response.Failure = failure;
            }
        }

        return response;
    }

    private static Failure? OutcomeFailure(StandaloneNexusOperation operation) => operation.Failure ?? operation.Progress.LastAttemptFailure;

    /// <summary>The run as Temporal describes it; with a long-poll token, waits for a change after it first (an empty answer when none came).</summary>
    public Task<DescribeNexusOperationExecutionResponse> DescribeNexusOperationExecutionAsync(DescribeNexusOperationExecutionRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequireStandaloneNexus();
        StandaloneNexusOperationRules.ValidateDescribe(request);
        var awaited = request.LongPollToken.IsEmpty ? (long?)null : NexusLongPollTransition(request);
        return LongPollAsync(() =>
        {
            var operation = FindNexusOperation(request.Namespace, request.OperationId, request.RunId);
            var ready = awaited is not { } seen || operation.StateTransitionCount != seen || operation.Deleted;
            return (ready ? DescribeNexusOperation(operation, request) : null, operation.Changed);
        }, deadline, ct);
    }

    private static long NexusLongPollTransition(DescribeNexusOperationExecutionRequest request)
    {
        var parts = request.LongPollToken.ToStringUtf8().Split('\u001f');
        if (parts.Length != 2 || !long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            throw Errors.InvalidArgument("invalid long poll token");
        }

        return parts[0] == request.RunId ? count : throw Errors.InvalidArgument("long poll token does not match execution");
    }

    private DescribeNexusOperationExecutionResponse DescribeNexusOperation(StandaloneNexusOperation o, DescribeNexusOperationExecutionRequest request)
    {
        var response = new DescribeNexusOperationExecutionResponse
        {
            RunId = o.RunId,
            Info = NexusOperationInfoOf(o),
            LongPollToken = ByteString.CopyFromUtf8($"{o.RunId}\u001f{o.StateTransitionCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}"),
        };
        if (request.IncludeInput)
        {
            response.Input = o.Input;
        }

        if (request.IncludeOutcome && !o.IsOpen)
        {
            if (o.Status == NexusOperationExecutionStatus.Completed)
            {
                response.Result = o.Result ?? new Payload();
            }
            else if (OutcomeFailure(o) is { } failure)
            {
                response.Failure = failure;
            }
        }

        return response;
    }

    private NexusOperationExecutionInfo NexusOperationInfoOf(StandaloneNexusOperation o)
    {
        var p = o.Progress;
        var info = new NexusOperationExecutionInfo
        {
            OperationId = o.OperationId,
            RunId = o.RunId,
            Endpoint = o.Endpoint,
            Service = o.Service,
            Operation = o.Operation,
            Status = o.Status,
            State = o.State,
            ScheduleToCloseTimeout = o.ScheduleToClose is { } s2c ? ToDuration(s2c) : null,
            ScheduleToStartTimeout = o.ScheduleToStart is { } s2s ? ToDuration(s2s) : null,
            StartToCloseTimeout = o.StartToClose is { } stc ? ToDuration(stc) : null,
            Attempt = p.Attempt,
            ScheduleTime = ToTimestamp(p.ScheduledTime),
            ExpirationTime = ToTimestamp(p.ScheduleToCloseDue),
            CloseTime = ToTimestamp(o.CloseTime),
            ExecutionDuration = ToDuration((o.CloseTime ?? Clock.Now) - p.ScheduledTime),
            LastAttemptCompleteTime = ToTimestamp(p.LastAttemptCompleteTime),
            LastAttemptFailure = p.LastAttemptFailure,
            NextAttemptScheduleTime = o.IsOpen && p.Phase == NexusOperationPhase.BackingOff ? ToTimestamp(p.NextAttemptDue) : null,
            RequestId = p.RequestId,
            OperationToken = p.OperationToken ?? string.Empty,
            StateTransitionCount = o.StateTransitionCount,
            StateSizeBytes = o.StateSizeBytes,
            SearchAttributes = o.SearchAttributes ?? new SearchAttributes(),
            UserMetadata = o.UserMetadata,
            Identity = o.Identity,
        };
        info.NexusHeader.Add(o.NexusHeader);
        info.Links.AddRange(o.Links);
        if (o.CancelRequest is { } cancel)
        {
            info.CancellationInfo = new NexusOperationExecutionCancellationInfo
            {
                RequestedTime = ToTimestamp(cancel.Time),
                State = p.CancelPhase switch
                {
                    NexusCancelPhase.BackingOff => NexusOperationCancellationState.BackingOff,
                    NexusCancelPhase.Done => NexusOperationCancellationState.Succeeded,
                    NexusCancelPhase.Failed => NexusOperationCancellationState.Failed,
                    _ => NexusOperationCancellationState.Scheduled,
                },
                Attempt = p.CancelAttempt,
                LastAttemptCompleteTime = ToTimestamp(o.CancelLastAttemptCompleteTime),
                LastAttemptFailure = p.CancelLastAttemptFailure,
                NextAttemptScheduleTime = p.CancelPhase == NexusCancelPhase.BackingOff ? ToTimestamp(p.CancelNextAttemptDue) : null,
                Reason = cancel.Reason,
            };
        }

        return info;
    }

    // ---- visibility ----

    public ListNexusOperationExecutionsResponse ListNexusOperationExecutions(ListNexusOperationExecutionsRequest request)
    {
        RequireStandaloneNexus();
        var pageSize = request.PageSize <= 0 || request.PageSize > MaxNexusOperationPageSize ? MaxNexusOperationPageSize : request.PageSize;
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var query = NexusOperationQuery(ns, request.Query);
            // Newest first; the token is the last row's run ID, so later starts never shift a page.
            var rows = query.Sort(MatchingNexusOperations(ns, query).Select(NexusOperationVisibilityRecord)).ToList();
            var (page, next) = StandaloneListing.PageAfter(rows, request.NextPageToken, pageSize);
            var response = new ListNexusOperationExecutionsResponse { NextPageToken = next ?? ByteString.Empty };
            response.Operations.AddRange(page.Select(row => NexusOperationListInfoOf(nexusOperationsByRun[(ns, row.RunId)])));
            return response;
        }
    }

    public CountNexusOperationExecutionsResponse CountNexusOperationExecutions(CountNexusOperationExecutionsRequest request)
    {
        RequireStandaloneNexus();
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var query = NexusOperationQuery(ns, request.Query);
            var matching = MatchingNexusOperations(ns, query).ToList();
            var response = new CountNexusOperationExecutionsResponse { Count = matching.Count };
            if (query.GroupBy is not null)
            {
                foreach (var (count, value) in StandaloneListing.CountsByStatus(matching, o => o.Status))
                {
                    response.Groups.Add(new CountNexusOperationExecutionsResponse.Types.AggregationGroup { Count = count, GroupValues = { value } });
                }
            }

            return response;
        }
    }

    // Temporal's operation search attributes (Endpoint, Service, Operation, RequestId, ExecutionStatus), and OperationId for its business ID.
    private static readonly string[] NexusOperationKeywords = ["OperationId", "Endpoint", "Service", "Operation", "RequestId"];

    private VisibilityQuery NexusOperationQuery(string ns, string? text) =>
        VisibilityQuery.Parse(text, name => name switch
        {
            _ when NexusOperationKeywords.Contains(name) => IndexedValueType.Keyword,
            "WorkflowId" or "WorkflowType" => null, // a workflow's fields, not an operation's
            _ => searchAttributes.TypeOf(ns, name),
        });

    private IEnumerable<StandaloneNexusOperation> MatchingNexusOperations(string ns, VisibilityQuery query) =>
        nexusOperationsByRun.Values.Where(o => o.Namespace == ns && !o.Deleted && query.Matches(NexusOperationVisibilityRecord(o)));

    /// <summary>The operation as a visibility row the query language reads (as the standalone activities': ADR 0051), StartTime = schedule time.</summary>
    private static Execution NexusOperationVisibilityRecord(StandaloneNexusOperation o)
    {
        var attributes = o.SearchAttributes?.Clone() ?? new SearchAttributes();
        foreach (var (name, value) in new[] { ("OperationId", o.OperationId), ("Endpoint", o.Endpoint), ("Service", o.Service), ("Operation", o.Operation), ("RequestId", o.Progress.RequestId) })
        {
            attributes.IndexedFields[name] = SearchAttributeRegistry.JsonPayload(value, "Keyword");
        }

        return new Execution
        {
            Namespace = o.Namespace,
            WorkflowId = o.OperationId,
            RunId = o.RunId,
            FirstRunId = o.RunId,
            WorkflowType = o.Operation,
            TaskQueue = string.Empty,
            StartRequestId = string.Empty,
            StartTime = o.Progress.ScheduledTime,
            CloseTime = o.CloseTime,
            Status = StandaloneListing.AsWorkflowStatus(o.Status),
            SearchAttributes = attributes,
        };
    }

    private static NexusOperationExecutionListInfo NexusOperationListInfoOf(StandaloneNexusOperation o) => new()
    {
        OperationId = o.OperationId,
        RunId = o.RunId,
        Endpoint = o.Endpoint,
        Service = o.Service,
        Operation = o.Operation,
        Status = o.Status,
        ScheduleTime = ToTimestamp(o.Progress.ScheduledTime),
        CloseTime = ToTimestamp(o.CloseTime),
        ExecutionDuration = o.CloseTime is { } closed ? ToDuration(closed - o.Progress.ScheduledTime) : null,
        StateTransitionCount = o.StateTransitionCount,
        StateSizeBytes = o.StateSizeBytes,
        SearchAttributes = o.SearchAttributes ?? new SearchAttributes(),
    };

    // ---- cancel, terminate, delete ----

    /// <summary>
    /// As Temporal's RequestCancel: a repeat of the same request is harmless (even once closed); a closed operation or a
    /// second cancel is FAILED_PRECONDITION. The cancel goes to the handler once the operation has started (it needs the token).
    /// </summary>
    public void RequestCancelNexusOperationExecution(RequestCancelNexusOperationExecutionRequest request)
    {
        RequireStandaloneNexus();
        var requestId = StandaloneNexusOperationRules.ValidateChange(request.RequestId, request.OperationId, request.RunId, request.Identity, request.Reason);
        using (gate.Enter())
        {
            var operation = FindNexusOperation(request.Namespace, request.OperationId, request.RunId);
            if (operation.CancelRequest?.RequestId == requestId)
            {
                return;
            }

            if (!operation.IsOpen)
            {
                throw Errors.FailedPrecondition("operation already completed");
            }

            if (operation.CancelRequest is { } earlier)
            {
                throw Errors.FailedPrecondition($"cancellation already requested with request ID {earlier.RequestId}");
            }

            operation.CancelRequest = new NexusOperationCancelRequest(requestId, request.Reason ?? string.Empty, request.Identity ?? string.Empty, Clock.Now);
            operation.Progress.CancelPhase = operation.Progress.Phase == NexusOperationPhase.Started ? NexusCancelPhase.Scheduled : NexusCancelPhase.AwaitingStart;
            NexusOperationChanged(operation);
            if (operation.Progress.CancelPhase == NexusCancelPhase.Scheduled)
            {
                SendStandaloneNexusRequest(operation, cancel: true);
            }
        }
    }

    public void TerminateNexusOperationExecution(TerminateNexusOperationExecutionRequest request)
    {
        RequireStandaloneNexus();
        var requestId = StandaloneNexusOperationRules.ValidateChange(request.RequestId, request.OperationId, request.RunId, request.Identity, request.Reason);
        using (gate.Enter())
        {
            TerminateNexusOperation(FindNexusOperation(request.Namespace, request.OperationId, request.RunId), requestId, request.Reason ?? string.Empty, request.Identity);
        }
    }

    /// <summary>As Temporal's Terminate: closes the operation with a TerminatedFailure; the handler is not told (no cancel is sent).</summary>
    private void TerminateNexusOperation(StandaloneNexusOperation operation, string requestId, string reason, string? identity)
    {
        if (operation.TerminateRequestId is { } earlier)
        {
            if (earlier == requestId)
            {
                return;
            }

            throw Errors.FailedPrecondition($"already terminated with request ID {earlier}");
        }

        if (!operation.IsOpen)
        {
            throw Errors.FailedPrecondition($"invalid transition from {operation.Status}");
        }

        operation.TerminateRequestId = requestId;
        CloseStandaloneNexus(operation, NexusOperationExecutionStatus.Terminated,
            new Failure { Message = reason, TerminatedFailureInfo = new TerminatedFailureInfo { Identity = identity ?? string.Empty } });
    }

    /// <summary>As Temporal's DeleteExecution: a running operation is terminated first, then the run is forgotten.</summary>
    public void DeleteNexusOperationExecution(DeleteNexusOperationExecutionRequest request)
    {
        RequireStandaloneNexus();
        StandaloneNexusOperationRules.ValidateDelete(request);
        using (gate.Enter())
        {
            var operation = FindNexusOperation(request.Namespace, request.OperationId, request.RunId);
            if (operation.IsOpen)
            {
                TerminateNexusOperation(operation, Guid.NewGuid().ToString(), "Delete nexus operation execution", HistoryServiceIdentity);
            }

            PurgeNexusOperation(operation);
        }
    }

    private void PurgeNexusOperation(StandaloneNexusOperation operation)
    {
        operation.Progress.CancelTimers();
        operation.Deleted = true;
        nexusOperationsByRun.Remove((operation.Namespace, operation.RunId));
        var key = (operation.Namespace, operation.OperationId);
        if (nexusOperationRuns.TryGetValue(key, out var runs) && runs.Remove(operation) && runs.Count == 0)
        {
            nexusOperationRuns.Remove(key);
        }

        NexusOperationChanged(operation);
    }

    /// <summary>Retention: closed operations past their namespace's retention leave memory and the store, oldest close first.</summary>
    private void SweepStandaloneNexusOperations(DateTime now)
    {
        foreach (var (ns, closed) in closedNexusOperationsInOrder)
        {
            var cutoff = now - RetentionOf(ns);
            while (closed.TryPeek(out var operation) && (operation.Deleted || operation.CloseTime < cutoff))
            {
                closed.Dequeue();
                if (!operation.Deleted)
                {
                    PurgeNexusOperation(operation);
                }
            }
        }
    }

    /// <summary>DeleteNamespace: the namespace's operations end (the store drops their rows with the namespace's).</summary>
    private void RemoveStandaloneNexusOperationsOf(string ns)
    {
        closedNexusOperationsInOrder.Remove(ns);
        foreach (var operation in nexusOperationsByRun.Values.Where(o => o.Namespace == ns).ToList())
        {
            operation.Progress.CancelTimers();
            operation.Deleted = true;
            nexusOperationsByRun.Remove((ns, operation.RunId));
            nexusOperationRuns.Remove((ns, operation.OperationId));
            operation.NotifyChanged();
        }
    }
}
