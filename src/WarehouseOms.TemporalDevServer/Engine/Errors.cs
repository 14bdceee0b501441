using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>The status codes (and details) the SDK expects for each kind of rejection.</summary>
internal static class Errors
{
    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException PermissionDenied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    /// <summary>RESOURCE_EXHAUSTED with its cause and scope (clients retry it).</summary>
    public static RpcException ResourceExhausted(string message, ResourceExhaustedCause cause, ResourceExhaustedScope scope) =>
        WithDetail(StatusCode.ResourceExhausted, message, new ResourceExhaustedFailure { Cause = cause, Scope = scope });

    /// <summary>Temporal's WorkflowNotReady: FAILED_PRECONDITION with its detail.</summary>
    public static RpcException WorkflowNotReady(string message) => WithDetail(StatusCode.FailedPrecondition, message, new WorkflowNotReadyFailure());

    public static RpcException DeadlineExceeded(string message) => new(new Status(StatusCode.DeadlineExceeded, message));

    public static RpcException AlreadyCompleted() => NotFound("workflow execution already completed");

    /// <summary>ALREADY_EXISTS with exactly one WorkflowExecutionAlreadyStartedFailure detail (the .NET client checks).</summary>
    public static RpcException AlreadyStarted(string workflowId, string runId, string startRequestId) =>
        AlreadyStartedWith($"Workflow execution is already running. WorkflowId: {workflowId}, RunId: {runId}.", runId, startRequestId);

    /// <summary>The same, with another of Temporal's messages (a reuse policy's refusal of a closed run's ID).</summary>
    public static RpcException AlreadyStartedWith(string message, string runId, string startRequestId) =>
        WithDetail(StatusCode.AlreadyExists, message, new WorkflowExecutionAlreadyStartedFailure { RunId = runId, StartRequestId = startRequestId });

    /// <summary>A standalone activity's ID in use: ALREADY_EXISTS with its ActivityExecutionAlreadyStartedFailure (the .NET client checks).</summary>
    public static RpcException ActivityAlreadyStarted(string runId, string startRequestId) =>
        WithDetail(StatusCode.AlreadyExists, "activity execution already started", new ActivityExecutionAlreadyStartedFailure { RunId = runId, StartRequestId = startRequestId });

    /// <summary>Temporal's NexusOperationExecutionAlreadyStarted: ALREADY_EXISTS naming the running run, with its detail.</summary>
    public static RpcException NexusOperationAlreadyStarted(string runId, string startRequestId) =>
        WithDetail(StatusCode.AlreadyExists, $"nexus operation execution already started: request_id={startRequestId}, run_id={runId}",
            new NexusOperationExecutionAlreadyStartedFailure { RunId = runId, StartRequestId = startRequestId });

    public static RpcException Unimplemented(string message) => new(new Status(StatusCode.Unimplemented, message));

    public static RpcException QueryFailed(string message, Temporalio.Api.Failure.V1.Failure? failure) =>
        WithDetail(StatusCode.InvalidArgument, message, new QueryFailedFailure { Failure = failure ?? new Temporalio.Api.Failure.V1.Failure { Message = message } });

    /// <summary>Temporal's NamespaceNotFound: NOT_FOUND with its detail.</summary>
    public static RpcException NamespaceNotFound(string ns) =>
        WithDetail(StatusCode.NotFound, $"Namespace {ns} is not found.", new NamespaceNotFoundFailure { Namespace = ns });

    /// <summary>Temporal's NamespaceInvalidState: FAILED_PRECONDITION with its detail (Go prints the states' short names).</summary>
    public static RpcException NamespaceInvalidState(string ns, NamespaceState state, IReadOnlyList<NamespaceState> allowed)
    {
        var detail = new NamespaceInvalidStateFailure { Namespace = ns, State = state };
        detail.AllowedStates.AddRange(allowed);
        return WithDetail(StatusCode.FailedPrecondition, $"Namespace has invalid state: {state}. Must be {string.Join(" or ", allowed)}.", detail);
    }

    /// <summary>Temporal's NamespaceAlreadyExists: ALREADY_EXISTS with its detail.</summary>
    public static RpcException NamespaceAlreadyExists(string message) =>
        WithDetail(StatusCode.AlreadyExists, message, new NamespaceAlreadyExistsFailure());

    private static RpcException WithDetail(StatusCode code, string message, IMessage detail)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(detail));
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Status(code, message), trailers);
    }
}
