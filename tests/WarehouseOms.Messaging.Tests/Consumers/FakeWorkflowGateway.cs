using System.Collections.Concurrent;
using System.Linq.Expressions;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>Records every call; each call's answer is scripted per test (default: accepted).</summary>
public sealed class FakeWorkflowGateway : IOrderWorkflows
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

    public Task<StartOutcome> StartIntakeAsync(OrderIntakeInput input, CancellationToken cancellationToken)
    {
        var outcome = OnStart(Interlocked.Increment(ref startAttempts));
        Starts.Enqueue(input);
        return Task.FromResult(outcome);
    }

    /// <summary>No intake history here: consumer tests script recorded submissions through FakeIntakeRecords.</summary>
    public Task<OrderIntakeInput?> FindIntakeAsync(string requestId, CancellationToken cancellationToken) =>
        Task.FromResult<OrderIntakeInput?>(null);

    /// <summary>Recorded as the SDK sends it: the signal's name and its payload.</summary>
    public Task<SignalOutcome> SignalFulfillmentAsync(string orderId, Expression<Func<OrderFulfillmentWorkflow, Task>> signal, CancellationToken cancellationToken)
    {
        var outcome = OnSignal(Interlocked.Increment(ref signalAttempts));
        Signals.Enqueue((orderId, WorkflowCalls.SignalName(signal), WorkflowCalls.Argument(signal)!));
        return Task.FromResult(outcome);
    }

    public Task<LiveFulfillmentStatus> ReadFulfillmentAsync(string orderId, CancellationToken cancellationToken) =>
        Task.FromResult(LiveFulfillmentStatus.Unavailable("fake"));
}
