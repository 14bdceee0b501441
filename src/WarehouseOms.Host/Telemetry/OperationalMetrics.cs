using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Host.Telemetry;

/// <summary>
/// Gauges of the meter <c>WarehouseOms</c> that need a query: outbox backlog, orders by status, error queue
/// depths. Sampled every <c>Telemetry:SampleInterval</c> in the background (a scrape never waits on the
/// database or the broker); a gauge whose source is unreachable reports nothing until it answers again.
/// Error queue depths come from a passive queue declare (message count), which needs no management plugin.
/// </summary>
public sealed partial class OperationalMetrics : BackgroundService
{
    private readonly NpgsqlDataSource dataSource;
    private readonly RabbitMqConnectionOptions rabbitMq;
    private readonly TelemetryOptions options;
    private readonly ILogger<OperationalMetrics> logger;
    private readonly Meter meter;

    private volatile OutboxBacklog? outbox;
    private volatile IReadOnlyDictionary<string, long>? orders;
    private volatile IReadOnlyDictionary<string, long>? errorQueues;

    public OperationalMetrics(
        NpgsqlDataSource dataSource,
        IOptions<RabbitMqConnectionOptions> rabbitMq,
        IOptions<TelemetryOptions> options,
        IMeterFactory meters,
        ILogger<OperationalMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(rabbitMq);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        this.dataSource = dataSource;
        this.rabbitMq = rabbitMq.Value;
        this.options = options.Value;
        this.logger = logger;
        meter = meters.Create(MessagingMetrics.MeterName);
        meter.CreateObservableGauge("warehouse_oms.outbox.pending", () => Measure(outbox?.Pending), "{message}", "Outbox rows not yet published");
        meter.CreateObservableGauge(
            "warehouse_oms.outbox.oldest_pending_age", () => Measure(outbox?.OldestPendingAge.TotalSeconds), "s", "Age of the oldest unpublished outbox row (0 when none)");
        meter.CreateObservableGauge("warehouse_oms.orders", () => Each(orders, "status"), "{order}", "Orders by status");
        meter.CreateObservableGauge("warehouse_oms.error_queue.messages", () => Each(errorQueues, "queue"), "{message}", "Messages waiting in each error queue");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SampleInterval);
        do
        {
            await SampleDatabaseAsync(stoppingToken).ConfigureAwait(false);
            await SampleErrorQueuesAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SampleDatabaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            outbox = await OutboxBacklog.ReadAsync(dataSource, cancellationToken).ConfigureAwait(false);
            orders = await OrderStatusCounts.ReadAsync(dataSource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            (outbox, orders) = (null, null);
            LogSampleFailed(logger, "PostgreSQL", ex.Message);
        }
    }

    private async Task SampleErrorQueuesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var factory = new ConnectionFactory { ClientProvidedName = "warehouse-oms-metrics", RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
            if (rabbitMq.Uri is not null)
            {
                factory.Uri = rabbitMq.Uri;
            }
            else
            {
                (factory.HostName, factory.Port, factory.VirtualHost, factory.UserName, factory.Password) =
                    (rabbitMq.Host, rabbitMq.Port, rabbitMq.VirtualHost, rabbitMq.Username, rabbitMq.Password);
            }

            await using var connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            var depths = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var queue in Queues.ErrorQueues)
            {
                // A passive declare of a queue that does not exist (yet) closes the channel: one channel each.
                await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                try
                {
                    var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
                    depths[queue] = declared.MessageCount;
                }
                catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
                {
                    depths[queue] = 0;
                }
            }

            errorQueues = depths;
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException or TimeoutException)
        {
            errorQueues = null;
            LogSampleFailed(logger, "RabbitMQ", ex.Message);
        }
    }

    private static IEnumerable<Measurement<double>> Measure(double? value) =>
        value is { } v ? [new Measurement<double>(v)] : [];

    private static IEnumerable<Measurement<long>> Each(IReadOnlyDictionary<string, long>? values, string tag) =>
        values?.Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>(tag, v.Key))) ?? [];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics: could not sample {Source}: {Error}")]
    private static partial void LogSampleFailed(ILogger logger, string source, string error);
}
