using Temporalio.Client;
using WarehouseOms.Workflows;

namespace WarehouseOms.Temporal;

/// <summary>What Temporal knows of an order's fulfillment workflow: its latest run's status (as list queries spell it), or null when none is known.</summary>
public sealed record FulfillmentRun(string WorkflowId, string? Status, DateTime? ClosedAt)
{
    public bool Running => Status == "Running";
}

/// <summary>Looks up the latest run of <c>order-fulfillment-{orderId}</c> by describe, for the reconciler (ADR 0030).</summary>
public sealed class FulfillmentRuns(ITemporalClient client)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; nothing can be said.</exception>
    public async Task<FulfillmentRun> DescribeAsync(string orderId, CancellationToken cancellationToken)
    {
        var workflowId = WorkflowIds.OrderFulfillment(orderId);
        try
        {
            var description = await client.GetWorkflowHandle(workflowId)
                .DescribeAsync(new WorkflowDescribeOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken, Timeout = Timeout } })
                .ConfigureAwait(false);
            return new FulfillmentRun(workflowId, Inspection.WorkflowBrowser.Status(description.Status), description.CloseTime);
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.NotFound)
        {
            return new FulfillmentRun(workflowId, null, null);
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.Unavailable || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new TemporalUnavailableException($"Temporal unavailable describing {workflowId}: {ex.Message}", ex);
        }
    }
}
