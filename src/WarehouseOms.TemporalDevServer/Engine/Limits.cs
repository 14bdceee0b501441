using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Temporal's payload and history limits (<see cref="TemporalDevServerLimits"/>), with its messages.</summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>A request's payload past limit.blobSize.error: INVALID_ARGUMENT "Blob data size exceeds limit." as in Temporal.</summary>
    private void CheckBlobSize(IMessage? payload, string operation)
    {
        if (PastLimit(payload?.CalculateSize() ?? 0, limits.BlobSizeWarn, limits.BlobSizeError, operation))
        {
            throw Errors.InvalidArgument("Blob data size exceeds limit.");
        }
    }

    /// <summary>A start's memo past limit.memoSize.error: INVALID_ARGUMENT "Memo size exceeds limit." as in Temporal's ValidateStart.</summary>
    private void CheckMemoSize(Memo? memo, string operation)
    {
        if (PastLimit(memo?.CalculateSize() ?? 0, limits.MemoSizeWarn, limits.MemoSizeError, operation))
        {
            throw Errors.InvalidArgument("Memo size exceeds limit.");
        }
    }

    /// <summary>
    /// Temporal's CheckEventBlobSizeLimit: past the warn limit it logs, and only a size past the warn limit is
    /// compared with the error limit (a warn limit above the error limit lets sizes between them through).
    /// </summary>
    private bool PastLimit(int size, int warn, int error, string operation)
    {
        if (size <= warn)
        {
            return false;
        }

        logger?.LogWarning("Blob data size {Size} exceeds the warning limit {Limit} ({Operation})", size, warn, operation);
        return size > error;
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
