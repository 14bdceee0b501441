using System.Collections.Concurrent;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>Records every call; each call's answer is scripted per test (default: accepted).</summary>
public sealed class FakeWorkflowGateway : IWorkflowGateway
{
    public ConcurrentQueue<OrderIntakeInput> Starts { get; } = new();

    public ConcurrentQueue<(string OrderId, string SignalName, object Payload)> Signals { get; } = new();

    /// <summary>Called with the 1-based attempt number; throw to simulate Temporal's answers.</summary>
    public Func<int, StartOutcome> OnStart { get; set; } = _ => StartOutcome.Started;

    public Func<int, SignalOutcome> OnSignal { get; set; } = _ => SignalOutcome.Delivered;

    private int startAttempts;
    private int signalAttempts;

    public int StartAttempts => Volatile.Read(ref startAttempts);

    public int SignalAttempts => Volatile.Read(ref signalAttempts);

    public Task<StartOutcome> StartOrderIntakeAsync(OrderIntakeInput input, CancellationToken cancellationToken)
    {
        var outcome = OnStart(Interlocked.Increment(ref startAttempts));
        Starts.Enqueue(input);
        return Task.FromResult(outcome);
    }

    public Task<SignalOutcome> SignalFulfillmentAsync(string orderId, string signalName, object payload, CancellationToken cancellationToken)
    {
        var outcome = OnSignal(Interlocked.Increment(ref signalAttempts));
        Signals.Enqueue((orderId, signalName, payload));
        return Task.FromResult(outcome);
    }
}
