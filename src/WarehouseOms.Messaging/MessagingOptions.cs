using System.ComponentModel.DataAnnotations;

namespace WarehouseOms.Messaging;

/// <summary>Configuration section <c>Messaging</c>: consumer endpoints and their retry policies.</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>Messages each endpoint fetches ahead (RabbitMQ prefetch).</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>
    /// Attempts while Temporal (or the database) is unreachable. The message stays unacknowledged on the
    /// broker the whole time; with the defaults the retries span about 20 minutes, under RabbitMQ's default
    /// 30-minute consumer timeout (past it the broker closes the channel and the retry count restarts).
    /// A longer outage ends in the error queue, from where an operator replays it.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int TransientRetryLimit { get; set; } = 25;

    public TimeSpan TransientMinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan TransientMaxInterval { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan TransientIntervalDelta { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits for a signal whose workflow does not exist yet (a pick that overtook its order): the message
    /// is parked outside the live queue in a wait queue (ADR 0016), first for <see cref="WorkflowNotFoundMinInterval"/>,
    /// each wait twice the last up to <see cref="WorkflowNotFoundMaxInterval"/>; after this many waits it goes to
    /// the error queue with the reason "workflow not found". Defaults: 2 s … 256 s, about 8.5 minutes in all.
    /// </summary>
    [Range(1, 50)]
    public int WorkflowNotFoundRetryLimit { get; set; } = 8;

    public TimeSpan WorkflowNotFoundMinInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan WorkflowNotFoundMaxInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Bound of each wait queue (<c>x-max-length</c>). Over it the oldest parked messages go back to their
    /// live queue early (dead-lettered, not dropped), so a flood of orphan signals cannot fill the broker.
    /// </summary>
    [Range(1, 10_000_000)]
    public int WaitQueueMaxLength { get; set; } = 100_000;

    /// <summary>
    /// Largest inbound message body accepted, in bytes. Checked on the raw body before deserialization: a
    /// larger message goes to its endpoint's error queue with the reason and is never parsed. Keep it at or
    /// below the broker's <c>max_message_size</c> (rabbitmq/rabbitmq.conf: 1 MiB).
    /// </summary>
    [Range(1024, 128 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = Consumers.InboundLimits.DefaultMaxMessageBytes;

    /// <summary>Declare the inbound queues as quorum queues (the broker's delivery-limit policy then applies).</summary>
    public bool QuorumQueues { get; set; }
}
