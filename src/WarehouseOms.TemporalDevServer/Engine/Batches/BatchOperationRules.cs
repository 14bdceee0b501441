using Temporalio.Api.Batch.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Batches;

/// <summary>What Temporal's frontend and batcher decide about a batch request, without state: validation, type, targets.</summary>
internal static class BatchOperationRules
{
    /// <summary>Temporal's ValidateBatchOperation, its checks in its order and with its messages.</summary>
    public static void Validate(StartBatchOperationRequest r)
    {
        var selectors = (r.VisibilityQuery.Length > 0 ? 1 : 0) + (r.Executions.Count > 0 ? 1 : 0) + (r.TargetExecutions.Count > 0 ? 1 : 0);
        if (r.OperationCase == StartBatchOperationRequest.OperationOneofCase.None || r.Reason.Length == 0 || r.Namespace.Length == 0 || selectors == 0)
        {
            throw Errors.InvalidArgument("must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)");
        }

        if (r.JobId.Length == 0)
        {
            throw Errors.InvalidArgument("JobId is not set on request.");
        }

        if (selectors > 1)
        {
            throw Errors.InvalidArgument("visibility query, executions, and target executions are mutually exclusive");
        }

        for (var i = 0; i < r.TargetExecutions.Count; i++)
        {
            if (r.TargetExecutions[i].Type != ExecutionType.Workflow)
            {
                throw Errors.InvalidArgument(
                    $"target_executions[{i}] has type {Enums.Name(r.TargetExecutions[i].Type)}, but operation {OperationName(r)} requires {Enums.Name(ExecutionType.Workflow)}");
            }
        }

        switch (r.OperationCase)
        {
            case StartBatchOperationRequest.OperationOneofCase.SignalOperation when r.SignalOperation.Signal.Length == 0:
                throw Errors.InvalidArgument("must provide signal name");
            case StartBatchOperationRequest.OperationOneofCase.UpdateWorkflowOptionsOperation:
                if (r.UpdateWorkflowOptionsOperation.WorkflowExecutionOptions is null)
                {
                    throw Errors.InvalidArgument("must provide UpdateOptions");
                }

                if (r.UpdateWorkflowOptionsOperation.UpdateMask is null)
                {
                    throw Errors.InvalidArgument("must provide UpdateMask");
                }

                break;
            case StartBatchOperationRequest.OperationOneofCase.ResetOperation:
                if (r.ResetOperation.Options is { } options)
                {
                    if (options.TargetCase == ResetOptions.TargetOneofCase.None)
                    {
                        throw Errors.InvalidArgument("batch reset missing target");
                    }
                }
                else if (r.ResetOperation.ResetType is not (ResetType.FirstWorkflowTask or ResetType.LastWorkflowTask))
                {
                    throw Errors.InvalidArgument($"unknown batch reset type {Enums.Name(r.ResetOperation.ResetType)}");
                }

                break;
            case StartBatchOperationRequest.OperationOneofCase.UnpauseActivitiesOperation:
                var unpause = r.UnpauseActivitiesOperation;
                if (unpause.ActivityCase == BatchOperationUnpauseActivities.ActivityOneofCase.None)
                {
                    throw Errors.InvalidArgument("activity filter must be set");
                }

                RequireActivityFilter(unpause.ActivityCase == BatchOperationUnpauseActivities.ActivityOneofCase.Type ? unpause.Type : null, unpause.MatchAll);
                break;
            case StartBatchOperationRequest.OperationOneofCase.ResetActivitiesOperation:
                var reset = r.ResetActivitiesOperation;
                if (reset.ActivityCase == BatchOperationResetActivities.ActivityOneofCase.None)
                {
                    throw Errors.InvalidArgument("must provide ActivityType or MatchAll");
                }

                RequireActivityFilter(reset.ActivityCase == BatchOperationResetActivities.ActivityOneofCase.Type ? reset.Type : null, reset.MatchAll);
                break;
            case StartBatchOperationRequest.OperationOneofCase.UpdateActivityOptionsOperation:
                var update = r.UpdateActivityOptionsOperation;
                if (update.ActivityOptions is not null && update.RestoreOriginal)
                {
                    throw Errors.InvalidArgument("cannot set both activity options and restore original");
                }

                if (update.ActivityOptions is null && !update.RestoreOriginal)
                {
                    throw Errors.InvalidArgument("Either activity type must be set, or restore original should be set to true");
                }

                if (update.ActivityCase != BatchOperationUpdateActivityOptions.ActivityOneofCase.None)
                {
                    RequireActivityFilter(update.ActivityCase == BatchOperationUpdateActivityOptions.ActivityOneofCase.Type ? update.Type : null, update.MatchAll);
                }

                break;
        }
    }

    /// <summary>The type Describe and List report (Temporal maps its stored operation name to the *_WORKFLOW values).</summary>
    public static BatchOperationType TypeOf(StartBatchOperationRequest r) => r.OperationCase switch
    {
        StartBatchOperationRequest.OperationOneofCase.TerminationOperation => BatchOperationType.TerminateWorkflow,
        StartBatchOperationRequest.OperationOneofCase.CancellationOperation => BatchOperationType.CancelWorkflow,
        StartBatchOperationRequest.OperationOneofCase.SignalOperation => BatchOperationType.SignalWorkflow,
        StartBatchOperationRequest.OperationOneofCase.DeletionOperation => BatchOperationType.DeleteWorkflow,
        StartBatchOperationRequest.OperationOneofCase.ResetOperation => BatchOperationType.ResetWorkflow,
        StartBatchOperationRequest.OperationOneofCase.UpdateWorkflowOptionsOperation => BatchOperationType.UpdateWorkflowExecutionOptions,
        StartBatchOperationRequest.OperationOneofCase.UnpauseActivitiesOperation => BatchOperationType.UnpauseActivity,
        StartBatchOperationRequest.OperationOneofCase.ResetActivitiesOperation => BatchOperationType.ResetActivity,
        StartBatchOperationRequest.OperationOneofCase.UpdateActivityOptionsOperation => BatchOperationType.UpdateActivityOptions,
        _ => BatchOperationType.Unspecified,
    };

    /// <summary>The operator identity Describe reports (Temporal's BatcherUser search attribute).</summary>
    public static string IdentityOf(StartBatchOperationRequest r) => r.OperationCase switch
    {
        StartBatchOperationRequest.OperationOneofCase.TerminationOperation => r.TerminationOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.CancellationOperation => r.CancellationOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.SignalOperation => r.SignalOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.DeletionOperation => r.DeletionOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.ResetOperation => r.ResetOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.UpdateWorkflowOptionsOperation => r.UpdateWorkflowOptionsOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.UnpauseActivitiesOperation => r.UnpauseActivitiesOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.ResetActivitiesOperation => r.ResetActivitiesOperation.Identity,
        StartBatchOperationRequest.OperationOneofCase.UpdateActivityOptionsOperation => r.UpdateActivityOptionsOperation.Identity,
        _ => string.Empty,
    };

    /// <summary>
    /// The query the batcher lists with: every operation but delete and reset acts on running executions only, so
    /// the batcher narrows the user's query to them: running or paused (ADR 0056), as Temporal's adjustQueryBatchTypeEnum.
    /// </summary>
    public static string AdjustedQuery(StartBatchOperationRequest r) =>
        r.OperationCase is StartBatchOperationRequest.OperationOneofCase.DeletionOperation or StartBatchOperationRequest.OperationOneofCase.ResetOperation
            ? r.VisibilityQuery
            : $"({r.VisibilityQuery}) AND (ExecutionStatus='Running' OR ExecutionStatus='Paused')";

    /// <summary>The executions the request lists (deprecated executions or target executions), as workflow executions.</summary>
    public static IReadOnlyList<WorkflowExecution> ListedExecutions(StartBatchOperationRequest r) =>
        r.Executions.Count > 0
            ? r.Executions
            : r.TargetExecutions.Select(e => new WorkflowExecution { WorkflowId = e.BusinessId, RunId = e.RunId }).ToList();

    private static void RequireActivityFilter(string? type, bool matchAll)
    {
        if (type is not null ? type.Length == 0 : !matchAll)
        {
            throw Errors.InvalidArgument("Either activity type must be set, or match all should be set to true");
        }
    }

    // As Go's %T prints the oneof wrapper, e.g. *workflowservice.StartBatchOperationRequest_SignalOperation.
    private static string OperationName(StartBatchOperationRequest r) => $"*workflowservice.StartBatchOperationRequest_{r.OperationCase}";
}
