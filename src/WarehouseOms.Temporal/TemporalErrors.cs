using Temporalio.Client;
using Temporalio.Exceptions;

namespace WarehouseOms.Temporal;

/// <summary>What a failed call to Temporal means for the caller.</summary>
public enum TemporalFault
{
    /// <summary>Not a Temporal answer at all (a bug, an argument error): let it surface.</summary>
    Other,

    /// <summary>Temporal did not answer (network, server down, deadline, overloaded): try again later.</summary>
    Unavailable,

    /// <summary>No such workflow (or no such run), or for a signal: the workflow is no longer running.</summary>
    NotFound,

    /// <summary>A start refused because the ID is taken (RejectDuplicate, or running with FailOnConflict).</summary>
    AlreadyStarted,

    /// <summary>The workflow refused to answer a query in its current state (query reject condition).</summary>
    QueryRejected,

    /// <summary>The worker answered the query with an error (unknown query, a bug in the handler).</summary>
    QueryFailed,
}

/// <summary>
/// The one classification of the SDK's errors, by exception type and gRPC status code, never by message
/// text: consumers, the HTTP API and the CLI decide on its answer.
/// </summary>
public static class TemporalErrors
{
    /// <summary>Classifies <paramref name="exception"/>.</summary>
    /// <param name="connection">
    /// The connection the call went through. A lazy connection that has not connected yet reports its failed
    /// connect as an <see cref="InvalidOperationException"/> of the core bridge; with the connection at hand,
    /// that is recognised by the connection's state instead of the text.
    /// </param>
    public static TemporalFault Classify(Exception exception, ITemporalConnection? connection = null) => exception switch
    {
        WorkflowAlreadyStartedException => TemporalFault.AlreadyStarted,
        WorkflowQueryRejectedException => TemporalFault.QueryRejected,
        WorkflowQueryFailedException => TemporalFault.QueryFailed,
        RpcException rpc => Classify(rpc.Code),
        RpcTimeoutOrCanceledException => TemporalFault.Unavailable,
        InvalidOperationException when connection is { IsConnected: false } => TemporalFault.Unavailable,
        HttpRequestException or System.Net.Sockets.SocketException or TimeoutException => TemporalFault.Unavailable,
        _ => TemporalFault.Other,
    };

    /// <summary>The meaning of a gRPC status code from the frontend.</summary>
    public static TemporalFault Classify(RpcException.StatusCode code) => code switch
    {
        RpcException.StatusCode.NotFound => TemporalFault.NotFound,
        RpcException.StatusCode.AlreadyExists => TemporalFault.AlreadyStarted,
        RpcException.StatusCode.Unavailable
            or RpcException.StatusCode.DeadlineExceeded
            or RpcException.StatusCode.ResourceExhausted
            or RpcException.StatusCode.Aborted
            or RpcException.StatusCode.Unknown
            or RpcException.StatusCode.Internal => TemporalFault.Unavailable,
        _ => TemporalFault.Other,
    };

    /// <summary>True when the failure says "try again later" rather than "this request is wrong".</summary>
    public static bool IsUnavailable(Exception exception, ITemporalConnection? connection = null) =>
        Classify(exception, connection) == TemporalFault.Unavailable;
}
