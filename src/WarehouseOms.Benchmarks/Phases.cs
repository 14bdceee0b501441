using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using RabbitMQ.Client;
using WarehouseOms.Contracts;

namespace WarehouseOms.Benchmarks;

/// <summary>
/// The three phases, all closed loops over one AMQP connection with one confirming channel per worker.
/// <paramref name="outbound"/> watches every outbound exchange for the whole run. A <c>tag</c> keeps the
/// IDs of a warm-up apart from those of the measured run.
/// </summary>
public sealed class Phases(IConnection connection, EventObserver outbound, BenchmarkOptions options)
{
    /// <summary>Outbound events that end an order's wait: the pick wave, or the reasons there will be none.</summary>
    private static readonly string[] OrderOutcomes =
        [Exchanges.PickWaveCreated, Exchanges.OrderFailed, Exchanges.OrderRejected, Exchanges.OrderCancelled];

    private static readonly string[] CompletionOutcomes =
        [Exchanges.OrderCompleted, Exchanges.OrderFailed, Exchanges.OrderCancelled];

    /// <summary>
    /// Baseline: small JSON messages through a scratch fanout exchange into an exclusive queue and back
    /// to this process: the floor of any message round trip on this broker, client and machine.
    /// </summary>
    public async Task<Measurement> RawRoundTripAsync(string phase, string tag, int count, CancellationToken cancellationToken)
    {
        // Inside the names the service's broker user may declare (rabbitmq/definitions.json grants it warehouse-oms.*).
        var exchange = $"warehouse-oms.bench-raw-{tag}";
        string[] outcome = [exchange];
        await using var observer = await EventObserver.StartAsync(connection, outcome, "id", durable: false, cancellationToken);
        var publishers = await ConfirmingPublisher.OpenManyAsync(connection, options.Concurrency, cancellationToken);
        try
        {
            return await ClosedLoop.RunAsync(phase, "msg", count, options.Concurrency, options.Budget, async (worker, index, token) =>
            {
                var id = $"{tag}-{index:D6}";
                var body = JsonSerializer.SerializeToUtf8Bytes(new { id, index, sentAt = DateTimeOffset.UtcNow }, JsonSerializerOptions.Web);
                var seen = observer.Expect(id, outcome);
                var started = Stopwatch.GetTimestamp();
                await publishers[worker].PublishAsync(exchange, id, body, token);
                return Stopwatch.GetElapsedTime(started, (await seen.WaitAsync(token)).Timestamp);
            }, cancellationToken);
        }
        finally
        {
            await DisposeAllAsync(publishers);
        }
    }

    /// <summary>
    /// Orders in on oms.order-submitted; done when wms.pick-wave-created carries the order ID. Adds the
    /// indexes of the orders that reached their pick wave to <paramref name="picked"/>.
    /// </summary>
    public async Task<Measurement> OrdersAsync(string phase, string tag, int count, ConcurrentBag<int> picked, CancellationToken cancellationToken)
    {
        var publishers = await ConfirmingPublisher.OpenManyAsync(connection, options.Concurrency, cancellationToken);
        try
        {
            return await ClosedLoop.RunAsync(phase, "orders", count, options.Concurrency, options.Budget, async (worker, index, token) =>
            {
                var orderId = OrderMessages.OrderId(tag, index);
                var seen = outbound.Expect(orderId, OrderOutcomes);
                var started = Stopwatch.GetTimestamp();
                await publishers[worker].PublishAsync(Exchanges.OrderSubmitted, orderId + "-submit", OrderMessages.Submitted(orderId, index), token);
                var latency = await OutcomeAsync(seen, Exchanges.PickWaveCreated, orderId, started, token);
                picked.Add(index);
                return latency;
            }, cancellationToken);
        }
        finally
        {
            await DisposeAllAsync(publishers);
        }
    }

    /// <summary>
    /// The warehouse and the carrier finish the given orders: pick, pack and delivered published back to
    /// back (the workflow remembers a report that arrives early); done when oms.order-completed arrives.
    /// </summary>
    public async Task<Measurement> CompletionsAsync(string phase, string tag, IReadOnlyList<int> indexes, CancellationToken cancellationToken)
    {
        var publishers = await ConfirmingPublisher.OpenManyAsync(connection, options.Concurrency, cancellationToken);
        try
        {
            return await ClosedLoop.RunAsync(phase, "orders", indexes.Count, options.Concurrency, options.Budget, async (worker, i, token) =>
            {
                var index = indexes[i];
                var orderId = OrderMessages.OrderId(tag, index);
                var publisher = publishers[worker];
                var seen = outbound.Expect(orderId, CompletionOutcomes);
                var started = Stopwatch.GetTimestamp();
                await publisher.PublishAsync(Exchanges.PickCompleted, orderId + "-pick", OrderMessages.PickCompleted(orderId, index), token);
                await publisher.PublishAsync(Exchanges.PackCompleted, orderId + "-pack", OrderMessages.PackCompleted(orderId), token);
                await publisher.PublishAsync(Exchanges.ShipmentDelivered, orderId + "-delivered", OrderMessages.ShipmentDelivered(orderId), token);
                return await OutcomeAsync(seen, Exchanges.OrderCompleted, orderId, started, token);
            }, cancellationToken);
        }
        finally
        {
            await DisposeAllAsync(publishers);
        }
    }

    private static async Task<TimeSpan> OutcomeAsync(Task<Observation> seen, string expected, string orderId, long started, CancellationToken token)
    {
        var observed = await seen.WaitAsync(token);
        return observed.Exchange == expected
            ? Stopwatch.GetElapsedTime(started, observed.Timestamp)
            : throw new OperationFailedException($"{orderId}: {observed.Exchange} instead of {expected}");
    }

    private static async Task DisposeAllAsync(IEnumerable<ConfirmingPublisher> publishers)
    {
        foreach (var publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }
}
