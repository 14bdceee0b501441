using Grpc.Core;
using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The activity operator commands by activity ID (PauseActivityExecution, UnpauseActivityExecution,
/// ResetActivityExecution, UpdateActivityExecutionOptions), as Temporal's activity frontend takes them: the same checks
/// for both kinds, then with a workflow ID the workflow activity's commands (PauseActivity and the rest), without one
/// the standalone activity's (WorkflowEngine.StandaloneActivityOperatorCommands.cs), which Temporal keeps off unless
/// history.enableStandaloneActivityOperatorCommands is set.
/// </summary>
internal sealed partial class WorkflowEngine
{
    public void PauseActivityExecution(PauseActivityExecutionRequest request)
    {
        var standalone = IsStandaloneCommand(request.WorkflowId);
        request.RequestId = RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        if (System.Text.Encoding.UTF8.GetByteCount(request.Reason) > limits.BlobSizeError)
        {
            throw Errors.InvalidArgument("reason exceeds length limit");
        }

        if (standalone)
        {
            PauseStandaloneActivity(request);
            return;
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
        var standalone = IsStandaloneCommand(request.WorkflowId);
        request.RequestId = RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        Valid(request.Jitter, "jitter");
        if (standalone)
        {
            UnpauseStandaloneActivity(request);
            return;
        }

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
        var standalone = IsStandaloneCommand(request.WorkflowId);
        request.RequestId = RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        Valid(request.Jitter, "jitter");
        if (standalone)
        {
            ResetStandaloneActivity(request);
            return;
        }

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
        var standalone = IsStandaloneCommand(request.WorkflowId);
        request.RequestId = RequireCommandRef(request.RequestId, request.ActivityId, request.Identity, request.RunId);
        ActivityOptionsUpdate.Validate(request);
        ActivityOptions options = standalone
            ? UpdateStandaloneActivityOptions(request)
            : UpdateActivityOptions(new UpdateActivityOptionsRequest
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
    private bool IsStandaloneCommand(string workflowId)
    {
        if (!string.IsNullOrEmpty(workflowId))
        {
            return false;
        }

        return standaloneActivityOperatorCommands
            ? true
            : throw new RpcException(new Status(StatusCode.Unimplemented, "Standalone activity operator commands are disabled"));
    }

    /// <summary>The checks every one of these commands makes, in Temporal's order; the request ID, a fresh one when empty.</summary>
    private static string RequireCommandRef(string requestId, string activityId, string identity, string runId)
    {
        var id = RequireRequestId(requestId);
        RequireRef(activityId, identity, runId);
        return id;
    }
}
