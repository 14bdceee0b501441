using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>The status codes (and details) the SDK expects for each kind of rejection.</summary>
internal static class Errors
{
    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException DeadlineExceeded(string message) => new(new Status(StatusCode.DeadlineExceeded, message));

    public static RpcException AlreadyCompleted() => NotFound("workflow execution already completed");

    /// <summary>ALREADY_EXISTS with exactly one WorkflowExecutionAlreadyStartedFailure detail (the .NET client checks).</summary>
    public static RpcException AlreadyStarted(string workflowId, string runId, string startRequestId)
    {
        var message = $"Workflow execution is already running. WorkflowId: {workflowId}, RunId: {runId}.";
        return WithDetail(StatusCode.AlreadyExists, message, new WorkflowExecutionAlreadyStartedFailure { RunId = runId, StartRequestId = startRequestId });
    }

    public static RpcException QueryFailed(string message, Temporalio.Api.Failure.V1.Failure? failure) =>
        WithDetail(StatusCode.InvalidArgument, message, new QueryFailedFailure { Failure = failure ?? new Temporalio.Api.Failure.V1.Failure { Message = message } });

    private static RpcException WithDetail(StatusCode code, string message, IMessage detail)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(detail));
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Status(code, message), trailers);
    }
}
