using System.ComponentModel.DataAnnotations;

namespace WarehouseOms.Messaging;

/// <summary>Configuration section <c>Messaging</c>: consumer endpoints and their retry policies.</summary>
public sealed class MessagingOptions : IValidatableObject
{
    public const string SectionName = "Messaging";

    /// <summary>Messages each endpoint fetches ahead (RabbitMQ prefetch).</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>
    /// Attempts while Temporal (or the database) is unreachable. The message stays unacknowledged on the
    /// broker the whole time; with the defaults the retries span about 3 minutes. Then the message goes back
    /// to its queue and the endpoint pauses for <see cref="OutagePause"/> (<see cref="OutageKillSwitch"/>).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int TransientRetryLimit { get; set; } = 10;

    public TimeSpan TransientMinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan TransientMaxInterval { get; set; } = TimeSpan.FromSeconds(30);

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
    /// larger message goes to its endpoint's error queue with the reason and is never parsed. At most
    /// <see cref="BrokerMaxMessageBytes"/>: the broker refuses a larger body at publish, so a larger limit would
    /// only mislead.
    /// </summary>
    [Range(1024, 128 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = Consumers.InboundLimits.DefaultMaxMessageBytes;

    /// <summary>
    /// Largest inbound AMQP header table accepted, in bytes; a message with more goes to its error queue unparsed, its
    /// largest headers left out of that copy. At most half the broker's 128 KiB frame: every copy of a message
    /// (error queue, fault, redelivery) adds headers of its own, and all must fit in one frame (<see cref="Consumers.HeaderSizeLimit"/>).
    /// </summary>
    [Range(1024, 64 * 1024)]
    public int MaxHeaderBytes { get; set; } = Consumers.HeaderSizeLimit.DefaultMaxHeaderBytes;

    /// <summary>
    /// The broker's <c>max_message_size</c> (rabbitmq/rabbitmq.conf: 1 MiB). Nothing the service publishes may be
    /// larger: the broker would close the channel. A refused message's <c>Fault&lt;T&gt;</c> over it is not
    /// published (<see cref="Consumers.FaultSizeGuard"/>).
    /// </summary>
    [Range(64 * 1024, 512 * 1024 * 1024)]
    public int BrokerMaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Stop consuming while a dependency is down (MassTransit kill switch): a message whose outage outlasts its
    /// retries goes back to its queue and its endpoint pauses for <see cref="OutagePause"/>, then starts again
    /// by itself. Off: the endpoint keeps consuming and each such message is retried again at once.
    /// </summary>
    public bool OutageKillSwitch { get; set; } = true;

    /// <summary>How long an endpoint pauses after an outage before it tries the next message (at least 1 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OutagePause { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Declare the inbound queues as quorum queues (the broker's delivery-limit policy then applies).</summary>
    public bool QuorumQueues { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxMessageBytes > BrokerMaxMessageBytes)
        {
            yield return new ValidationResult(
                $"Messaging:MaxMessageBytes ({MaxMessageBytes}) must be at most Messaging:BrokerMaxMessageBytes ({BrokerMaxMessageBytes}): " +
                "the broker refuses a larger body at publish, so it never arrives.",
                [nameof(MaxMessageBytes), nameof(BrokerMaxMessageBytes)]);
        }
    }
}
