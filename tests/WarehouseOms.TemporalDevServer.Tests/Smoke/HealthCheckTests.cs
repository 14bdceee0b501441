using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Temporalio.Client;

namespace WarehouseOms.TemporalDevServer.Tests.Smoke;

/// <summary>
/// grpc.health.v1.Health as Temporal's frontend serves it: the SDK's health check, each hosted service by name,
/// NOT_FOUND for a service it does not host, and NOT_SERVING once the server starts to stop.
/// </summary>
public sealed class HealthCheckTests
{
    private const string WorkflowService = "temporal.api.workflowservice.v1.WorkflowService";

    [Fact(Timeout = 60_000)]
    public async Task The_SDK_health_check_of_a_running_engine_is_true()
    {
        await using var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 });
        var connection = await TemporalConnection.ConnectAsync(new(server.Target));

        Assert.True(await connection.CheckHealthAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task Each_hosted_service_is_serving_and_another_is_not_found()
    {
        await using var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 });
        using var channel = GrpcChannel.ForAddress($"http://{server.Target}");
        var health = new Health.HealthClient(channel);

        foreach (var service in new[] { string.Empty, WorkflowService, "temporal.api.operatorservice.v1.OperatorService" })
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new() { Service = service })).Status);
        }

        var missing = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new() { Service = "temporal.api.adminservice.v1.AdminService" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_watcher_hears_not_serving_when_the_engine_stops()
    {
        var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 });
        using var channel = GrpcChannel.ForAddress($"http://{server.Target}");
        using var watch = new Health.HealthClient(channel).Watch(new() { Service = WorkflowService });
        var statuses = watch.ResponseStream;
        Assert.True(await statuses.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, statuses.Current.Status);

        var stopping = server.DisposeAsync().AsTask();

        Assert.True(await statuses.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, statuses.Current.Status);
        await stopping;
    }
}
