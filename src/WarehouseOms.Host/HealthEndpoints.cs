using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Outbox;

namespace WarehouseOms.Host;

/// <summary>
/// <c>/health/live</c>: the process answers (no dependency checks, so an outage never restarts it).
/// <c>/health/ready</c>: PostgreSQL, the bus, Temporal, the outbox relay and the outbox backlog (checks tagged "ready").
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddWarehouseHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<BusReadinessHealthCheck>("bus", tags: [ReadyTag])
            .AddCheck<PostgresHealthCheck>("postgresql", tags: [ReadyTag])
            .AddCheck<TemporalHealthCheck>("temporal", tags: [ReadyTag])
            .AddCheck<OutboxRelayHealthCheck>("outbox-relay", tags: [ReadyTag])
            .AddCheck<OutboxBacklogHealthCheck>("outbox-backlog", tags: [ReadyTag]);
        return services;
    }

    public static WebApplication MapWarehouseHealthEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, error = e.Value.Exception?.Message }),
        }));
    }
}

internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL unreachable", ex);
        }
    }
}

internal sealed class TemporalHealthCheck(ITemporalClient client, TemporalEngineInfo engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetSystemInfo is the call every SDK makes on connect: cheap, and served by every frontend.
            await client.Connection.WorkflowService.GetSystemInfoAsync(
                new GetSystemInfoRequest(),
                new RpcOptions { CancellationToken = cancellationToken, Timeout = TimeSpan.FromSeconds(5) }).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{engine.Kind}: {engine.Description}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"Temporal unreachable ({engine.Kind}: {engine.Description})", ex);
        }
    }
}
