using System.Globalization;
using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The broker topology of waiting (ADR 0016). A signal whose workflow does not exist yet leaves the live
/// queue for a wait queue of one fixed TTL (a tier: every message in it waits the same time, so the one
/// at the head always expires first); on expiry the broker dead-letters it through
/// <see cref="ReturnExchange"/> back to the live queue it came from (its routing key). Plain RabbitMQ, no plugin.
/// </summary>
public static class WorkflowWaitTopology
{
    /// <summary>Direct exchange; every inbound queue is bound to it with its own name as the key.</summary>
    public const string ReturnExchange = WarehouseOms.Contracts.Queues.Return;

    /// <summary>How many waits a message has had (an integer header on the parked copy).</summary>
    public const string WaitsHeader = "oms-workflow-waits";

    private const string TierPrefix = "warehouse-oms.wait-";

    /// <summary>The fanout exchange and the queue of one tier, e.g. <c>warehouse-oms.wait-30s</c>.</summary>
    public static string TierName(TimeSpan ttl) =>
        TierPrefix + (ttl.TotalMilliseconds % 1000 == 0
            ? ((long)ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");

    /// <summary>
    /// The waits, in order: <c>WorkflowNotFoundMinInterval</c> doubling up to <c>WorkflowNotFoundMaxInterval</c>,
    /// <c>WorkflowNotFoundRetryLimit</c> of them.
    /// </summary>
    public static IReadOnlyList<TimeSpan> Schedule(MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var waits = new List<TimeSpan>(options.WorkflowNotFoundRetryLimit);
        var next = options.WorkflowNotFoundMinInterval;
        for (var i = 0; i < options.WorkflowNotFoundRetryLimit; i++)
        {
            var wait = next < options.WorkflowNotFoundMaxInterval ? next : options.WorkflowNotFoundMaxInterval;
            waits.Add(TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(wait.TotalMilliseconds))));
            next = wait * 2;
        }

        return waits;
    }

    /// <summary>The queue an endpoint address names (its last path segment).</summary>
    public static string QueueOf(Uri inputAddress)
    {
        ArgumentNullException.ThrowIfNull(inputAddress);
        return inputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];
    }
}

/// <summary>
/// The signal's workflow did not appear within the whole wait budget (or the transport has no wait queues):
/// the message goes to the endpoint's error queue with this reason in <c>MT-Fault-Message</c>.
/// </summary>
public sealed class WorkflowStillNotFoundException(string workflowId, int waits, TimeSpan waited, Exception innerException)
    : Exception(
        $"workflow not found: {workflowId}; gave up after {waits} wait(s), {waited.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s in all (Messaging:WorkflowNotFound*)",
        innerException)
{
    public string WorkflowId { get; } = workflowId;

    public int Waits { get; } = waits;
}

/// <summary>
/// Parks a delivery whose workflow does not exist yet in the wait tier its next wait names, then lets
/// the live delivery be acknowledged: the consumer slot is free at once, so valid messages behind it flow
/// at full speed. Body and properties travel unchanged (the message ID the workflow de-duplicates by
/// included), plus <see cref="WorkflowWaitTopology.WaitsHeader"/>.
/// </summary>
public sealed partial class WorkflowWaitRoom(IOptions<MessagingOptions> options, ILogger<WorkflowWaitRoom> logger)
{
    private readonly IReadOnlyList<TimeSpan> schedule = WorkflowWaitTopology.Schedule(options.Value);
    private readonly int maxLength = options.Value.WaitQueueMaxLength;
    private readonly HashSet<string> declared = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public IReadOnlyList<TimeSpan> Schedule => schedule;

    /// <summary>Parks <paramref name="context"/>'s delivery, or throws <see cref="WorkflowStillNotFoundException"/> when its waits are used up.</summary>
    public async Task ParkAsync(ConsumeContext context, WorkflowNotFoundException notFound)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(notFound);
        var receive = context.ReceiveContext;
        var waits = WaitsSoFar(receive);
        if (waits >= schedule.Count
            || !receive.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)
            || !receive.TryGetPayload<ChannelContext>(out var channel))
        {
            var waited = schedule.Take(Math.Min(waits, schedule.Count)).Aggregate(TimeSpan.Zero, (a, b) => a + b);
            throw new WorkflowStillNotFoundException(notFound.WorkflowId, waits, waited, notFound);
        }

        var wait = schedule[waits];
        var tier = WorkflowWaitTopology.TierName(wait);
        await DeclareTierAsync(channel, tier, wait, context.CancellationToken).ConfigureAwait(false);

        var properties = new BasicProperties(delivery.Properties);
        var headers = new Dictionary<string, object?>(delivery.Properties.Headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        // The broker's own dead-letter trail of the last wait; it writes a fresh one on the next.
        foreach (var key in headers.Keys.Where(k => k.StartsWith("x-death", StringComparison.Ordinal) || k.StartsWith("x-first-death", StringComparison.Ordinal) || k.StartsWith("x-last-death", StringComparison.Ordinal)).ToList())
        {
            headers.Remove(key);
        }

        headers[WorkflowWaitTopology.WaitsHeader] = waits + 1;
        if (!headers.ContainsKey(Contracts.InboundHeaders.SourceExchange) && !string.IsNullOrEmpty(delivery.Exchange) && delivery.Exchange != WorkflowWaitTopology.ReturnExchange)
        {
            headers[Contracts.InboundHeaders.SourceExchange] = delivery.Exchange;
        }

        properties.Headers = headers;
        var queue = WorkflowWaitTopology.QueueOf(receive.InputAddress);
        // Confirmed before the live delivery is acknowledged: a crash in between redelivers it (a duplicate the workflow ignores).
        await channel.BasicPublishAsync(tier, queue, mandatory: false, properties, receive.Body.GetBytes(), awaitAck: true, context.CancellationToken).ConfigureAwait(false);
        LogParked(logger, LogText.Escape(notFound.WorkflowId), tier, waits + 1, schedule.Count);
    }

    private static int WaitsSoFar(ReceiveContext receive) =>
        receive.TransportHeaders.Get<object>(WorkflowWaitTopology.WaitsHeader) switch
        {
            int n => Math.Max(0, n),
            long n => (int)Math.Clamp(n, 0, int.MaxValue),
            byte[] bytes when int.TryParse(System.Text.Encoding.ASCII.GetString(bytes), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            string text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => 0,
        };

    private async Task DeclareTierAsync(ChannelContext channel, string tier, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (declared.Contains(tier))
            {
                return;
            }
        }

        var arguments = new Dictionary<string, object>
        {
            ["x-message-ttl"] = (long)ttl.TotalMilliseconds,
            ["x-dead-letter-exchange"] = WorkflowWaitTopology.ReturnExchange,
            // Over the bound the oldest are dead-lettered early (back to their queue), never dropped.
            ["x-max-length"] = maxLength,
        };
        await channel.ExchangeDeclare(tier, ExchangeType.Fanout, true, false, new Dictionary<string, object>(), cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclare(tier, true, false, false, arguments, cancellationToken).ConfigureAwait(false);
        await channel.QueueBind(tier, tier, string.Empty, new Dictionary<string, object>(), cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            declared.Add(tier);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{WorkflowId} does not exist yet; signal parked in {WaitQueue} (wait {Wait} of {Waits})")]
    private static partial void LogParked(ILogger logger, string workflowId, string waitQueue, int wait, int waits);
}

/// <summary>Around each inbound consumer: a <see cref="WorkflowNotFoundException"/> parks the delivery instead of failing it.</summary>
internal sealed class WorkflowWaitFilter<TConsumer>(WorkflowWaitRoom room) : IFilter<ConsumerConsumeContext<TConsumer>>
    where TConsumer : class
{
    public async Task Send(ConsumerConsumeContext<TConsumer> context, IPipe<ConsumerConsumeContext<TConsumer>> next)
    {
        try
        {
            await next.Send(context).ConfigureAwait(false);
        }
        catch (WorkflowNotFoundException ex)
        {
            await room.ParkAsync(context, ex).ConfigureAwait(false);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("workflowWait");
}
