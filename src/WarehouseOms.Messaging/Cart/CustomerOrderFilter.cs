using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Logging;

[assembly: InternalsVisibleTo("WarehouseOms.Messaging.Tests")]

namespace WarehouseOms.Messaging.Cart;

/// <summary>
/// Processes the cart queue in publish order per customer, different customers in parallel.
/// <para>
/// A MassTransit partitioner keyed by customerId runs one delivery per customer at a time, in the order
/// deliveries enter it. On its own that is not the broker's order: RabbitMQ.Client hands the prefetched
/// deliveries of a channel to as many concurrent workers as the endpoint's concurrency, so a checkout
/// can reach the partitioner a moment before the add delivered just ahead of it. So deliveries first
/// take turns by delivery tag (<see cref="DeliverySequencer"/>): each enters its partition's queue only
/// after the one delivered before it has entered its own, and then lets the next one in.
/// </para>
/// The whole receive pipeline (deserialization, retries, the move to the error queue) runs inside the
/// partition, so a message being retried holds back its customer's later messages.
/// </summary>
internal sealed class CustomerOrderFilter : IFilter<ReceiveContext>
{
    private readonly DeliverySequencer sequencer;
    private readonly IPartitioner<ReceiveContext> partitioner;

    public CustomerOrderFilter(int partitionCount, TimeSpan gapTimeout, int maxMessageBytes, ILogger logger)
    {
        sequencer = new DeliverySequencer(gapTimeout, logger);
        partitioner = new Partitioner(partitionCount, new Murmur3UnsafeHashGenerator())
            .GetPartitioner<ReceiveContext>(context => CartCustomerKey.Of(context, maxMessageBytes));
    }

    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        // No delivery tag (not RabbitMQ, e.g. the in-memory test transport): the partitioner alone.
        var turn = context.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)
            ? await sequencer.EnterAsync(delivery.ConsumerTag, delivery.DeliveryTag, context.CancellationToken).ConfigureAwait(false)
            : default;

        Task processing;
        try
        {
            // Synchronously takes the partition or joins the FIFO queue of its semaphore.
            processing = partitioner.Send(context, next);
        }
        finally
        {
            turn.Leave();
        }

        await processing.ConfigureAwait(false);
    }

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateFilterScope("cartCustomerOrder");
        partitioner.Probe(scope);
    }
}

/// <summary>The partition key of a cart message: its customerId, trimmed as the consumers trim it.</summary>
internal static class CartCustomerKey
{
    /// <summary>
    /// customerId (any case) of a raw body, or of the <c>message</c> of a MassTransit envelope. A body
    /// without one (it will fail validation) gets the empty key, and so does one over
    /// <paramref name="maxBytes"/>, unparsed (the deserializer refuses it); this never throws.
    /// </summary>
    public static byte[] Of(ReceiveContext context, int maxBytes = int.MaxValue)
    {
        if ((context.Body.Length ?? 0) > maxBytes)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(context.Body.GetBytes());
            var root = document.RootElement;
            if (CustomerId(root) is { } customerId)
            {
                return Encoding.UTF8.GetBytes(customerId);
            }

            if (root.ValueKind == JsonValueKind.Object
                && Property(root, "message") is { ValueKind: JsonValueKind.Object } envelopeMessage
                && CustomerId(envelopeMessage) is { } envelopeCustomerId)
            {
                return Encoding.UTF8.GetBytes(envelopeCustomerId);
            }
        }
        catch (JsonException)
        {
        }

        return [];
    }

    private static string? CustomerId(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && Property(element, "customerId") is { } value
            ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText())?.Trim()
            : null;

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}

/// <summary>
/// Admits a channel's deliveries one at a time in delivery-tag order (RabbitMQ numbers a channel's
/// deliveries 1, 2, 3, … in the order the queue hands them out). A delivery whose predecessor has not
/// arrived waits; one that waited <c>gapTimeout</c> while nothing was being admitted assumes the missing
/// deliveries will never come (a delivery dropped because the endpoint is stopping) and lets the lowest
/// waiting tag go next. A new consumer tag (a new channel after a reconnect) starts a new lane; late
/// deliveries of an old one pass without waiting (they are redelivered on the new channel anyway).
/// </summary>
internal sealed class DeliverySequencer(TimeSpan gapTimeout, ILogger logger)
{
    private const int RetiredLanesRemembered = 16;

    private readonly object sync = new();
    private readonly Queue<string> retiredOrder = new();
    private readonly HashSet<string> retired = new(StringComparer.Ordinal);
    private Lane? current;

    public async ValueTask<Turn> EnterAsync(string consumerTag, ulong deliveryTag, CancellationToken cancellationToken)
    {
        Lane lane;
        TaskCompletionSource waiter;
        lock (sync)
        {
            if (LaneFor(consumerTag) is not { } found || deliveryTag < found.Next)
            {
                return default;
            }

            lane = found;
            if (deliveryTag == lane.Next)
            {
                if (lane.Admitting)
                {
                    return default; // the same tag twice: never from one channel, so not ours to order
                }

                lane.Admitting = true;
                return new Turn(this, lane, deliveryTag);
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!lane.Waiting.TryAdd(deliveryTag, waiter))
            {
                return default;
            }
        }

        while (true)
        {
            try
            {
                await waiter.Task.WaitAsync(gapTimeout, cancellationToken).ConfigureAwait(false);
                return new Turn(this, lane, deliveryTag);
            }
            catch (TimeoutException)
            {
                SkipGap(lane);
            }
            catch (OperationCanceledException)
            {
                bool admitted;
                lock (sync)
                {
                    admitted = !lane.Waiting.Remove(deliveryTag);
                }

                if (admitted)
                {
                    Leave(lane, deliveryTag);
                }

                throw;
            }
        }
    }

    private Lane? LaneFor(string consumerTag)
    {
        if (current?.ConsumerTag == consumerTag)
        {
            return current;
        }

        // A channel's first deliveries can reach the pipeline before MassTransit has its consumer tag (the broker
        // starts a backlog before consume-ok is handled): they come with an empty tag. They are the same channel's
        // deliveries, numbered with the rest, so they share its lane, and a lane opened by them takes the tag
        // when it comes. (Retiring the lane there released its waiters at once and reordered a customer's messages.)
        if (consumerTag.Length == 0 && current is not null)
        {
            return current;
        }

        if (current is { ConsumerTag.Length: 0 } unnamed)
        {
            unnamed.ConsumerTag = consumerTag;
            return unnamed;
        }

        if (retired.Contains(consumerTag))
        {
            return null;
        }

        if (current is { } old)
        {
            // The old channel is gone: whatever still waits on it goes ahead.
            old.Retired = true;
            foreach (var waiting in old.Waiting.Values)
            {
                waiting.TrySetResult();
            }

            old.Waiting.Clear();
            retired.Add(old.ConsumerTag);
            retiredOrder.Enqueue(old.ConsumerTag);
            if (retiredOrder.Count > RetiredLanesRemembered)
            {
                retired.Remove(retiredOrder.Dequeue());
            }
        }

        current = new Lane(consumerTag);
        return current;
    }

    private void Leave(Lane lane, ulong deliveryTag)
    {
        lock (sync)
        {
            if (lane.Retired || deliveryTag != lane.Next)
            {
                return;
            }

            lane.Next = deliveryTag + 1;
            lane.Admitting = false;
            if (lane.Waiting.Remove(lane.Next, out var next))
            {
                lane.Admitting = true;
                next.TrySetResult();
            }
        }
    }

    private void SkipGap(Lane lane)
    {
        ulong missingFrom, lowest;
        lock (sync)
        {
            if (lane.Retired || lane.Admitting || lane.Waiting.Count == 0)
            {
                return;
            }

            missingFrom = lane.Next;
            lowest = lane.Waiting.Keys.Min();
            lane.Waiting.Remove(lowest, out var waiter);
            lane.Next = lowest;
            lane.Admitting = true;
            waiter!.TrySetResult();
        }

        logger.LogWarning(
            "Cart deliveries {MissingFrom}..{MissingTo} on consumer {ConsumerTag} never reached the pipeline; continuing with {DeliveryTag}",
            missingFrom, lowest - 1, lane.ConsumerTag, lowest);
    }

    /// <summary>The right to enter a partition; <see cref="Leave"/> passes it to the next delivery.</summary>
    public readonly struct Turn
    {
        private readonly DeliverySequencer? owner;
        private readonly Lane? lane;
        private readonly ulong deliveryTag;

        internal Turn(DeliverySequencer owner, Lane lane, ulong deliveryTag)
        {
            this.owner = owner;
            this.lane = lane;
            this.deliveryTag = deliveryTag;
        }

        public void Leave() => owner?.Leave(lane!, deliveryTag);
    }

    internal sealed class Lane(string consumerTag)
    {
        public string ConsumerTag { get; set; } = consumerTag;

        /// <summary>The lowest delivery tag not admitted yet: whose turn it is.</summary>
        public ulong Next { get; set; } = 1;

        /// <summary>The delivery <see cref="Next"/> holds the turn (between admission and <see cref="Leave"/>).</summary>
        public bool Admitting { get; set; }

        public bool Retired { get; set; }

        public Dictionary<ulong, TaskCompletionSource> Waiting { get; } = [];
    }
}
