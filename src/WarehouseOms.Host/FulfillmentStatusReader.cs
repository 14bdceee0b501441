using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Host;

/// <summary>The fulfillment workflow's live view of an order, or why there is none.</summary>
public sealed record LiveFulfillmentStatus(FulfillmentSnapshot? Snapshot, string? UnavailableReason)
{
    public static LiveFulfillmentStatus Unavailable(string reason) => new(null, reason);
}

/// <summary>
/// Asks <c>order-fulfillment-{orderId}</c> for its <see cref="QueryNames.Snapshot"/>. Never throws for
/// Temporal's sake: the order's read model answers on its own, the live status is a bonus.
/// </summary>
public sealed partial class FulfillmentStatusReader(ITemporalClient client, ILogger<FulfillmentStatusReader> logger)
{
    /// <summary>Short: an HTTP caller should not wait for a Temporal outage to time out.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    public async Task<LiveFulfillmentStatus> ReadAsync(string orderId, CancellationToken cancellationToken)
    {
        var handle = client.GetWorkflowHandle(WorkflowIds.OrderFulfillment(orderId));
        try
        {
            var snapshot = await handle.QueryAsync<FulfillmentSnapshot>(
                QueryNames.Snapshot,
                [],
                new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken, Timeout = QueryTimeout } }).ConfigureAwait(false);
            return new LiveFulfillmentStatus(snapshot, null);
        }
        catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
        {
            return LiveFulfillmentStatus.Unavailable($"workflow {handle.Id} not found: fulfillment has not started, or its history is past retention");
        }
        catch (WorkflowQueryRejectedException ex)
        {
            return LiveFulfillmentStatus.Unavailable($"workflow {handle.Id} rejected the query (status {ex.WorkflowStatus})");
        }
        catch (WorkflowQueryFailedException ex)
        {
            LogQueryFailed(logger, ex, orderId, handle.Id);
            return LiveFulfillmentStatus.Unavailable($"workflow {handle.Id} could not answer the query: {ex.Message}");
        }
        catch (Exception ex) when (TemporalWorkflowGateway.IsTransient(ex) || ex is RpcException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnavailable(logger, orderId, handle.Id, ex.Message);
            return LiveFulfillmentStatus.Unavailable($"Temporal unavailable: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: query of {WorkflowId} failed")]
    private static partial void LogQueryFailed(ILogger logger, Exception exception, string orderId, string workflowId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: Temporal unavailable for {WorkflowId}: {Error}; answering from the read model only")]
    private static partial void LogUnavailable(ILogger logger, string orderId, string workflowId, string error);
}
