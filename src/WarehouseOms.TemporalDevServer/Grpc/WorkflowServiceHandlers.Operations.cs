using Grpc.Core;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>
/// Operator-facing RPCs: namespaces, history paging backwards, deletion, task queue pollers, activity cancel by ID,
/// a run's options (versioning override, priority) and the worker deployment (versioning) RPCs.
/// </summary>
internal sealed partial class WorkflowServiceHandlers
{
    public static void BindOperations(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<RegisterNamespaceRequest, RegisterNamespaceResponse>("RegisterNamespace", (s, r, c) =>
        {
            s.Engine.RegisterNamespace(r);
            return Task.FromResult(new RegisterNamespaceResponse());
        });
        b.Unary<DeprecateNamespaceRequest, DeprecateNamespaceResponse>("DeprecateNamespace", (s, r, c) =>
        {
            s.Engine.DeprecateNamespace(r);
            return Task.FromResult(new DeprecateNamespaceResponse());
        });
        b.Unary<ListNamespacesRequest, ListNamespacesResponse>("ListNamespaces", (s, r, c) => Task.FromResult(s.Engine.ListNamespaces(r)));
        b.Unary<UpdateNamespaceRequest, UpdateNamespaceResponse>("UpdateNamespace", (s, r, c) => Task.FromResult(s.Engine.UpdateNamespace(r)));
        b.Unary<GetWorkflowExecutionHistoryReverseRequest, GetWorkflowExecutionHistoryReverseResponse>("GetWorkflowExecutionHistoryReverse",
            (s, r, c) => Task.FromResult(s.GetHistoryReverse(r)));
        b.Unary<DeleteWorkflowExecutionRequest, DeleteWorkflowExecutionResponse>("DeleteWorkflowExecution", (s, r, c) => s.DeleteAsync(r, c));
        b.Unary<DescribeTaskQueueRequest, DescribeTaskQueueResponse>("DescribeTaskQueue", (s, r, c) => Task.FromResult(s.DescribeTaskQueue(r)));
        b.Unary<RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse>("RespondActivityTaskCanceledById",
            (s, r, c) => Task.FromResult(s.CancelActivityById(r)));

        b.Unary<UpdateWorkflowExecutionOptionsRequest, UpdateWorkflowExecutionOptionsResponse>("UpdateWorkflowExecutionOptions",
            (s, r, c) => Task.FromResult(s.Engine.UpdateWorkflowExecutionOptions(r)));

        // Worker deployments (Worker Versioning): created by versioned workers' polls or explicitly, see WorkerDeploymentRegistry.
        b.Unary<CreateWorkerDeploymentRequest, CreateWorkerDeploymentResponse>("CreateWorkerDeployment",
            (s, r, c) => Task.FromResult(s.Engine.CreateWorkerDeployment(r)));
        b.Unary<CreateWorkerDeploymentVersionRequest, CreateWorkerDeploymentVersionResponse>("CreateWorkerDeploymentVersion",
            (s, r, c) => Task.FromResult(s.Engine.CreateWorkerDeploymentVersion(r)));

        // Compute configs go to Temporal's worker controller, which launches workers on a cloud provider; none here.
        b.Unary<UpdateWorkerDeploymentVersionComputeConfigRequest, UpdateWorkerDeploymentVersionComputeConfigResponse>("UpdateWorkerDeploymentVersionComputeConfig",
            (s, r, c) => Unimplemented<UpdateWorkerDeploymentVersionComputeConfigResponse>(NoComputeConfigs));
        b.Unary<ValidateWorkerDeploymentVersionComputeConfigRequest, ValidateWorkerDeploymentVersionComputeConfigResponse>("ValidateWorkerDeploymentVersionComputeConfig",
            (s, r, c) => Unimplemented<ValidateWorkerDeploymentVersionComputeConfigResponse>(NoComputeConfigs));
        b.Unary<DescribeWorkerDeploymentRequest, DescribeWorkerDeploymentResponse>("DescribeWorkerDeployment",
            (s, r, c) => Task.FromResult(s.Engine.DescribeWorkerDeployment(r)));
        b.Unary<DescribeWorkerDeploymentVersionRequest, DescribeWorkerDeploymentVersionResponse>("DescribeWorkerDeploymentVersion",
            (s, r, c) => Task.FromResult(s.Engine.DescribeWorkerDeploymentVersion(r)));
        b.Unary<SetWorkerDeploymentCurrentVersionRequest, SetWorkerDeploymentCurrentVersionResponse>("SetWorkerDeploymentCurrentVersion",
            (s, r, c) => Task.FromResult(s.Engine.SetWorkerDeploymentCurrentVersion(r)));
        b.Unary<SetWorkerDeploymentRampingVersionRequest, SetWorkerDeploymentRampingVersionResponse>("SetWorkerDeploymentRampingVersion",
            (s, r, c) => Task.FromResult(s.Engine.SetWorkerDeploymentRampingVersion(r)));
        b.Unary<DeleteWorkerDeploymentRequest, DeleteWorkerDeploymentResponse>("DeleteWorkerDeployment",
            (s, r, c) => Task.FromResult(s.Engine.DeleteWorkerDeployment(r)));
        b.Unary<DeleteWorkerDeploymentVersionRequest, DeleteWorkerDeploymentVersionResponse>("DeleteWorkerDeploymentVersion",
            (s, r, c) => Task.FromResult(s.Engine.DeleteWorkerDeploymentVersion(r)));
        b.Unary<SetWorkerDeploymentManagerRequest, SetWorkerDeploymentManagerResponse>("SetWorkerDeploymentManager",
            (s, r, c) => Task.FromResult(s.Engine.SetWorkerDeploymentManager(r)));
        b.Unary<UpdateWorkerDeploymentVersionMetadataRequest, UpdateWorkerDeploymentVersionMetadataResponse>("UpdateWorkerDeploymentVersionMetadata",
            (s, r, c) => Task.FromResult(s.Engine.UpdateWorkerDeploymentVersionMetadata(r)));
        b.Unary<ListWorkerDeploymentsRequest, ListWorkerDeploymentsResponse>("ListWorkerDeployments",
            (s, r, c) => Task.FromResult(s.Engine.ListWorkerDeployments(r)));
        b.Unary<ListDeploymentsRequest, ListDeploymentsResponse>("ListDeployments", (s, r, c) => Task.FromResult(new ListDeploymentsResponse()));
        b.Unary<GetClusterInfoRequest, GetClusterInfoResponse>("GetClusterInfo", (s, r, c) => Task.FromResult(s.Engine.Cluster.Info()));
        b.Unary<UpdateTaskQueueConfigRequest, UpdateTaskQueueConfigResponse>("UpdateTaskQueueConfig", (s, r, c) => Task.FromResult(s.Engine.UpdateTaskQueueConfig(r)));
        b.Unary<ListWorkersRequest, ListWorkersResponse>("ListWorkers", (s, r, c) => Task.FromResult(s.Engine.ListWorkers(r)));
        b.Unary<DescribeWorkerRequest, DescribeWorkerResponse>("DescribeWorker", (s, r, c) => Task.FromResult(s.Engine.DescribeWorker(r)));
        b.Unary<CountWorkersRequest, CountWorkersResponse>("CountWorkers", (s, r, c) => Task.FromResult(s.Engine.CountWorkers(r)));
        b.Unary<ListTaskQueuePartitionsRequest, ListTaskQueuePartitionsResponse>("ListTaskQueuePartitions",
            (s, r, c) => Task.FromResult(s.Engine.ListTaskQueuePartitions(r, c.LocalAddress())));

        // Worker versioning v0.1 (build-ID compatibility sets) and v0.2 (versioning rules), both deprecated, answer as
        // Temporal's frontend does with its defaults (frontend.workerVersioningDataAPIs and workerVersioningRuleAPIs
        // false); GetWorkerTaskReachability checks the data flag and names v0.2 there too.
        b.Unary<GetWorkerBuildIdCompatibilityRequest, GetWorkerBuildIdCompatibilityResponse>("GetWorkerBuildIdCompatibility", (s, r, c) => VersioningDisabled<GetWorkerBuildIdCompatibilityResponse>(V1));
        b.Unary<UpdateWorkerBuildIdCompatibilityRequest, UpdateWorkerBuildIdCompatibilityResponse>("UpdateWorkerBuildIdCompatibility", (s, r, c) => VersioningDisabled<UpdateWorkerBuildIdCompatibilityResponse>(V1));
        b.Unary<GetWorkerVersioningRulesRequest, GetWorkerVersioningRulesResponse>("GetWorkerVersioningRules", (s, r, c) => VersioningDisabled<GetWorkerVersioningRulesResponse>(V2));
        b.Unary<UpdateWorkerVersioningRulesRequest, UpdateWorkerVersioningRulesResponse>("UpdateWorkerVersioningRules", (s, r, c) => VersioningDisabled<UpdateWorkerVersioningRulesResponse>(V2));
        b.Unary<GetWorkerTaskReachabilityRequest, GetWorkerTaskReachabilityResponse>("GetWorkerTaskReachability", (s, r, c) => VersioningDisabled<GetWorkerTaskReachabilityResponse>(V2));

        // Workflow rules (activity pause rules) answer as Temporal's frontend does with its default
        // frontend.workflowRulesAPIsEnabled=false; TriggerWorkflowRule is unimplemented there in any configuration.
        b.Unary<CreateWorkflowRuleRequest, CreateWorkflowRuleResponse>("CreateWorkflowRule", (s, r, c) => NotSupported<CreateWorkflowRuleResponse>("CreateWorkflowRule"));
        b.Unary<DescribeWorkflowRuleRequest, DescribeWorkflowRuleResponse>("DescribeWorkflowRule", (s, r, c) => NotSupported<DescribeWorkflowRuleResponse>("DescribeWorkflowRule"));
        b.Unary<DeleteWorkflowRuleRequest, DeleteWorkflowRuleResponse>("DeleteWorkflowRule", (s, r, c) => NotSupported<DeleteWorkflowRuleResponse>("DeleteWorkflowRule"));
        b.Unary<ListWorkflowRulesRequest, ListWorkflowRulesResponse>("ListWorkflowRules", (s, r, c) => NotSupported<ListWorkflowRulesResponse>("ListWorkflowRules"));
        b.Unary<TriggerWorkflowRuleRequest, TriggerWorkflowRuleResponse>("TriggerWorkflowRule", (s, r, c) => NotSupported<TriggerWorkflowRuleResponse>("TriggerWorkflowRule"));

        // Workflow pause (ADR 0056) behind frontend.WorkflowPauseEnabled, as Temporal's frontend checks it (pause only);
        // worker commands answer as Temporal's frontend does with its default frontend.WorkerCommandsEnabled=false.
        b.Unary<PauseWorkflowExecutionRequest, PauseWorkflowExecutionResponse>("PauseWorkflowExecution", (s, r, c) =>
        {
            s.Engine.PauseWorkflow(r);
            return Task.FromResult(new PauseWorkflowExecutionResponse());
        });
        b.Unary<UnpauseWorkflowExecutionRequest, UnpauseWorkflowExecutionResponse>("UnpauseWorkflowExecution", (s, r, c) =>
        {
            s.Engine.UnpauseWorkflow(r);
            return Task.FromResult(new UnpauseWorkflowExecutionResponse());
        });
        b.Unary<FetchWorkerConfigRequest, FetchWorkerConfigResponse>("FetchWorkerConfig",
            (s, r, c) => Unimplemented<FetchWorkerConfigResponse>("FetchWorkerConfig command is not enabled."));
        b.Unary<UpdateWorkerConfigRequest, UpdateWorkerConfigResponse>("UpdateWorkerConfig",
            (s, r, c) => Unimplemented<UpdateWorkerConfigResponse>("UpdateWorkerConfig command is not enabled."));
    }

    private const string NoComputeConfigs = WarehouseOms.TemporalDevServer.Engine.Deployments.WorkerDeploymentRegistry.NoComputeConfigs;

    private const string V1 = "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this namespace.";
    private const string V2 = "Worker versioning v0.2 (Rules-based, deprecated) is disabled on this namespace.";

    private static Task<T> VersioningDisabled<T>(string message) =>
        Task.FromException<T>(new RpcException(new Status(StatusCode.PermissionDenied, message)));

    private static Task<T> NotSupported<T>(string method) => Unimplemented<T>($"method {method} not supported");

    private static Task<T> Unimplemented<T>(string message) =>
        Task.FromException<T>(new RpcException(new Status(StatusCode.Unimplemented, message)));

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
}
