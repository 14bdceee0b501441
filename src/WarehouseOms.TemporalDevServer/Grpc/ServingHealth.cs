using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>
/// grpc.health.v1.Health as Temporal's frontend serves it: the overall status ("") and each service it hosts by
/// full name, SERVING while calls are taken and NOT_SERVING from the start of shutdown, so that a client's
/// health check (the SDK's <c>CheckHealthAsync</c>, grpc-health-probe, a load balancer) sees the engine as it
/// would see Temporal. An unknown service name is NOT_FOUND.
/// </summary>
internal sealed class ServingHealth
{
    private static readonly string[] Services = [string.Empty, ServiceNames.WorkflowService, ServiceNames.OperatorService];

    public HealthServiceImpl Service { get; } = new();

    public void Serving() => Set(HealthCheckResponse.Types.ServingStatus.Serving);

    public void ShuttingDown() => Set(HealthCheckResponse.Types.ServingStatus.NotServing);

    private void Set(HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in Services)
        {
            Service.SetStatus(service, status);
        }
    }
}
