using System.Collections.Concurrent;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>Records StockReceived signals; answers "no replenishment running" unless told otherwise.</summary>
public sealed class FakeReplenishmentGateway : IReplenishmentWorkflows
{
    public ConcurrentQueue<StockReceivedSignal> Signals { get; } = new();

    public ReplenishmentSignalOutcome Outcome { get; set; } = ReplenishmentSignalOutcome.NoReplenishment;

    public Task<ReplenishmentSignalOutcome> SignalStockReceivedAsync(StockReceivedSignal signal, CancellationToken cancellationToken)
    {
        Signals.Enqueue(signal);
        return Task.FromResult(Outcome);
    }
}
