using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Nexus;
using WarehouseOms.TemporalDevServer.Store;
using Failure = Temporalio.Api.Failure.V1.Failure;
using Link = Temporalio.Api.Common.V1.Link;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>A standalone Nexus operation's start or cancel waiting in a Nexus task queue; stale once that attempt is over.</summary>
internal sealed record StandaloneNexusTaskItem(StandaloneNexusOperation Operation, int Attempt, bool Cancel) : WorkItem;

/// <summary>
/// Standalone Nexus operation executions (ADR 0054): operations a client starts by ID with no workflow around them, as
/// Temporal's CHASM operation runs them (chasm/lib/nexusoperation). The start and cancel go to the endpoint's handlers
/// through the same Nexus task queues, requests, retries and timeouts as a workflow's operations (ADR 0049); an async
/// operation ends by the completion callback of the workflow behind it. Their own ID space, request-ID and conflict
/// rules, long polls and visibility follow the standalone activities (ADR 0051).
/// </summary>
internal sealed partial class WorkflowEngine
{
    private readonly Dictionary<(string Namespace, string OperationId), List<StandaloneNexusOperation>> nexusOperationRuns = [];
    private readonly Dictionary<(string Namespace, string RunId), StandaloneNexusOperation> nexusOperationsByRun = [];
    private readonly HashSet<StandaloneNexusOperation> dirtyNexusOperations = [];
    // Per namespace, closed runs in close order: the retention sweep stops at the first still within its retention.
    private readonly Dictionary<string, Queue<StandaloneNexusOperation>> closedNexusOperationsInOrder = [];

    /// <summary>nexusoperation.enableStandalone; off, every standalone operation call is UNIMPLEMENTED.</summary>
    private void RequireStandaloneNexus()
    {
        if (!standaloneNexusOperations)
        {
            throw Errors.Unimplemented(StandaloneNexusOperationRules.Disabled);
        }
    }

    // ---- start ----

    public StartNexusOperationExecutionResponse StartNexusOperationExecution(StartNexusOperationExecutionRequest request)
    {
        RequireStandaloneNexus();
        var timeouts = StandaloneNexusOperationRules.ValidateStart(request, DisallowedNexusHeaders, limits.BlobSizeError);
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            RequireValidSearchAttributes(ns, request.SearchAttributes);
            var endpoint = nexusEndpoints.FindByName(request.Endpoint)
                ?? throw Errors.NotFound($"could not find Nexus endpoint by name: {request.Endpoint}");
            var current = CurrentNexusOperation(ns, request.OperationId);
            var decision = StandaloneStartConflict.Decide(
                current is null ? null : (id => id == current.StartRequestId, current.IsOpen, current.Status == NexusOperationExecutionStatus.Completed),
                request.RequestId,
                useExisting: request.IdConflictPolicy == NexusOperationIdConflictPolicy.UseExisting,
                rejectDuplicate: request.IdReusePolicy == NexusOperationIdReusePolicy.RejectDuplicate,
                allowDuplicateFailedOnly: request.IdReusePolicy == NexusOperationIdReusePolicy.AllowDuplicateFailedOnly);
            switch (decision)
            {
                case StandaloneStartDecision.Repeated or StandaloneStartDecision.UseExisting:
                    return new StartNexusOperationExecutionResponse { RunId = current!.RunId, Started = false };
                case StandaloneStartDecision.AlreadyStarted:
                    throw Errors.NexusOperationAlreadyStarted(current!.RunId, current.StartRequestId);
            }

            var now = Clock.Now;
            var operation = new StandaloneNexusOperation
            {
                Namespace = ns,
                OperationId = request.OperationId,
                RunId = Guid.NewGuid().ToString(),
                Endpoint = request.Endpoint,
                Service = request.Service,
                Operation = request.Operation,
                Input = request.Input,
                NexusHeader = new Dictionary<string, string>(request.NexusHeader),
                UserMetadata = request.UserMetadata,
                SearchAttributes = request.SearchAttributes,
                Identity = request.Identity ?? string.Empty,
                ScheduleToClose = timeouts.ScheduleToClose,
                ScheduleToStart = timeouts.ScheduleToStart,
                StartToClose = timeouts.StartToClose,
                StartRequestId = request.RequestId,
                Progress = new NexusOperationState
                {
                    ScheduledEventId = 0,
                    RequestId = Guid.NewGuid().ToString(), // the server's, as Temporal gives each operation its own
                    EndpointId = endpoint.Id,
                    ScheduledTime = now,
                    ScheduleToCloseDue = now + timeouts.ScheduleToClose,
                    ScheduleToStartDue = now + timeouts.ScheduleToStart,
                    StartToClose = timeouts.StartToClose,
                },
            };
            AddNexusOperationRun(operation);
            NexusOperationChanged(operation);
            ArmStandaloneNexus(operation);
            return new StartNexusOperationExecutionResponse { RunId = operation.RunId, Started = true };
        }
    }

    // ---- the requests to the handler (the workflow path's dispatch, timeouts and retries) ----

    private void ArmStandaloneNexus(StandaloneNexusOperation operation)
    {
        var progress = operation.Progress;
        ArmNexusTimeout(progress, () => operation.IsOpen, type => CloseStandaloneNexus(operation, NexusOperationExecutionStatus.TimedOut, NexusTimeoutFailure(type)));
        ArmNexusAttempt(progress, () => SendStandaloneNexusRequest(operation, cancel: false), () => SendStandaloneNexusRequest(operation, cancel: true));
    }

    private void SendStandaloneNexusRequest(StandaloneNexusOperation operation, bool cancel)
    {
        var progress = operation.Progress;
        if (!operation.IsOpen)
        {
            return;
        }

        if (cancel)
        {
            if (progress.Phase != NexusOperationPhase.Started || progress.CancelPhase is NexusCancelPhase.None or NexusCancelPhase.Done or NexusCancelPhase.Failed)
            {
                return;
            }

            progress.CancelPhase = NexusCancelPhase.Scheduled;
            progress.CancelNextAttemptDue = null;
            progress.CancelAttempt = Math.Max(progress.CancelAttempt, 1);
        }
        else
        {
            if (progress.Phase == NexusOperationPhase.Started)
            {
                return;
            }

            progress.Phase = NexusOperationPhase.Scheduled;
            progress.NextAttemptDue = null;
        }

        NexusOperationDirty(operation);
        var fail = (Failure failure) => CloseStandaloneNexus(operation, NexusOperationExecutionStatus.Failed, failure, fromAttempt: true);
        if (NexusWorkerTarget(progress.EndpointId, fail) is not { } target)
        {
            return;
        }

        QueueNexusRequest(progress, cancel, target, new StandaloneNexusTaskItem(operation, cancel ? progress.CancelAttempt : progress.Attempt, cancel),
            () => operation.IsOpen,
            failure => RetryStandaloneNexus(operation, cancel, failure),
            cutBy => CloseStandaloneNexus(operation, NexusOperationExecutionStatus.TimedOut, NexusTimeoutFailure(cutBy), fromAttempt: true));
    }

    private void RetryStandaloneNexus(StandaloneNexusOperation operation, bool cancel, Failure failure)
    {
        if (cancel)
        {
            operation.Progress.CancelAttemptFailed(failure, Clock.Now);
        }
        else
        {
            operation.Progress.StartAttemptFailed(failure, Clock.Now);
        }

        NexusOperationChanged(operation);
        ArmStandaloneNexus(operation);
    }

    private PollNexusTaskQueueResponse? BuildStandaloneNexusTask(StandaloneNexusTaskItem item)
    {
        var operation = item.Operation;
        if (!operation.IsOpen || operation.Deleted || !operation.Progress.InFlight(item.Cancel, item.Attempt))
        {
            return null;
        }

        var progress = operation.Progress;
        var call = new NexusCall(operation.Endpoint, operation.Service, operation.Operation, operation.NexusHeader, progress.RequestId, operation.Input,
            new NexusCallbackToken(operation.Namespace, WorkflowId: string.Empty, operation.RunId, ScheduledEventId: 0, progress.RequestId, operation.OperationId),
            NexusLinks.ToNexusOperation(operation.Namespace, operation.OperationId, operation.RunId));
        var kind = item.Cancel ? TaskToken.NexusCancel : TaskToken.NexusStart;
        return new PollNexusTaskQueueResponse
        {
            // No workflow ID: the token names a standalone operation by its run.
            TaskToken = new TaskToken(kind, operation.Namespace, string.Empty, operation.RunId, 0, item.Attempt).ToByteString(),
            Request = NexusRequest(call, progress, item.Cancel),
        };
    }

    private static bool IsStandaloneNexusToken(TaskToken token) => token.WorkflowId.Length == 0;

    /// <summary>The open operation a task token names; null when it ended; NOT_FOUND when the attempt it names is over.</summary>
    private StandaloneNexusOperation? StandaloneNexusTaskOf(TaskToken token)
    {
        if (!nexusOperationsByRun.TryGetValue((token.Namespace, token.RunId), out var operation) || !operation.IsOpen)
        {
            return null;
        }

        return operation.Progress.InFlight(token.Kind == TaskToken.NexusCancel, token.Attempt)
            ? operation
            : throw Errors.NotFound("Nexus task not found or already expired");
    }

    private void CompleteStandaloneNexusTask(TaskToken token, RespondNexusTaskCompletedRequest request)
    {
        if (StandaloneNexusTaskOf(token) is not { } operation)
        {
            return;
        }

        if (token.Kind == TaskToken.NexusCancel)
        {
            StandaloneNexusCancelAnswered(operation, failure: null);
            return;
        }

        switch (ReadStartAnswer(request))
        {
            case NexusStartAnswer.Sync sync:
                operation.Links.AddRange(sync.Links.Select(NexusLinks.FromNexus).OfType<Link>());
                operation.Result = sync.Result;
                CloseStandaloneNexus(operation, NexusOperationExecutionStatus.Completed, failure: null);
                break;
            case NexusStartAnswer.Async started:
                StartStandaloneNexus(operation, started.OperationToken, started.Links);
                break;
            case NexusStartAnswer.Ended ended:
                CloseStandaloneNexus(operation, ended.Canceled ? NexusOperationExecutionStatus.Canceled : NexusOperationExecutionStatus.Failed, ended.Failure, fromAttempt: true);
                break;
        }
    }

    private void FailStandaloneNexusTask(TaskToken token, Failure failure, bool retryable)
    {
        if (StandaloneNexusTaskOf(token) is not { } operation)
        {
            return;
        }

        var cancel = token.Kind == TaskToken.NexusCancel;
        if (retryable)
        {
            RetryStandaloneNexus(operation, cancel, failure);
        }
        else if (cancel)
        {
            StandaloneNexusCancelAnswered(operation, failure);
        }
        else
        {
            CloseStandaloneNexus(operation, NexusOperationExecutionStatus.Failed, failure, fromAttempt: true);
        }
    }

    /// <summary>Started (async): the handler's token and links; a cancel asked before now goes out.</summary>
    private void StartStandaloneNexus(StandaloneNexusOperation operation, string operationToken, IEnumerable<Link> links, DateTime? startTime = null)
    {
        operation.Progress.MarkStarted(operationToken, startTime ?? Clock.Now);
        operation.Progress.LastAttemptFailure = null;
        operation.Links.AddRange(links);
        if (operation.Progress.CancelPhase == NexusCancelPhase.AwaitingStart)
        {
            operation.Progress.CancelPhase = NexusCancelPhase.Scheduled;
        }

        NexusOperationChanged(operation);
        ArmStandaloneNexus(operation);
    }

    private void StandaloneNexusCancelAnswered(StandaloneNexusOperation operation, Failure? failure)
    {
        var progress = operation.Progress;
        progress.CancelAttemptTimer?.Cancel();
        progress.CancelPhase = failure is null ? NexusCancelPhase.Done : NexusCancelPhase.Failed;
        progress.CancelLastAttemptFailure = failure ?? progress.CancelLastAttemptFailure;
        operation.CancelLastAttemptCompleteTime = Clock.Now;
        NexusOperationChanged(operation);
    }

    /// <summary>
    /// The operation's end, as Temporal's transitions record it: the result, or the failure as the outcome. A failure
    /// from the start request itself (<paramref name="fromAttempt"/>) is also its last attempt's failure.
    /// </summary>
    private void CloseStandaloneNexus(StandaloneNexusOperation operation, NexusOperationExecutionStatus status, Failure? failure, bool fromAttempt = false)
    {
        if (!operation.IsOpen)
        {
            return;
        }

        var now = Clock.Now;
        operation.Progress.CancelTimers();
        operation.Status = status;
        operation.Failure = failure;
        operation.CloseTime = now;
        operation.Progress.NextAttemptDue = null;
        if (fromAttempt && failure is not null)
        {
            operation.Progress.LastAttemptFailure = failure;
            operation.Progress.LastAttemptCompleteTime = now;
        }

        QueueNexusOperationForRetention(operation);
        NexusOperationChanged(operation);
    }

    // ---- the completion callback of the handler's workflow (or activity) ----

    /// <summary>
    /// A completion for a standalone operation, as its HandleNexusCompletion takes it: a stale or misrouted one (request
    /// ID) is NOT_FOUND; one that comes before the start's answer starts the operation first.
    /// </summary>
    private string? DeliverToStandaloneNexusOperation(NexusCallbackToken token, NexusCompletion completion, string? operationToken)
    {
        if (!nexusOperationsByRun.TryGetValue((token.Namespace, token.RunId), out var operation) || operation.OperationId != token.OperationId ||
            !operation.IsOpen || operation.Progress.RequestId != token.RequestId)
        {
            return "handler error (NOT_FOUND): operation not found";
        }

        if (operation.Progress.Phase != NexusOperationPhase.Started)
        {
            StartStandaloneNexus(operation, operationToken ?? string.Empty, [completion.StartLink], completion.StartTime);
        }

        if (completion.Failure is null)
        {
            operation.Result = completion.Result;
            CloseStandaloneNexus(operation, NexusOperationExecutionStatus.Completed, failure: null);
        }
        else
        {
            CloseStandaloneNexus(operation, completion.Canceled ? NexusOperationExecutionStatus.Canceled : NexusOperationExecutionStatus.Failed, completion.Failure);
        }

        return null;
    }

    // ---- indexes and persistence ----

    private StandaloneNexusOperation? CurrentNexusOperation(string ns, string operationId) =>
        nexusOperationRuns.TryGetValue((ns, operationId), out var runs) && runs.Count > 0 ? runs[^1] : null;

    /// <summary>The run a call names (the current one for an empty run ID): NOT_FOUND otherwise.</summary>
    private StandaloneNexusOperation FindNexusOperation(string requestedNamespace, string operationId, string? runId)
    {
        var ns = Ns(requestedNamespace);
        var found = string.IsNullOrEmpty(runId)
            ? CurrentNexusOperation(ns, operationId)
            : nexusOperationsByRun.GetValueOrDefault((ns, runId)) is { } run && run.OperationId == operationId ? run : null;
        return found ?? throw Errors.NotFound($"operation not found for ID: {operationId}");
    }

    private void AddNexusOperationRun(StandaloneNexusOperation operation)
    {
        var key = (operation.Namespace, operation.OperationId);
        if (!nexusOperationRuns.TryGetValue(key, out var runs))
        {
            runs = [];
            nexusOperationRuns[key] = runs;
        }

        runs.Add(operation);
        nexusOperationsByRun[(operation.Namespace, operation.RunId)] = operation;
    }

    /// <summary>A change of state: counted, seen by long polls, and written by the committer.</summary>
    private void NexusOperationChanged(StandaloneNexusOperation operation)
    {
        operation.NotifyChanged();
        NexusOperationDirty(operation);
    }

    /// <summary>A change to write that is no state transition of Temporal's (an attempt sent again).</summary>
    private void NexusOperationDirty(StandaloneNexusOperation operation)
    {
        if (store.IsDurable)
        {
            dirtyNexusOperations.Add(operation);
            changeSeq++;
        }
    }

    // Under the lock, for the committer.
    private List<StandaloneNexusOperationChange> TakeDirtyNexusOperations()
    {
        var changes = dirtyNexusOperations
            .Select(o => new StandaloneNexusOperationChange(o.Namespace, o.OperationId, o.RunId, o.CloseTime, o.Deleted ? null : o.ToBytes()))
            .ToList();
        dirtyNexusOperations.Clear();
        return changes;
    }

    /// <summary>
    /// After a restart (after the endpoints and runs): timeouts re-armed at their stored times, a start or cancel in
    /// flight sent again under the same request ID (the handler deduplicates it), closed runs queued for retention.
    /// </summary>
    private async Task RestoreStandaloneNexusOperationsAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadStandaloneNexusOperationsAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            rehydrating = true;
            try
            {
                var operations = stored.Select(StandaloneNexusOperation.FromBytes).OrderBy(o => o.Progress.ScheduledTime).ToList();
                foreach (var operation in operations)
                {
                    namespaces.Ensure(operation.Namespace);
                    AddNexusOperationRun(operation);
                    if (operation.IsOpen)
                    {
                        ArmStandaloneNexus(operation);
                    }
                }

                foreach (var closed in operations.Where(o => !o.IsOpen).OrderBy(o => o.CloseTime))
                {
                    QueueNexusOperationForRetention(closed);
                }
            }
            finally
            {
                rehydrating = false;
            }
        }
    }

    private void QueueNexusOperationForRetention(StandaloneNexusOperation closed)
    {
        if (!closedNexusOperationsInOrder.TryGetValue(closed.Namespace, out var queue))
        {
            queue = new Queue<StandaloneNexusOperation>();
            closedNexusOperationsInOrder[closed.Namespace] = queue;
        }

        queue.Enqueue(closed);
    }
}
