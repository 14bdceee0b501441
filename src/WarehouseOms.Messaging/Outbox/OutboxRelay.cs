using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>
/// Publishes pending outbox rows to RabbitMQ and marks them sent. Woken by NOTIFY on
/// <see cref="OutboxConventions.NotifyChannel"/> (sent in the writing transaction), with a fallback
/// poll because notifications are lost while nobody listens. Several relays (in one process or many)
/// share the table through <c>FOR UPDATE SKIP LOCKED</c>. On a broker or database failure it backs
/// off exponentially, reconnects and carries on; rows stay pending meanwhile. Delivery is at least
/// once: a crash between a confirm and the commit republishes the row with the same message ID.
/// </summary>
public sealed partial class OutboxRelay : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly OutboxRelayOptions _options;
    private readonly RabbitMqConnectionOptions _rabbitMq;
    private readonly OutboxRelayHealth _health;
    private readonly TimeProvider _clock;
    private readonly ILogger<OutboxRelay> _logger;
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly string _name = $"warehouse-oms-outbox-relay-{Environment.MachineName}-{Guid.NewGuid():N}"[..60];

    public OutboxRelay(
        NpgsqlDataSource dataSource,
        IOptions<OutboxRelayOptions> options,
        IOptions<RabbitMqConnectionOptions> rabbitMq,
        OutboxRelayHealth health,
        TimeProvider clock,
        ILogger<OutboxRelay> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rabbitMq);
        _dataSource = dataSource;
        _options = options.Value;
        _rabbitMq = rabbitMq.Value;
        _health = health;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Asks the relay to look for pending rows now (what a NOTIFY does).</summary>
    public void WakeUp() => _wakeUps.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = ListenAsync(stoppingToken);
        await using var publisher = new RabbitMqOutboxPublisher(_rabbitMq, _name);
        var backoff = _options.MinBackoff;
        var nextCleanupAt = _clock.GetUtcNow();
        LogStarted(_logger, _name, _options.BatchSize);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await publisher.EnsureConnectedAsync(stoppingToken).ConfigureAwait(false);
                var (claimed, brokerFailure) = await RelayBatchAsync(publisher, stoppingToken).ConfigureAwait(false);
                if (brokerFailure is not null)
                {
                    throw new OutboxRelayException(brokerFailure);
                }

                backoff = _options.MinBackoff;
                if (_clock.GetUtcNow() >= nextCleanupAt)
                {
                    nextCleanupAt = _clock.GetUtcNow() + _options.CleanupInterval;
                    var deleted = await OutboxBatch.DeleteExpiredAsync(_dataSource, _options.RetainSentFor, stoppingToken).ConfigureAwait(false);
                    if (deleted > 0)
                    {
                        LogCleaned(_logger, deleted);
                    }
                }

                if (claimed < _options.BatchSize)
                {
                    await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Any failure of broker or database must not stop the relay: back off and retry.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _health.RecordFailure(ex.Message);
                LogCycleFailed(_logger, ex, backoff.TotalMilliseconds, _health.ConsecutiveFailures);
                await publisher.ResetAsync().ConfigureAwait(false);
                try
                {
                    await Task.Delay(Jitter(backoff), _clock, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }

        await listener.ConfigureAwait(false);
        LogStopped(_logger, _name);
    }

    /// <summary>Claims one batch, publishes it, records the outcome per row, commits. Returns the claimed count and a broker failure, if any.</summary>
    private async Task<(int Claimed, string? BrokerFailure)> RelayBatchAsync(RabbitMqOutboxPublisher publisher, CancellationToken stoppingToken)
    {
        await using var batch = await OutboxBatch.ClaimAsync(_dataSource, _options.BatchSize, _options.MaxRowRetryDelay, stoppingToken).ConfigureAwait(false);
        if (batch.Messages.Count == 0)
        {
            _health.RecordSuccess(_clock.GetUtcNow(), 0);
            return (0, null);
        }

        IReadOnlyList<PublishOutcome> outcomes;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            timeout.CancelAfter(_options.PublishTimeout);
            outcomes = await publisher.PublishAsync(batch.Messages, timeout.Token).ConfigureAwait(false);
        }

        var sent = outcomes.Where(o => o.Confirmed).Select(o => o.Message.Id).ToList();
        await batch.MarkSentAsync(sent, stoppingToken).ConfigureAwait(false);
        foreach (var failed in outcomes.Where(o => !o.Confirmed && !o.BrokerFailure))
        {
            LogRowFailed(_logger, failed.Message.MessageId, failed.Message.Exchange, failed.Error!);
            await batch.MarkFailedAsync(failed.Message.Id, failed.Error!, stoppingToken).ConfigureAwait(false);
        }

        // Commit even when the broker failed mid-batch: the confirmed rows are on the broker.
        await batch.CommitAsync(stoppingToken).ConfigureAwait(false);
        var brokerFailure = outcomes.FirstOrDefault(o => o.BrokerFailure)?.Error;
        if (brokerFailure is null)
        {
            _health.RecordSuccess(_clock.GetUtcNow(), sent.Count);
        }

        LogBatch(_logger, batch.Messages.Count, sent.Count, outcomes.Count(o => !o.Confirmed));
        return (batch.Messages.Count, brokerFailure);
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(_options.PollInterval);
        try
        {
            await _wakeUps.Reader.WaitToReadAsync(poll.Token).ConfigureAwait(false);
            _wakeUps.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Poll interval elapsed: look anyway.
        }
    }

    /// <summary>LISTENs on a dedicated connection; reconnects with backoff. A wake-up hint only: the poll covers gaps.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var backoff = _options.MinBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, _) => WakeUp();
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxConventions.NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                backoff = _options.MinBackoff;
                WakeUp(); // rows may have been written while nobody listened
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Wake up now and then to notice a silently dead connection.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken).ConfigureAwait(false))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The listener is an optimisation; polling continues while it reconnects.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogListenFailed(_logger, ex, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(Jitter(backoff), _clock, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

#pragma warning disable CA5394 // Jitter, not security.
    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay {RelayName} started (batch size {BatchSize})")]
    private static partial void LogStarted(ILogger logger, string relayName, int batchSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay {RelayName} stopped")]
    private static partial void LogStopped(ILogger logger, string relayName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox batch: {Claimed} claimed, {Sent} sent, {Failed} not sent")]
    private static partial void LogBatch(ILogger logger, int claimed, int sent, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox cleanup deleted {Deleted} expired sent row(s)")]
    private static partial void LogCleaned(ILogger logger, int deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId} to {Exchange} not published, stays pending: {Error}")]
    private static partial void LogRowFailed(ILogger logger, Guid messageId, string exchange, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay cycle failed (broker or database); retrying in about {BackoffMs} ms ({ConsecutiveFailures} in a row)")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception, double backoffMs, int consecutiveFailures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox LISTEN connection failed; polling continues, reconnecting in about {BackoffMs} ms")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, double backoffMs);
}

/// <summary>The broker failed during a batch; the relay reconnects.</summary>
public sealed class OutboxRelayException : Exception
{
    public OutboxRelayException()
    {
    }

    public OutboxRelayException(string message)
        : base(message)
    {
    }

    public OutboxRelayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
