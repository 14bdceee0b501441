using Temporalio.Api.Failure.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Failures the server itself makes, as Temporal's <c>failure.NewServerFailure(message, nonRetryable)</c>.</summary>
internal static class ServerFailures
{
    /// <summary>
    /// A server failure. <paramref name="fromServer"/> sets the source "Server", as Temporal's history service does on
    /// the failures it records for its own reasons (a workflow task it failed, an update no worker processed); the
    /// frontend's refusals of what a worker reported carry none.
    /// </summary>
    public static Failure Of(string message, bool nonRetryable, bool fromServer) => new()
    {
        Message = message,
        Source = fromServer ? "Server" : string.Empty,
        ServerFailureInfo = new ServerFailureInfo { NonRetryable = nonRetryable },
    };
}
