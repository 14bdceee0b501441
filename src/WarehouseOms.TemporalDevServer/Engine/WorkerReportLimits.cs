using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Failure.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Temporal's frontend checks on what a worker reports about its task. Nothing past limit.blobSize.error reaches the
/// history as sent: an activity's result, heartbeat or cancel details that large fail the activity instead (a
/// non-retryable server failure naming what was too large), and a failure that large is recorded as a server
/// failure whose cause is the original cut to limit.blobSize.warn. Without this a worker's oversize report was
/// kept whole here while Temporal refuses it, so an activity that completes here would fail in production.
/// </summary>
internal sealed partial class WorkflowEngine
{
    internal const string CompleteResultExceedsLimit = "Complete result exceeds size limit.";
    internal const string FailureExceedsLimit = "Failure exceeds size limit.";
    internal const string CancelDetailsExceedsLimit = "Cancel details exceed size limit.";
    internal const string HeartbeatExceedsLimit = "Heartbeat details exceed size limit.";

    /// <summary>The failure that replaces a report past the blob limit, or null when it is within it.</summary>
    private Failure? ReportPastLimit(IMessage? report, string reason, string operation) =>
        PastLimit(report?.CalculateSize() ?? 0, limits.BlobSizeWarn, limits.BlobSizeError, operation) ? ServerFailures.Of(reason, nonRetryable: true, fromServer: false) : null;

    /// <summary>The failure to record for a worker's failure: itself, or Temporal's replacement when past the blob limit.</summary>
    private Failure? BoundedFailure(Failure? failure, string operation)
    {
        if (ReportPastLimit(failure, FailureExceedsLimit, operation) is not { } replacement)
        {
            return failure;
        }

        replacement.Cause = FailureTruncation.Truncate(failure, limits.BlobSizeWarn);
        return replacement;
    }

    /// <summary>
    /// An activity failure as Temporal's RespondActivityTaskFailed(ById) takes it: heartbeat details past the limit are
    /// dropped and a failure past it replaced; each such replacement is also returned to the worker.
    /// </summary>
    private (Failure? Failure, Payloads? LastHeartbeat, List<Failure> Replaced) BoundedActivityFailure(Failure? failure, Payloads? lastHeartbeat, string operation)
    {
        var replaced = new List<Failure>();
        if (lastHeartbeat is not null && ReportPastLimit(lastHeartbeat, HeartbeatExceedsLimit, operation) is { } heartbeatFailure)
        {
            replaced.Add(heartbeatFailure);
            lastHeartbeat = null;
        }

        var bounded = BoundedFailure(failure, operation);
        if (bounded != failure && bounded is not null)
        {
            replaced.Add(bounded);
        }

        return (bounded, lastHeartbeat, replaced);
    }

    /// <summary>Temporal's frontend refuses an identity longer than limit.maxIDLength on the calls that report a task.</summary>
    private static void RequireIdentity(string? identity)
    {
        if (IdLength(identity) > MaxIdLength)
        {
            throw Errors.InvalidArgument("Identity length exceeds limit.");
        }
    }

    /// <summary>
    /// Temporal's checks on a failure a worker reports with RespondActivityTaskFailed: it must be an application
    /// failure (the worker's own), and every next_retry_delay in its chain a valid duration.
    /// </summary>
    private static void RequireActivityFailure(Failure? failure, bool requireApplicationInfo)
    {
        if (requireApplicationInfo && failure is not null && failure.ApplicationFailureInfo is null)
        {
            throw Errors.InvalidArgument("Failure must have ApplicationFailureInfo.");
        }

        for (var current = failure; current is not null; current = current.Cause)
        {
            if (current.ApplicationFailureInfo?.NextRetryDelay is { } delay && RetryPolicyRules.MalformedDuration(delay) is { } problem)
            {
                throw Errors.InvalidArgument($"NextRetryDelay is not a valid duration: {problem}");
            }
        }
    }
}
