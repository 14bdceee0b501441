using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>What the relays of this process last saw; read by the readiness check and by tests.</summary>
public sealed class OutboxRelayHealth
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastSuccessAt;
    private string? _lastError;
    private int _consecutiveFailures;
    private long _published;

    public DateTimeOffset? LastSuccessAt
    {
        get
        {
            lock (_gate)
            {
                return _lastSuccessAt;
            }
        }
    }

    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    /// <summary>Failed cycles (broker or database unreachable) since the last good one.</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_gate)
            {
                return _consecutiveFailures;
            }
        }
    }

    /// <summary>Messages this process published and marked sent.</summary>
    public long Published => Interlocked.Read(ref _published);

    internal void RecordSuccess(DateTimeOffset at, int published)
    {
        Interlocked.Add(ref _published, published);
        lock (_gate)
        {
            _lastSuccessAt = at;
            _consecutiveFailures = 0;
            _lastError = null;
        }
    }

    internal void RecordFailure(string error)
    {
        lock (_gate)
        {
            _consecutiveFailures++;
            _lastError = error;
        }
    }
}

/// <summary>Readiness: degraded while the relay cannot reach the broker or the database (events wait in the outbox).</summary>
public sealed class OutboxRelayHealthCheck(OutboxRelayHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failures = health.ConsecutiveFailures;
        var data = new Dictionary<string, object>
        {
            ["consecutiveFailures"] = failures,
            ["published"] = health.Published,
        };
        return Task.FromResult(failures == 0
            ? HealthCheckResult.Healthy("Outbox relay is publishing.", data)
            : HealthCheckResult.Degraded($"Outbox relay failing: {health.LastError}", data: data));
    }
}
