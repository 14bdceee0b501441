using Microsoft.Extensions.Logging;
using Temporalio.Client;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Temporal;

public enum ReplenishmentSignalOutcome
{
    /// <summary>A running replenishment of the SKU received the signal.</summary>
    Delivered,

    /// <summary>No replenishment of the SKU is running (never started, or already finished): nothing to tell.</summary>
    NoReplenishment,
}

/// <summary>The replenishment workflow as the service talks to it (a fake in consumer tests).</summary>
public interface IReplenishmentWorkflows
{
    /// <summary>
    /// Tells a running <c>replenishment-{sku}</c> that stock arrived. Plain signal, never signal-with-start:
    /// a receipt without a pending replenishment must not start one. "Not found" is a normal answer.
    /// </summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<ReplenishmentSignalOutcome> SignalStockReceivedAsync(StockReceivedSignal signal, CancellationToken cancellationToken);
}

/// <summary><see cref="IReplenishmentWorkflows"/> over <see cref="ITemporalClient"/>.</summary>
public sealed partial class TemporalReplenishmentWorkflows(ITemporalClient client, ILogger<TemporalReplenishmentWorkflows> logger) : IReplenishmentWorkflows
{
    public async Task<ReplenishmentSignalOutcome> SignalStockReceivedAsync(StockReceivedSignal signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var handle = client.GetWorkflowHandle<ReplenishmentWorkflow>(WorkflowIds.Replenishment(signal.Sku));
        try
        {
            await handle.SignalAsync(
                    wf => wf.StockReceivedAsync(signal),
                    new WorkflowSignalOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } })
                .ConfigureAwait(false);
            LogDelivered(logger, signal.ReceiptId, handle.Id, signal.MessageId);
            return ReplenishmentSignalOutcome.Delivered;
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.NotFound)
        {
            // Never started or already completed: both mean no one is waiting for this stock.
            LogNoReplenishment(logger, signal.ReceiptId, handle.Id, signal.MessageId);
            return ReplenishmentSignalOutcome.NoReplenishment;
        }
        catch (Exception ex) when (TemporalErrors.IsUnavailable(ex, client.Connection))
        {
            throw new TemporalUnavailableException($"Temporal unavailable signalling {handle.Id}: {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stock receipt {ReceiptId} delivered to {WorkflowId} (message {MessageId})")]
    private static partial void LogDelivered(ILogger logger, string receiptId, string workflowId, string messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stock receipt {ReceiptId}: no running {WorkflowId} (message {MessageId})")]
    private static partial void LogNoReplenishment(ILogger logger, string receiptId, string workflowId, string messageId);
}
