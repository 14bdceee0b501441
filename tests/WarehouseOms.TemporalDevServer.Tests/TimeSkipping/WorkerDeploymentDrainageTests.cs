using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using DeploymentVersion = Temporalio.Common.WorkerDeploymentVersion;

namespace WarehouseOms.TemporalDevServer.Tests.TimeSkipping;

/// <summary>
/// Drainage as Temporal reports it: past the 3-minute grace period a version stays DRAINING while a run
/// pinned to it is open, and is DRAINED once none is. On a time-skipping server, so the grace period passes
/// in virtual time (a timer workflow on an unversioned queue moves the clock).
/// </summary>
public sealed class WorkerDeploymentDrainageTests
{
    [Fact(Timeout = 90_000)]
    public async Task A_version_with_an_open_pinned_run_stays_draining_past_the_grace_period_and_drains_when_it_closes()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(70));
        await using var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0, TimeSkipping = true }, deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
        var service = client.Connection.WorkflowService;
        var ns = client.Options.Namespace;
        var (queue, clockQueue, name) = ($"tq-drain-{Guid.NewGuid():N}", $"tq-clock-{Guid.NewGuid():N}", $"dep-{Guid.NewGuid():N}");
        var rpc = new RpcOptions { CancellationToken = deadline.Token };

        using var pinnedWorker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
        {
            DeploymentOptions = new(new DeploymentVersion(name, "b1"), useWorkerVersioning: true) { DefaultVersioningBehavior = Temporalio.Common.VersioningBehavior.Pinned },
        }.AddWorkflow<VersionedStepsWorkflow>().AddAllActivities(new BuildProbe("b1")));
        using var clockWorker = new TemporalWorker(client, new TemporalWorkerOptions(clockQueue).AddWorkflow<TimerWorkflow>());
        await pinnedWorker.ExecuteAsync(() => clockWorker.ExecuteAsync(async () =>
        {
            await service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = ns, DeploymentName = name, BuildId = "b1", AllowNoPollers = true, Identity = "operator" }, rpc);
            var pinned = await client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), new($"pinned-{Guid.NewGuid():N}", queue));
            await Eventually.UntilAsync(
                () => service.DescribeWorkflowExecutionAsync(new() { Namespace = ns, Execution = new() { WorkflowId = pinned.Id } }, rpc),
                d => d.WorkflowExecutionInfo.VersioningInfo?.Behavior == VersioningBehavior.Pinned && d.PendingActivities.Count == 0 && d.PendingWorkflowTask is null,
                "the run pinned to b1", cancellationToken: deadline.Token);
            await service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = ns, DeploymentName = name, BuildId = "b2", AllowNoPollers = true, Identity = "operator" }, rpc);

            await PassTheGracePeriodAsync(client, clockQueue, deadline.Token);
            var draining = await VersionAsync(service, ns, name, rpc);
            Assert.Equal(WorkerDeploymentVersionStatus.Draining, draining.Status);
            Assert.Equal(VersionDrainageStatus.Draining, draining.DrainageInfo.Status);
            Assert.True(draining.DrainageInfo.LastCheckedTime.ToDateTime() - draining.DrainageInfo.LastChangedTime.ToDateTime() >= TimeSpan.FromMinutes(3));

            await pinned.SignalAsync(wf => wf.ProceedAsync(), new() { Rpc = rpc });
            Assert.Equal(["b1", "b1"], await pinned.GetResultAsync(rpcOptions: rpc));
            var drained = await VersionAsync(service, ns, name, rpc);
            Assert.Equal(WorkerDeploymentVersionStatus.Drained, drained.Status);
            Assert.Equal(VersionDrainageStatus.Drained, drained.DrainageInfo.Status);
        }, deadline.Token), deadline.Token);
    }

    private static async Task PassTheGracePeriodAsync(ITemporalClient client, string clockQueue, CancellationToken cancellationToken)
    {
        var reading = await client.ExecuteWorkflowAsync(
            (TimerWorkflow wf) => wf.RunAsync(TimeSpan.FromMinutes(4).TotalSeconds),
            new($"clock-{Guid.NewGuid():N}", clockQueue) { Rpc = new() { CancellationToken = cancellationToken } });
        Assert.True(reading.After - reading.Before >= TimeSpan.FromMinutes(4));
    }

    private static async Task<Temporalio.Api.Deployment.V1.WorkerDeploymentVersionInfo> VersionAsync(WorkflowService service, string ns, string name, RpcOptions rpc) =>
        (await service.DescribeWorkerDeploymentVersionAsync(
            new() { Namespace = ns, DeploymentVersion = new() { DeploymentName = name, BuildId = "b1" } }, rpc)).WorkerDeploymentVersionInfo;
}
