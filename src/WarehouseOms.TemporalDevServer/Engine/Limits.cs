using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Temporal's payload and history limits (<see cref="TemporalDevServerLimits"/>), with its messages.</summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>A request's payload past limit.blobSize.error: INVALID_ARGUMENT "Blob data size exceeds limit." as in Temporal.</summary>
    private void CheckBlobSize(IMessage? payload, string operation)
    {
        var size = payload?.CalculateSize() ?? 0;
        if (size > limits.BlobSizeWarn)
        {
            logger?.LogWarning("Blob data size {Size} exceeds the warning limit {Limit} ({Operation})", size, limits.BlobSizeWarn, operation);
        }

        if (size > limits.BlobSizeError)
        {
            throw Errors.InvalidArgument("Blob data size exceeds limit.");
        }
    }

    /// <summary>
    /// A run whose history passed limit.historyCount.error or limit.historySize.error is terminated, as
    /// Temporal does, so that a workflow can never grow its history without bound. Under the lock.
    /// </summary>
    private void EnforceHistoryLimits(Execution execution)
    {
        if (!execution.IsOpen)
        {
            return;
        }

        var count = execution.History.Count;
        var size = execution.HistorySizeBytes;
        if (count > limits.HistoryCountError)
        {
            Terminate(execution, "Workflow history count exceeds limit.", null, HistoryServiceIdentity);
        }
        else if (size > limits.HistorySizeError)
        {
            Terminate(execution, "Workflow history size exceeds limit.", null, HistoryServiceIdentity);
        }
        else if ((count > limits.HistoryCountWarn || size > limits.HistorySizeWarn) && !execution.HistoryWarned)
        {
            execution.HistoryWarned = true;
            logger?.LogWarning("History of workflow {WorkflowId} run {RunId} exceeds the warning limit: {Count} events, {Size} bytes",
                LogText(execution.WorkflowId), execution.RunId, count, size);
        }
    }

    // Workflow IDs come from clients: no control characters in the log.
    private static string LogText(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? '?' : c));
}
