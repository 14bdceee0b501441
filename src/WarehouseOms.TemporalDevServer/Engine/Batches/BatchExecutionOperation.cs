using Temporalio.Api.Batch.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Batches;

/// <summary>A batch's operation on one execution is one it will never be able to apply (a reset with no workflow task to reset to).</summary>
internal sealed class BatchExecutionNotApplicableException(string message) : Exception(message);

/// <summary>
/// A batch's operation on one execution: the request Temporal's batcher sends for it, handed to the engine as an
/// RPC would be (the execution read back first if it left memory).
/// </summary>
internal sealed class BatchExecutionOperation(WorkflowEngine engine, BatchJob job)
{
    private const int HistoryPageSize = 1000;

    public async Task ApplyAsync(WorkflowExecution target, string clientIdentity, CancellationToken ct)
    {
        var r = job.Request;
        var ns = job.Namespace;
        var execution = target.Clone();
        switch (r.OperationCase)
        {
            case StartBatchOperationRequest.OperationOneofCase.TerminationOperation:
                // The batcher's SDK client: the batch's reason, the client's identity, no details.
                await ApplyAsync(new TerminateWorkflowExecutionRequest { Namespace = ns, WorkflowExecution = execution, Reason = r.Reason, Identity = clientIdentity },
                    engine.Terminate, ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.CancellationOperation:
                await ApplyAsync(new RequestCancelWorkflowExecutionRequest { Namespace = ns, WorkflowExecution = execution, Identity = clientIdentity, RequestId = Guid.NewGuid().ToString() },
                    engine.RequestCancel, ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.SignalOperation:
                var signal = r.SignalOperation;
                await ApplyAsync(new SignalWorkflowExecutionRequest
                {
                    Namespace = ns,
                    WorkflowExecution = execution,
                    SignalName = signal.Signal,
                    Input = signal.Input,
                    Identity = signal.Identity,
                    RequestId = RequestId("signal", execution.WorkflowId, execution.RunId, signal.Signal),
                }, request => engine.Signal(request), ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.DeletionOperation:
                var delete = new DeleteWorkflowExecutionRequest { Namespace = ns, WorkflowExecution = execution };
                await engine.PrepareAsync(delete, ct).ConfigureAwait(false);
                await engine.DeleteWorkflowAsync(delete, ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.ResetOperation:
                await ResetAsync(execution, ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.UpdateWorkflowOptionsOperation:
                var options = r.UpdateWorkflowOptionsOperation;
                await ApplyAsync(new UpdateWorkflowExecutionOptionsRequest
                {
                    Namespace = ns,
                    WorkflowExecution = execution,
                    WorkflowExecutionOptions = options.WorkflowExecutionOptions,
                    UpdateMask = options.UpdateMask,
                    Identity = options.Identity,
                }, x => engine.UpdateWorkflowExecutionOptions(x), ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.UnpauseActivitiesOperation:
                var unpause = r.UnpauseActivitiesOperation;
                var unpauseRequest = new UnpauseActivityRequest
                {
                    Namespace = ns, Execution = execution, Identity = unpause.Identity,
                    ResetAttempts = unpause.ResetAttempts, ResetHeartbeat = unpause.ResetHeartbeat, Jitter = unpause.Jitter,
                };
                if (unpause.ActivityCase == BatchOperationUnpauseActivities.ActivityOneofCase.Type)
                {
                    unpauseRequest.Type = unpause.Type;
                }
                else
                {
                    unpauseRequest.UnpauseAll = true;
                }

                await ApplyAsync(unpauseRequest, engine.UnpauseActivity, ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.ResetActivitiesOperation:
                var reset = r.ResetActivitiesOperation;
                var resetRequest = new ResetActivityRequest
                {
                    Namespace = ns, Execution = execution, Identity = reset.Identity, ResetHeartbeat = reset.ResetHeartbeat,
                    Jitter = reset.Jitter, KeepPaused = reset.KeepPaused, RestoreOriginalOptions = reset.RestoreOriginalOptions,
                };
                if (reset.ActivityCase == BatchOperationResetActivities.ActivityOneofCase.Type)
                {
                    resetRequest.Type = reset.Type;
                }
                else
                {
                    resetRequest.MatchAll = true;
                }

                await ApplyAsync(resetRequest, engine.ResetActivity, ct).ConfigureAwait(false);
                break;
            case StartBatchOperationRequest.OperationOneofCase.UpdateActivityOptionsOperation:
                var update = r.UpdateActivityOptionsOperation;
                var updateRequest = new UpdateActivityOptionsRequest
                {
                    Namespace = ns, Execution = execution, UpdateMask = update.UpdateMask, RestoreOriginal = update.RestoreOriginal,
                    Identity = update.Identity, ActivityOptions = update.ActivityOptions,
                };
                if (update.ActivityCase == BatchOperationUpdateActivityOptions.ActivityOneofCase.Type)
                {
                    updateRequest.Type = update.Type;
                }
                else
                {
                    updateRequest.MatchAll = true;
                }

                await ApplyAsync(updateRequest, x => engine.UpdateActivityOptions(x), ct).ConfigureAwait(false);
                break;
        }
    }

    private async Task ApplyAsync<T>(T request, Action<T> apply, CancellationToken ct)
        where T : Google.Protobuf.IMessage
    {
        await engine.PrepareAsync(request, ct).ConfigureAwait(false);
        apply(request);
    }

    private async Task ResetAsync(WorkflowExecution execution, CancellationToken ct)
    {
        var reset = job.Request.ResetOperation;
        await engine.PrepareAsync(new DescribeWorkflowExecutionRequest { Namespace = job.Namespace, Execution = execution }, ct).ConfigureAwait(false);
        long eventId;
        ResetReapplyType reapply;
        IEnumerable<ResetReapplyExcludeType> excludes = [];
        if (reset.Options is { } options)
        {
            eventId = options.TargetCase switch
            {
                ResetOptions.TargetOneofCase.FirstWorkflowTask => await FirstWorkflowTaskAsync(execution, ct).ConfigureAwait(false),
                ResetOptions.TargetOneofCase.LastWorkflowTask => LastWorkflowTask(execution),
                ResetOptions.TargetOneofCase.WorkflowTaskId => options.WorkflowTaskId,
                ResetOptions.TargetOneofCase.BuildId => ResetPoint(execution, options.BuildId, options.CurrentRunOnly),
                _ => throw Errors.InvalidArgument($"provided reset target ({options.TargetCase}) is not supported."),
            };
            reapply = options.ResetReapplyType;
            excludes = options.ResetReapplyExcludeTypes;
        }
        else
        {
            eventId = reset.ResetType == ResetType.LastWorkflowTask ? LastWorkflowTask(execution) : await FirstWorkflowTaskAsync(execution, ct).ConfigureAwait(false);
            reapply = reset.ResetReapplyType;
        }

        var request = new ResetWorkflowExecutionRequest
        {
            Namespace = job.Namespace,
            WorkflowExecution = execution,
            Reason = job.Request.Reason,
            RequestId = RequestId("reset", execution.WorkflowId, execution.RunId),
            WorkflowTaskFinishEventId = eventId,
            ResetReapplyType = reapply,
            Identity = reset.Identity,
        };
        request.ResetReapplyExcludeTypes.AddRange(excludes);
        request.PostResetOperations.AddRange(reset.PostResetOperations);
        await ApplyAsync(request, x => engine.ResetWorkflow(x), ct).ConfigureAwait(false);
    }

    // The first completed workflow task, or the first one's started event if none completed (Temporal's batcher).
    private async Task<long> FirstWorkflowTaskAsync(WorkflowExecution execution, CancellationToken ct)
    {
        long found = 0;
        var request = new GetWorkflowExecutionHistoryRequest { Namespace = job.Namespace, Execution = execution, MaximumPageSize = HistoryPageSize };
        while (true)
        {
            var page = await engine.GetHistoryAsync(request, null, ct).ConfigureAwait(false);
            foreach (var e in page.History.Events)
            {
                if (e.EventType == EventType.WorkflowTaskCompleted)
                {
                    return e.EventId;
                }

                if (e.EventType == EventType.WorkflowTaskScheduled && found == 0)
                {
                    found = e.EventId + 1;
                }
            }

            if (page.NextPageToken.IsEmpty)
            {
                return found > 0 ? found : throw NoWorkflowTask();
            }

            request.NextPageToken = page.NextPageToken;
        }
    }

    // The last completed workflow task, read backwards; without one, the started event after the earliest scheduled task.
    private long LastWorkflowTask(WorkflowExecution execution)
    {
        long found = 0;
        var request = new GetWorkflowExecutionHistoryReverseRequest { Namespace = job.Namespace, Execution = execution, MaximumPageSize = HistoryPageSize };
        while (true)
        {
            var page = engine.GetHistoryReverse(request);
            foreach (var e in page.History.Events)
            {
                if (e.EventType == EventType.WorkflowTaskCompleted)
                {
                    return e.EventId;
                }

                if (e.EventType == EventType.WorkflowTaskScheduled)
                {
                    found = e.EventId + 1;
                }
            }

            if (page.NextPageToken.IsEmpty)
            {
                return found > 0 ? found : throw NoWorkflowTask();
            }

            request.NextPageToken = page.NextPageToken;
        }
    }

    // The auto-reset point of the build ID; it may name an earlier run of the workflow, which the reset then targets.
    private long ResetPoint(WorkflowExecution execution, string buildId, bool currentRunOnly)
    {
        var described = engine.Describe(new DescribeWorkflowExecutionRequest { Namespace = job.Namespace, Execution = execution });
        var point = described.WorkflowExecutionInfo.AutoResetPoints?.Points.FirstOrDefault(p => p.BuildId == buildId)
            ?? throw new BatchExecutionNotApplicableException($"Can't find reset point for {buildId}");
        if (!point.Resettable)
        {
            throw new BatchExecutionNotApplicableException($"Reset point for {buildId} is not resettable");
        }

        if (point.ExpireTime is { } expires && expires.ToDateTime() < DateTime.UtcNow)
        {
            throw new BatchExecutionNotApplicableException($"Reset point for {buildId} is expired");
        }

        if (execution.RunId != point.RunId && currentRunOnly)
        {
            throw new BatchExecutionNotApplicableException($"Reset point for {buildId} points to previous run and CurrentRunOnly is set");
        }

        execution.RunId = point.RunId;
        return point.FirstWorkflowTaskCompletedId;
    }

    private static BatchExecutionNotApplicableException NoWorkflowTask() => new("unable to find any scheduled or completed task");

    // Temporal's deterministic request ID: a retried or redone operation is the same request.
    private string RequestId(params string[] parts) => NameBasedUuid.Sha1($"{job.JobId}:{string.Join(':', parts)}");
}
