using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>What waits in the outbox: pending rows and the age of the oldest (zero when none).</summary>
public sealed record OutboxBacklog(long Pending, TimeSpan OldestPendingAge)
{
    /// <summary>One query on the pending-rows index; the age by the database's clock, the one that stamped the rows.</summary>
    public static async Task<OutboxBacklog> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            """
            SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::double precision
            FROM messaging.outbox_messages
            WHERE state = 'pending'
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new OutboxBacklog(reader.GetInt64(0), TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(1))));
    }
}

/// <summary>
/// Readiness: Degraded while the oldest pending outbox row is older than <c>Outbox:DegradedAfter</c>
/// (events announced in the database are not reaching the broker).
/// </summary>
public sealed class OutboxBacklogHealthCheck(NpgsqlDataSource dataSource, IOptions<OutboxRelayOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var threshold = options.Value.DegradedAfter;
        try
        {
            var backlog = await OutboxBacklog.ReadAsync(dataSource, cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object>
            {
                ["pending"] = backlog.Pending,
                ["oldestPendingAgeSeconds"] = Math.Round(backlog.OldestPendingAge.TotalSeconds, 1),
            };
            return backlog.OldestPendingAge > threshold
                ? HealthCheckResult.Degraded(
                    $"{backlog.Pending} outbox message(s) pending, the oldest for {backlog.OldestPendingAge:d\\.hh\\:mm\\:ss} (over Outbox:DegradedAfter {threshold:c}).",
                    data: data)
                : HealthCheckResult.Healthy($"{backlog.Pending} outbox message(s) pending.", data);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("Outbox backlog unknown: PostgreSQL unreachable", ex);
        }
    }
}
