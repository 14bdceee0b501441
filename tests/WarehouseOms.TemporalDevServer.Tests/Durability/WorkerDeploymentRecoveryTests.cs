using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using DeploymentVersion = Temporalio.Common.WorkerDeploymentVersion;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>Worker deployments on the PostgreSQL store survive a SIGKILL of the engine, as Temporal keeps them.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class WorkerDeploymentRecoveryTests
{
    [Fact(Timeout = 150_000)]
    public async Task Deployment_SurvivesAKill_WithItsRoutingConflictTokenAndTaskQueues_ButNotItsPollers()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var service = client.Connection.WorkflowService;
        var ns = client.Options.Namespace;
        var queue = $"tq-deploy-{Guid.NewGuid():N}";
        var name = $"dep-{Guid.NewGuid():N}";

        await using (WorkerRun.Start(client, new TemporalWorkerOptions(queue)
        {
            DeploymentOptions = new(new DeploymentVersion(name, "b1"), useWorkerVersioning: true) { DefaultVersioningBehavior = Temporalio.Common.VersioningBehavior.Pinned },
        }.AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), deadline.Token))
        {
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        return (await DescribeVersionAsync(service, ns, name, "b1")).VersionTaskQueues.Count;
                    }
                    catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
                    {
                        return 0;
                    }
                },
                count => count == 2, "the worker's two task queues", cancellationToken: deadline.Token);
        }

        await service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = ns, DeploymentName = name, BuildId = "b1", Identity = "operator" });
        var ramp = await service.SetWorkerDeploymentRampingVersionAsync(
            new() { Namespace = ns, DeploymentName = name, BuildId = "b2", Percentage = 30, AllowNoPollers = true, Identity = "operator" });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(
            () => service.DescribeWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = name }), deadline.Token);
        Assert.Equal(ramp.ConflictToken, described.ConflictToken);
        Assert.Equal("operator", described.WorkerDeploymentInfo.LastModifierIdentity);
        var routing = described.WorkerDeploymentInfo.RoutingConfig;
        Assert.Equal("b1", routing.CurrentDeploymentVersion.BuildId);
        Assert.Equal("b2", routing.RampingDeploymentVersion.BuildId);
        Assert.Equal(30, routing.RampingVersionPercentage);
        var b1 = await DescribeVersionAsync(service, ns, name, "b1");
        Assert.Equal(WorkerDeploymentVersionStatus.Current, b1.WorkerDeploymentVersionInfo.Status);
        Assert.Equal(
            [(queue, TaskQueueType.Workflow), (queue, TaskQueueType.Activity)],
            b1.VersionTaskQueues.Select(q => (q.Name, q.Type)).OrderBy(q => q.Type));

        // Pollers are not kept (nor are they by Temporal's matching): with no worker since the restart, the
        // drained-out version goes at once.
        await service.SetWorkerDeploymentCurrentVersionAsync(
            new() { Namespace = ns, DeploymentName = name, BuildId = "b2", ConflictToken = described.ConflictToken, Identity = "operator" });
        await service.DeleteWorkerDeploymentVersionAsync(
            new() { Namespace = ns, DeploymentVersion = new() { DeploymentName = name, BuildId = "b1" }, SkipDrainage = true, Identity = "operator" });
        var gone = await Assert.ThrowsAsync<RpcException>(() => DescribeVersionAsync(service, ns, name, "b1"));
        Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
    }

    private static Task<DescribeWorkerDeploymentVersionResponse> DescribeVersionAsync(WorkflowService service, string ns, string name, string buildId) =>
        service.DescribeWorkerDeploymentVersionAsync(new() { Namespace = ns, DeploymentVersion = new() { DeploymentName = name, BuildId = buildId } });
}
