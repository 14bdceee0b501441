using Grpc.Core;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>
/// Operator-facing RPCs: history paging backwards, deletion, task queue pollers, activity cancel by ID,
/// and the worker deployment (versioning) RPCs, answered as Temporal answers them when no deployment exists.
/// </summary>
internal sealed partial class WorkflowServiceHandlers
{
    public static void BindOperations(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<GetWorkflowExecutionHistoryReverseRequest, GetWorkflowExecutionHistoryReverseResponse>("GetWorkflowExecutionHistoryReverse",
            (s, r, c) => Task.FromResult(s.GetHistoryReverse(r)));
        b.Unary<DeleteWorkflowExecutionRequest, DeleteWorkflowExecutionResponse>("DeleteWorkflowExecution", (s, r, c) => s.DeleteAsync(r, c));
        b.Unary<DescribeTaskQueueRequest, DescribeTaskQueueResponse>("DescribeTaskQueue", (s, r, c) => Task.FromResult(s.DescribeTaskQueue(r)));
        b.Unary<RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse>("RespondActivityTaskCanceledById",
            (s, r, c) => Task.FromResult(s.CancelActivityById(r)));

        // Worker deployments: none ever exists here (workers do not declare one), so lookups are NOT_FOUND
        // with Temporal's messages and listings are empty.
        b.Unary<DescribeWorkerDeploymentRequest, DescribeWorkerDeploymentResponse>("DescribeWorkerDeployment",
            (s, r, c) => throw DeploymentNotFound(r.DeploymentName));
        b.Unary<DescribeWorkerDeploymentVersionRequest, DescribeWorkerDeploymentVersionResponse>("DescribeWorkerDeploymentVersion",
            (s, r, c) => throw VersionNotFound(r.DeploymentVersion?.BuildId, r.DeploymentVersion?.DeploymentName));
        b.Unary<SetWorkerDeploymentCurrentVersionRequest, SetWorkerDeploymentCurrentVersionResponse>("SetWorkerDeploymentCurrentVersion",
            (s, r, c) => throw DeploymentNotFound(r.DeploymentName));
        b.Unary<SetWorkerDeploymentRampingVersionRequest, SetWorkerDeploymentRampingVersionResponse>("SetWorkerDeploymentRampingVersion",
            (s, r, c) => throw DeploymentNotFound(r.DeploymentName));
        b.Unary<DeleteWorkerDeploymentRequest, DeleteWorkerDeploymentResponse>("DeleteWorkerDeployment",
            (s, r, c) => throw DeploymentNotFound(r.DeploymentName));
        b.Unary<DeleteWorkerDeploymentVersionRequest, DeleteWorkerDeploymentVersionResponse>("DeleteWorkerDeploymentVersion",
            (s, r, c) => throw VersionNotFound(r.DeploymentVersion?.BuildId, r.DeploymentVersion?.DeploymentName));
        b.Unary<ListWorkerDeploymentsRequest, ListWorkerDeploymentsResponse>("ListWorkerDeployments",
            (s, r, c) => Task.FromResult(new ListWorkerDeploymentsResponse()));
        b.Unary<ListDeploymentsRequest, ListDeploymentsResponse>("ListDeployments", (s, r, c) => Task.FromResult(new ListDeploymentsResponse()));
        b.Unary<GetWorkerBuildIdCompatibilityRequest, GetWorkerBuildIdCompatibilityResponse>("GetWorkerBuildIdCompatibility",
            (s, r, c) => Task.FromResult(new GetWorkerBuildIdCompatibilityResponse()));
        b.Unary<GetWorkerVersioningRulesRequest, GetWorkerVersioningRulesResponse>("GetWorkerVersioningRules",
            (s, r, c) => Task.FromResult(new GetWorkerVersioningRulesResponse()));
        b.Unary<GetWorkerTaskReachabilityRequest, GetWorkerTaskReachabilityResponse>("GetWorkerTaskReachability",
            (s, r, c) => Task.FromResult(new GetWorkerTaskReachabilityResponse()));
    }

    private GetWorkflowExecutionHistoryReverseResponse GetHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request) =>
        engine.GetHistoryReverse(request);

    private async Task<DeleteWorkflowExecutionResponse> DeleteAsync(DeleteWorkflowExecutionRequest request, ServerCallContext context)
    {
        await engine.DeleteWorkflowAsync(request, context.CancellationToken).ConfigureAwait(false);
        return new DeleteWorkflowExecutionResponse();
    }

    private DescribeTaskQueueResponse DescribeTaskQueue(DescribeTaskQueueRequest request) => engine.DescribeTaskQueue(request);

    private RespondActivityTaskCanceledByIdResponse CancelActivityById(RespondActivityTaskCanceledByIdRequest request)
    {
        engine.CancelActivityById(request);
        return new RespondActivityTaskCanceledByIdResponse();
    }

    private static RpcException DeploymentNotFound(string? name) =>
        new(new Status(StatusCode.NotFound, $"no Worker Deployment found with name '{name}'; does your Worker Deployment have pollers?"));

    private static RpcException VersionNotFound(string? buildId, string? deployment) =>
        new(new Status(StatusCode.NotFound, $"build ID '{buildId}' not found in Worker Deployment '{deployment}'"));
}
