using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WarehouseOms.Messaging;

/// <summary>
/// Readiness of the bus. MassTransit's own check reports a broker it cannot reach as Degraded, which
/// <c>/health/ready</c> answers with 200; a service that can neither consume nor publish is not ready, so a
/// health that carries the connection's failure is Unhealthy (503) here. Degraded without a failure (endpoints
/// still starting, one stopped on purpose) stays Degraded.
/// </summary>
public sealed class BusReadinessHealthCheck(IBusControl bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = bus.CheckHealth();
        return Task.FromResult(health.Status switch
        {
            BusHealthStatus.Healthy => HealthCheckResult.Healthy(health.Description),
            BusHealthStatus.Degraded when health.Exception is null => HealthCheckResult.Degraded(health.Description),
            _ => HealthCheckResult.Unhealthy(health.Description, health.Exception),
        });
    }
}
