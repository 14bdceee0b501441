using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.RabbitMqTransport;
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
        // Not from a RabbitMQ channel (e.g. the in-memory test transport): the partitioner alone.
        var turn = context.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)
            && context.TryGetPayload<ChannelContext>(out var channel)
            ? await sequencer.EnterAsync(channel, delivery.ConsumerTag, delivery.DeliveryTag, context.CancellationToken).ConfigureAwait(false)
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
/// waiting tag go next. A new channel (after a reconnect) starts a new lane; late deliveries of an old
/// one pass without waiting (they are redelivered on the new channel anyway).
/// <para>
/// Lanes are keyed by the channel itself, not by its consumer tag: a channel's first deliveries can reach
/// the pipeline before MassTransit has handled consume-ok, with an empty tag (ADR 0008).
/// </para>
/// </summary>
internal sealed class DeliverySequencer(TimeSpan gapTimeout, ILogger logger)
{
    private readonly object sync = new();

    // Old channels, so that their late deliveries pass instead of opening a lane; gone with the channel.
    private readonly ConditionalWeakTable<object, Lane> retired = new();
    private Lane? current;

    /// <summary>
    /// Waits for the turn of delivery <paramref name="deliveryTag"/> of <paramref name="channel"/> (any object that
    /// is the same for all of a channel's deliveries and no other's); <paramref name="consumerTag"/> is for logs.
    /// </summary>
    public async ValueTask<Turn> EnterAsync(object channel, string consumerTag, ulong deliveryTag, CancellationToken cancellationToken)
    {
        Lane lane;
        TaskCompletionSource waiter;
        lock (sync)
        {
            if (LaneFor(channel) is not { } found || deliveryTag < found.Next)
            {
                return default;
            }

            lane = found;
            if (consumerTag.Length > 0)
            {
                lane.ConsumerTag = consumerTag;
            }

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

    private Lane? LaneFor(object channel)
    {
        if (current is not null && ReferenceEquals(current.Channel, channel))
        {
            return current;
        }

        if (retired.TryGetValue(channel, out _))
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
            retired.AddOrUpdate(old.Channel, old);
        }

        current = new Lane(channel);
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

    internal sealed class Lane(object channel)
    {
        public object Channel { get; } = channel;

        /// <summary>The channel's consumer tag once known, for logs.</summary>
        public string ConsumerTag { get; set; } = string.Empty;

        /// <summary>The lowest delivery tag not admitted yet: whose turn it is.</summary>
        public ulong Next { get; set; } = 1;

        /// <summary>The delivery <see cref="Next"/> holds the turn (between admission and <see cref="Leave"/>).</summary>
        public bool Admitting { get; set; }

        public bool Retired { get; set; }

        public Dictionary<ulong, TaskCompletionSource> Waiting { get; } = [];
    }
}
