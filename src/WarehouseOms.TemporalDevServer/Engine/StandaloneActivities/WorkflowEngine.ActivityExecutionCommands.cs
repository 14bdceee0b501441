using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The activity operator commands by activity ID (PauseActivityExecution, UnpauseActivityExecution,
/// ResetActivityExecution, UpdateActivityExecutionOptions), as Temporal's activity frontend takes them: with a workflow
/// ID they are the workflow activity's commands (PauseActivity and the rest); without one they would act on a standalone
/// activity, which Temporal keeps off by default (history.enableStandaloneActivityOperatorCommands) and this engine
/// does not build.
/// </summary>
internal sealed partial class WorkflowEngine
{
    public void PauseActivityExecution(PauseActivityExecutionRequest request)
    {
        RequireWorkflowActivityCommand(request.WorkflowId);
        request.RequestId = RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        if (System.Text.Encoding.UTF8.GetByteCount(request.Reason) > limits.BlobSizeError)
        {
            throw Errors.InvalidArgument("reason exceeds length limit");
        }

        PauseActivity(new PauseActivityRequest
        {
            Namespace = request.Namespace,
            Execution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = request.RunId },
            Id = request.ActivityId,
            Reason = request.Reason,
            Identity = request.Identity,
            RequestId = request.RequestId,
        });
    }

    public void UnpauseActivityExecution(UnpauseActivityExecutionRequest request)
    {
        RequireWorkflowActivityCommand(request.WorkflowId);
        RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        UnpauseActivity(new UnpauseActivityRequest
        {
            Namespace = request.Namespace,
            Execution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = request.RunId },
            Id = request.ActivityId,
            Jitter = request.Jitter,
            Identity = request.Identity,
        });
    }

    public void ResetActivityExecution(ResetActivityExecutionRequest request)
    {
        RequireWorkflowActivityCommand(request.WorkflowId);
        RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        ResetActivity(new ResetActivityRequest
        {
            Namespace = request.Namespace,
            Execution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = request.RunId },
            Id = request.ActivityId,
            ResetHeartbeat = request.ResetHeartbeat,
            RestoreOriginalOptions = request.RestoreOriginalOptions,
            KeepPaused = request.KeepPaused,
            Jitter = request.Jitter,
            Identity = request.Identity,
        });
    }

    public UpdateActivityExecutionOptionsResponse UpdateActivityExecutionOptions(UpdateActivityExecutionOptionsRequest request)
    {
        RequireWorkflowActivityCommand(request.WorkflowId);
        RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        if (request.UpdateMask?.Paths.Count > 0 && request.RestoreOriginal)
        {
            throw Errors.InvalidArgument("Both UpdateMask and RestoreOriginal are provided");
        }

        if (!request.RestoreOriginal)
        {
            if (request.ActivityOptions is null)
            {
                throw Errors.InvalidArgument("ActivityOptions are not provided");
            }

            if (request.UpdateMask is null)
            {
                throw Errors.InvalidArgument("UpdateMask is not provided");
            }

            if (request.UpdateMask.Paths.Count == 0)
            {
                throw Errors.InvalidArgument("UpdateMask must specify at least one path");
            }
        }

        var options = UpdateActivityOptions(new UpdateActivityOptionsRequest
        {
            Namespace = request.Namespace,
            Execution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = request.RunId },
            Id = request.ActivityId,
            ActivityOptions = request.ActivityOptions,
            UpdateMask = request.UpdateMask,
            RestoreOriginal = request.RestoreOriginal,
            Identity = request.Identity,
        });
        return new UpdateActivityExecutionOptionsResponse { ActivityOptions = options };
    }

    // Temporal's gate for an empty workflow ID: the standalone activity's operator commands, off by default.
    private static void RequireWorkflowActivityCommand(string workflowId)
    {
        if (string.IsNullOrEmpty(workflowId))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "Standalone activity operator commands are disabled"));
        }
    }

    /// <summary>The checks every one of these commands makes, in Temporal's order; the request ID, a fresh one when empty.</summary>
    private static string RequireCommandRef(string requestId, string activityId, string identity, string runId)
    {
        var id = string.IsNullOrEmpty(requestId) ? Guid.NewGuid().ToString() : requestId;
        if (id.Length > MaxIdLength)
        {
            throw Errors.InvalidArgument($"request ID exceeds length limit. Length={id.Length} Limit={MaxIdLength}");
        }

        RequireRef(activityId, runId: null);
        if (identity.Length > MaxIdLength)
        {
            throw Errors.InvalidArgument($"identity exceeds length limit. Length={identity.Length} Limit={MaxIdLength}");
        }

        RequireRef(activityId, runId);
        return id;
    }
}
