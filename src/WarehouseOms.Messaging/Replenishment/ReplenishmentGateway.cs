using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Temporalio.Client;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Replenishment;
using RpcException = Temporalio.Exceptions.RpcException;

namespace WarehouseOms.Messaging.Replenishment;

public enum ReplenishmentSignalOutcome
{
    /// <summary>A running replenishment of the SKU received the signal.</summary>
    Delivered,

    /// <summary>No replenishment of the SKU is running (never started, or already finished): nothing to tell.</summary>
    NoReplenishment,
}

/// <summary>Tells a running <c>replenishment-{sku}</c> that stock arrived.</summary>
public interface IReplenishmentGateway
{
    /// <summary>
    /// Signals StockReceived. Plain signal, never signal-with-start: a receipt without a pending
    /// replenishment must not start one. "Not found" is a normal answer.
    /// </summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<ReplenishmentSignalOutcome> SignalStockReceivedAsync(StockReceivedSignal signal, CancellationToken cancellationToken);
}

/// <summary><see cref="IReplenishmentGateway"/> over <see cref="ITemporalClient"/>.</summary>
public sealed partial class TemporalReplenishmentGateway(ITemporalClient client, ILogger<TemporalReplenishmentGateway> logger) : IReplenishmentGateway
{
    public async Task<ReplenishmentSignalOutcome> SignalStockReceivedAsync(StockReceivedSignal signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var workflowId = WorkflowIds.Replenishment(signal.Sku);
        var handle = client.GetWorkflowHandle(workflowId);
        try
        {
            await handle.SignalAsync(
                    ReplenishmentSignalNames.StockReceived,
                    [signal],
                    new WorkflowSignalOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } })
                .ConfigureAwait(false);
            LogDelivered(logger, signal.ReceiptId, workflowId, signal.MessageId);
            return ReplenishmentSignalOutcome.Delivered;
        }
        catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
        {
            // Never started or already completed: both mean no one is waiting for this stock.
            LogNoReplenishment(logger, signal.ReceiptId, workflowId, signal.MessageId);
            return ReplenishmentSignalOutcome.NoReplenishment;
        }
        catch (Exception ex) when (TemporalWorkflowGateway.IsTransient(ex))
        {
            throw new TemporalUnavailableException($"Temporal unavailable signalling {workflowId}: {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stock receipt {ReceiptId} delivered to {WorkflowId} (message {MessageId})")]
    private static partial void LogDelivered(ILogger logger, string receiptId, string workflowId, string messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stock receipt {ReceiptId}: no running {WorkflowId} (message {MessageId})")]
    private static partial void LogNoReplenishment(ILogger logger, string receiptId, string workflowId, string messageId);
}

public static class ReplenishmentMessagingRegistration
{
    /// <summary>The replenishment gateway over the registered <c>ITemporalClient</c>.</summary>
    public static IServiceCollection AddReplenishmentGateway(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IReplenishmentGateway, TemporalReplenishmentGateway>();
        return services;
    }
}
