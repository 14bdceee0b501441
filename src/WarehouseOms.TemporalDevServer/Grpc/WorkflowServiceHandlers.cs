using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>temporal.api.workflowservice.v1.WorkflowService: thin translation onto the engine.</summary>
internal sealed partial class WorkflowServiceHandlers(WorkflowEngine engine)
{
    public Task<GetSystemInfoResponse> GetSystemInfo(GetSystemInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetSystemInfoResponse
        {
            ServerVersion = Cluster.ServerVersion,
            Capabilities = new GetSystemInfoResponse.Types.Capabilities
            {
                SdkMetadata = true,
                SignalAndQueryHeader = true,
                InternalErrorDifferentiation = true,
                EncodedFailureAttributes = true,
                ActivityFailureIncludeHeartbeat = true,
                UpsertMemo = true,
                EagerWorkflowStart = true,
                // Temporal says so: without it the SDK sends a worker's build ID as the binary checksum instead of
                // the version stamp, and replay, which reads the stamp, loses Workflow.CurrentBuildId.
                BuildIdBasedVersioning = true,
                SupportsSchedules = true,
                CountGroupByExecutionStatus = true,
                Nexus = true,
            },
        });

    public Task<DescribeNamespaceResponse> DescribeNamespace(DescribeNamespaceRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeNamespace(request));

    public Task<ShutdownWorkerResponse> ShutdownWorker(ShutdownWorkerRequest request, ServerCallContext context)
    {
        engine.ShutdownWorker(request);
        if (request.WorkerHeartbeat is { } last)
        {
            // The worker's final heartbeat (SHUTTING_DOWN, as the SDK sends it: it stays listed until its TTL).
            engine.RecordWorkerHeartbeat(request.Namespace, [last]);
        }

        return Task.FromResult(new ShutdownWorkerResponse());
    }

    public Task<ResetStickyTaskQueueResponse> ResetStickyTaskQueue(ResetStickyTaskQueueRequest request, ServerCallContext context)
    {
        engine.ResetStickyTaskQueue(request);
        return Task.FromResult(new ResetStickyTaskQueueResponse());
    }

    public Task<UpdateWorkflowExecutionResponse> UpdateWorkflowExecution(UpdateWorkflowExecutionRequest request, ServerCallContext context) =>
        engine.UpdateAsync(request, Deadline(context), context.CancellationToken);

    public Task<PollWorkflowExecutionUpdateResponse> PollWorkflowExecutionUpdate(PollWorkflowExecutionUpdateRequest request, ServerCallContext context) =>
        engine.PollUpdateAsync(request, Deadline(context), context.CancellationToken);

    public Task<ExecuteMultiOperationResponse> ExecuteMultiOperation(ExecuteMultiOperationRequest request, ServerCallContext context) =>
        engine.ExecuteMultiOperationAsync(request, Deadline(context), context.CancellationToken);

    public Task<RecordWorkerHeartbeatResponse> RecordWorkerHeartbeat(RecordWorkerHeartbeatRequest request, ServerCallContext context)
    {
        engine.RecordWorkerHeartbeat(request.Namespace, request.WorkerHeartbeat);
        return Task.FromResult(new RecordWorkerHeartbeatResponse());
    }

    public Task<PollNexusTaskQueueResponse> PollNexusTaskQueue(PollNexusTaskQueueRequest request, ServerCallContext context) =>
        engine.PollNexusTasksAsync(request, Deadline(context), context.CancellationToken);

    public Task<RespondNexusTaskCompletedResponse> RespondNexusTaskCompleted(RespondNexusTaskCompletedRequest request, ServerCallContext context)
    {
        engine.CompleteNexusTask(request);
        return Task.FromResult(new RespondNexusTaskCompletedResponse());
    }

    public Task<RespondNexusTaskFailedResponse> RespondNexusTaskFailed(RespondNexusTaskFailedRequest request, ServerCallContext context)
    {
        engine.FailNexusTask(request);
        return Task.FromResult(new RespondNexusTaskFailedResponse());
    }

    public Task<StartWorkflowExecutionResponse> StartWorkflowExecution(StartWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.StartWorkflow(request));

    public Task<SignalWithStartWorkflowExecutionResponse> SignalWithStartWorkflowExecution(SignalWithStartWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.SignalWithStart(request));

    public Task<SignalWorkflowExecutionResponse> SignalWorkflowExecution(SignalWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Signal(request));

    public Task<RequestCancelWorkflowExecutionResponse> RequestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest request, ServerCallContext context)
    {
        engine.RequestCancel(request);
        return Task.FromResult(new RequestCancelWorkflowExecutionResponse());
    }

    public Task<TerminateWorkflowExecutionResponse> TerminateWorkflowExecution(TerminateWorkflowExecutionRequest request, ServerCallContext context)
    {
        engine.Terminate(request);
        return Task.FromResult(new TerminateWorkflowExecutionResponse());
    }

    public Task<GetWorkflowExecutionHistoryResponse> GetWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest request, ServerCallContext context) =>
        engine.GetHistoryAsync(request, Deadline(context), context.CancellationToken);

    public Task<DescribeWorkflowExecutionResponse> DescribeWorkflowExecution(DescribeWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Describe(request));

    public Task<QueryWorkflowResponse> QueryWorkflow(QueryWorkflowRequest request, ServerCallContext context) =>
        engine.QueryAsync(request, context.CancellationToken);

    public Task<ListWorkflowExecutionsResponse> ListWorkflowExecutions(ListWorkflowExecutionsRequest request, ServerCallContext context) =>
        engine.ListAsync(request, context.CancellationToken);

    public Task<CountWorkflowExecutionsResponse> CountWorkflowExecutions(CountWorkflowExecutionsRequest request, ServerCallContext context) =>
        engine.CountAsync(request, context.CancellationToken);

    public Task<ListOpenWorkflowExecutionsResponse> ListOpenWorkflowExecutions(ListOpenWorkflowExecutionsRequest request, ServerCallContext context) =>
        engine.ListOpenAsync(request, context.CancellationToken);

    public Task<ListClosedWorkflowExecutionsResponse> ListClosedWorkflowExecutions(ListClosedWorkflowExecutionsRequest request, ServerCallContext context) =>
        engine.ListClosedAsync(request, context.CancellationToken);

    public Task<ScanWorkflowExecutionsResponse> ScanWorkflowExecutions(ScanWorkflowExecutionsRequest request, ServerCallContext context) =>
        engine.ScanAsync(request, context.CancellationToken);

    public Task<GetSearchAttributesResponse> GetSearchAttributes(GetSearchAttributesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.GetSearchAttributes());

    // As Temporal without an archival store.
    public Task<ListArchivedWorkflowExecutionsResponse> ListArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.InvalidArgument, "Cluster is not configured for visibility archival."));

    public Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskQueue(PollWorkflowTaskQueueRequest request, ServerCallContext context) =>
        engine.PollWorkflowTasksAsync(request, Deadline(context), context.CancellationToken);

    public Task<RespondWorkflowTaskCompletedResponse> RespondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CompleteWorkflowTask(request));

    public Task<RespondWorkflowTaskFailedResponse> RespondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest request, ServerCallContext context)
    {
        engine.FailWorkflowTask(request);
        return Task.FromResult(new RespondWorkflowTaskFailedResponse());
    }

    public Task<PollActivityTaskQueueResponse> PollActivityTaskQueue(PollActivityTaskQueueRequest request, ServerCallContext context) =>
        engine.PollActivityTasksAsync(request, Deadline(context), context.CancellationToken);

    public Task<RecordActivityTaskHeartbeatResponse> RecordActivityTaskHeartbeat(RecordActivityTaskHeartbeatRequest request, ServerCallContext context)
    {
        var answer = engine.Heartbeat(request.TaskToken, request.Details, request.Identity);
        return Task.FromResult(new RecordActivityTaskHeartbeatResponse { CancelRequested = answer.CancelRequested, ActivityPaused = answer.Paused, ActivityReset = answer.Reset });
    }

    public Task<RecordActivityTaskHeartbeatByIdResponse> RecordActivityTaskHeartbeatById(RecordActivityTaskHeartbeatByIdRequest request, ServerCallContext context)
    {
        var answer = engine.HeartbeatById(request);
        return Task.FromResult(new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = answer.CancelRequested, ActivityPaused = answer.Paused, ActivityReset = answer.Reset });
    }

    public Task<RespondActivityTaskCompletedResponse> RespondActivityTaskCompleted(RespondActivityTaskCompletedRequest request, ServerCallContext context)
    {
        engine.CompleteActivity(request.TaskToken, request.Result, request.Identity);
        return Task.FromResult(new RespondActivityTaskCompletedResponse());
    }

    public Task<RespondActivityTaskCompletedByIdResponse> RespondActivityTaskCompletedById(RespondActivityTaskCompletedByIdRequest request, ServerCallContext context)
    {
        engine.CompleteActivityById(request);
        return Task.FromResult(new RespondActivityTaskCompletedByIdResponse());
    }

    public Task<RespondActivityTaskFailedResponse> RespondActivityTaskFailed(RespondActivityTaskFailedRequest request, ServerCallContext context)
    {
        var replaced = engine.FailActivity(request.TaskToken, request.Failure, request.LastHeartbeatDetails, request.Identity);
        return Task.FromResult(new RespondActivityTaskFailedResponse { Failures = { replaced } });
    }

    public Task<RespondActivityTaskFailedByIdResponse> RespondActivityTaskFailedById(RespondActivityTaskFailedByIdRequest request, ServerCallContext context)
    {
        var replaced = engine.FailActivityById(request);
        return Task.FromResult(new RespondActivityTaskFailedByIdResponse { Failures = { replaced } });
    }

    public Task<RespondActivityTaskCanceledResponse> RespondActivityTaskCanceled(RespondActivityTaskCanceledRequest request, ServerCallContext context)
    {
        engine.CancelActivity(request.TaskToken, request.Details, request.Identity);
        return Task.FromResult(new RespondActivityTaskCanceledResponse());
    }

    public Task<RespondQueryTaskCompletedResponse> RespondQueryTaskCompleted(RespondQueryTaskCompletedRequest request, ServerCallContext context)
    {
        engine.CompleteQueryTask(request);
        return Task.FromResult(new RespondQueryTaskCompletedResponse());
    }

    private static DateTime? Deadline(ServerCallContext context) =>
        context.Deadline == DateTime.MaxValue ? null : context.Deadline.ToUniversalTime();
}

/// <summary>Registers each implemented RPC by name; the rest answer UNIMPLEMENTED.</summary>
internal sealed class WorkflowServiceMethods(WorkflowEngine engine) : IServiceMethodProvider<WorkflowServiceHandlers>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<WorkflowServiceHandlers> context)
    {
        var b = new ServiceBinder<WorkflowServiceHandlers>(context, ServiceNames.WorkflowService, engine.DurableAsync, engine.PrepareAsync);
        b.Unary<GetSystemInfoRequest, GetSystemInfoResponse>(nameof(WorkflowServiceHandlers.GetSystemInfo), (s, r, c) => s.GetSystemInfo(r, c));
        b.Unary<DescribeNamespaceRequest, DescribeNamespaceResponse>(nameof(WorkflowServiceHandlers.DescribeNamespace), (s, r, c) => s.DescribeNamespace(r, c));
        b.Unary<ShutdownWorkerRequest, ShutdownWorkerResponse>(nameof(WorkflowServiceHandlers.ShutdownWorker), (s, r, c) => s.ShutdownWorker(r, c));
        b.Unary<RecordWorkerHeartbeatRequest, RecordWorkerHeartbeatResponse>(nameof(WorkflowServiceHandlers.RecordWorkerHeartbeat), (s, r, c) => s.RecordWorkerHeartbeat(r, c));
        b.Poll<PollNexusTaskQueueRequest, PollNexusTaskQueueResponse>(nameof(WorkflowServiceHandlers.PollNexusTaskQueue), (s, r, c) => s.PollNexusTaskQueue(r, c));
        b.Unary<RespondNexusTaskCompletedRequest, RespondNexusTaskCompletedResponse>(nameof(WorkflowServiceHandlers.RespondNexusTaskCompleted), (s, r, c) => s.RespondNexusTaskCompleted(r, c));
        b.Unary<RespondNexusTaskFailedRequest, RespondNexusTaskFailedResponse>(nameof(WorkflowServiceHandlers.RespondNexusTaskFailed), (s, r, c) => s.RespondNexusTaskFailed(r, c));
        b.Unary<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.StartWorkflowExecution), (s, r, c) => s.StartWorkflowExecution(r, c));
        b.Unary<SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.SignalWithStartWorkflowExecution), (s, r, c) => s.SignalWithStartWorkflowExecution(r, c));
        b.Unary<SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.SignalWorkflowExecution), (s, r, c) => s.SignalWorkflowExecution(r, c));
        b.Unary<RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.RequestCancelWorkflowExecution), (s, r, c) => s.RequestCancelWorkflowExecution(r, c));
        b.Unary<TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.TerminateWorkflowExecution), (s, r, c) => s.TerminateWorkflowExecution(r, c));
        b.Unary<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>(nameof(WorkflowServiceHandlers.GetWorkflowExecutionHistory), (s, r, c) => s.GetWorkflowExecutionHistory(r, c));
        b.Unary<DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.DescribeWorkflowExecution), (s, r, c) => s.DescribeWorkflowExecution(r, c));
        b.Unary<QueryWorkflowRequest, QueryWorkflowResponse>(nameof(WorkflowServiceHandlers.QueryWorkflow), (s, r, c) => s.QueryWorkflow(r, c));
        b.Unary<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>(nameof(WorkflowServiceHandlers.ListWorkflowExecutions), (s, r, c) => s.ListWorkflowExecutions(r, c));
        b.Unary<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>(nameof(WorkflowServiceHandlers.CountWorkflowExecutions), (s, r, c) => s.CountWorkflowExecutions(r, c));
        b.Unary<ListOpenWorkflowExecutionsRequest, ListOpenWorkflowExecutionsResponse>(nameof(WorkflowServiceHandlers.ListOpenWorkflowExecutions), (s, r, c) => s.ListOpenWorkflowExecutions(r, c));
        b.Unary<ListClosedWorkflowExecutionsRequest, ListClosedWorkflowExecutionsResponse>(nameof(WorkflowServiceHandlers.ListClosedWorkflowExecutions), (s, r, c) => s.ListClosedWorkflowExecutions(r, c));
        b.Unary<ScanWorkflowExecutionsRequest, ScanWorkflowExecutionsResponse>(nameof(WorkflowServiceHandlers.ScanWorkflowExecutions), (s, r, c) => s.ScanWorkflowExecutions(r, c));
        b.Unary<GetSearchAttributesRequest, GetSearchAttributesResponse>(nameof(WorkflowServiceHandlers.GetSearchAttributes), (s, r, c) => s.GetSearchAttributes(r, c));
        b.Unary<ListArchivedWorkflowExecutionsRequest, ListArchivedWorkflowExecutionsResponse>(nameof(WorkflowServiceHandlers.ListArchivedWorkflowExecutions), (s, r, c) => s.ListArchivedWorkflowExecutions(r, c));
        b.Poll<PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse>(nameof(WorkflowServiceHandlers.PollWorkflowTaskQueue), (s, r, c) => s.PollWorkflowTaskQueue(r, c));
        b.Unary<RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse>(nameof(WorkflowServiceHandlers.RespondWorkflowTaskCompleted), (s, r, c) => s.RespondWorkflowTaskCompleted(r, c));
        b.Unary<RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse>(nameof(WorkflowServiceHandlers.RespondWorkflowTaskFailed), (s, r, c) => s.RespondWorkflowTaskFailed(r, c));
        b.Poll<PollActivityTaskQueueRequest, PollActivityTaskQueueResponse>(nameof(WorkflowServiceHandlers.PollActivityTaskQueue), (s, r, c) => s.PollActivityTaskQueue(r, c));
        b.Unary<RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatResponse>(nameof(WorkflowServiceHandlers.RecordActivityTaskHeartbeat), (s, r, c) => s.RecordActivityTaskHeartbeat(r, c));
        b.Unary<RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatByIdResponse>(nameof(WorkflowServiceHandlers.RecordActivityTaskHeartbeatById), (s, r, c) => s.RecordActivityTaskHeartbeatById(r, c));
        b.Unary<RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedResponse>(nameof(WorkflowServiceHandlers.RespondActivityTaskCompleted), (s, r, c) => s.RespondActivityTaskCompleted(r, c));
        b.Unary<RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedByIdResponse>(nameof(WorkflowServiceHandlers.RespondActivityTaskCompletedById), (s, r, c) => s.RespondActivityTaskCompletedById(r, c));
        b.Unary<RespondActivityTaskFailedRequest, RespondActivityTaskFailedResponse>(nameof(WorkflowServiceHandlers.RespondActivityTaskFailed), (s, r, c) => s.RespondActivityTaskFailed(r, c));
        b.Unary<RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedByIdResponse>(nameof(WorkflowServiceHandlers.RespondActivityTaskFailedById), (s, r, c) => s.RespondActivityTaskFailedById(r, c));
        b.Unary<RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledResponse>(nameof(WorkflowServiceHandlers.RespondActivityTaskCanceled), (s, r, c) => s.RespondActivityTaskCanceled(r, c));
        b.Unary<RespondQueryTaskCompletedRequest, RespondQueryTaskCompletedResponse>(nameof(WorkflowServiceHandlers.RespondQueryTaskCompleted), (s, r, c) => s.RespondQueryTaskCompleted(r, c));
        b.Unary<ResetStickyTaskQueueRequest, ResetStickyTaskQueueResponse>(nameof(WorkflowServiceHandlers.ResetStickyTaskQueue), (s, r, c) => s.ResetStickyTaskQueue(r, c));
        b.Unary<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>(nameof(WorkflowServiceHandlers.UpdateWorkflowExecution), (s, r, c) => s.UpdateWorkflowExecution(r, c));
        b.Unary<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>(nameof(WorkflowServiceHandlers.PollWorkflowExecutionUpdate), (s, r, c) => s.PollWorkflowExecutionUpdate(r, c));
        b.Unary<ExecuteMultiOperationRequest, ExecuteMultiOperationResponse>(nameof(WorkflowServiceHandlers.ExecuteMultiOperation), (s, r, c) => s.ExecuteMultiOperation(r, c));
        WorkflowServiceHandlers.BindOperations(b);
        WorkflowServiceHandlers.BindResetAndActivityOperations(b);
        WorkflowServiceHandlers.BindSchedules(b);
        WorkflowServiceHandlers.BindBatches(b);
        WorkflowServiceHandlers.BindStandaloneActivities(b);
        WorkflowServiceHandlers.BindStandaloneNexusOperations(b);
    }
}
