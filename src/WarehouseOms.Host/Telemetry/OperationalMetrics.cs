using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Operations;
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
    private IConnection? broker;

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
            // One connection for every sample, opened again only after the broker dropped it.
            if (broker is not { IsOpen: true })
            {
                await DisconnectAsync().ConfigureAwait(false);
                broker = await rabbitMq.CreateFactory("warehouse-oms-metrics").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }

            var depths = await ErrorQueues.DepthsAsync(broker, cancellationToken).ConfigureAwait(false);
            errorQueues = depths.ToDictionary(d => d.Queue, d => d.Depth ?? 0, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException or TimeoutException)
        {
            errorQueues = null;
            await DisconnectAsync().ConfigureAwait(false);
            LogSampleFailed(logger, "RabbitMQ", ex.Message);
        }
    }

    private async Task DisconnectAsync()
    {
        if (broker is { } open)
        {
            broker = null;
            await open.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await DisconnectAsync().ConfigureAwait(false);
    }

    private static IEnumerable<Measurement<double>> Measure(double? value) =>
        value is { } v ? [new Measurement<double>(v)] : [];

    private static IEnumerable<Measurement<long>> Each(IReadOnlyDictionary<string, long>? values, string tag) =>
        values?.Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>(tag, v.Key))) ?? [];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics: could not sample {Source}: {Error}")]
    private static partial void LogSampleFailed(ILogger logger, string source, string error);
}
