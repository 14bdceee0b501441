using System.ComponentModel.DataAnnotations;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>Configuration section <c>Outbox</c>.</summary>
public sealed class OutboxRelayOptions
{
    public const string SectionName = "Outbox";

    /// <summary>Run the relay in this process (default true). Several processes may relay at once.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Rows claimed and published per transaction.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Fallback poll when no NOTIFY arrives (notifications are lost while nobody listens).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>First wait after a broker or database failure; doubles up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a batch may wait for publisher confirms before the connection is considered dead.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest wait before a row that was returned or nacked is tried again (it doubles per attempt from 1 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxRowRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sent rows are kept this long (for audit and replay), then deleted by the relay.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan RetainSentFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// <c>/health/ready</c> reports Degraded while the oldest pending row is older than this: events are
    /// not reaching the broker (it is down, or nothing is bound to an exchange), or the relay is behind.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a relay deletes expired sent rows.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Configuration section <c>RabbitMq</c>: either <c>Uri</c> (amqp://user:pass@host:port/vhost) or the
/// separate keys. Defaults are the local development broker.
/// </summary>
public sealed class RabbitMqConnectionOptions
{
    public const string SectionName = "RabbitMq";

    public Uri? Uri { get; set; }

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "warehouse-oms";

    // The service's own least-privilege user of rabbitmq/definitions.json: a broker that loads those
    // definitions at its first boot has no guest user and no "/" vhost at all.
    [Required]
    public string Username { get; set; } = "warehouse-oms";

    [Required]
    public string Password { get; set; } = "warehouse-oms";

    /// <summary>
    /// A plain AMQP connection factory for this broker (the relay, the console's error queues): no automatic
    /// recovery, so each caller sees an outage and handles it itself; short connect timeout.
    /// </summary>
    public RabbitMQ.Client.ConnectionFactory CreateFactory(string clientName)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            ClientProvidedName = clientName,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
        };
        if (Uri is not null)
        {
            factory.Uri = Uri;
        }
        else
        {
            factory.HostName = Host;
            factory.Port = Port;
            factory.VirtualHost = VirtualHost;
            factory.UserName = Username;
            factory.Password = Password;
        }

        return factory;
    }
}
