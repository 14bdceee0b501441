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

    [Fact(Timeout = 150_000)]
    public async Task PinnedRun_ItsOptions_ManagerAndMetadata_SurviveAKill_AndThePinnedRunFinishesOnItsVersion()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var service = client.Connection.WorkflowService;
        var ns = client.Options.Namespace;
        var queue = $"tq-pinned-{Guid.NewGuid():N}";
        var name = $"dep-{Guid.NewGuid():N}";
        TemporalWorkerOptions Worker(string buildId) => new TemporalWorkerOptions(queue)
        {
            MaxCachedWorkflows = 0, // every task through the normal queue, where the pin decides
            DeploymentOptions = new(new DeploymentVersion(name, buildId), useWorkerVersioning: true) { DefaultVersioningBehavior = Temporalio.Common.VersioningBehavior.Pinned },
        }.AddWorkflow<VersionedStepsWorkflow>().AddAllActivities(new BuildProbe(buildId));

        var workflowId = $"pinned-{Guid.NewGuid():N}";
        await using (WorkerRun.Start(client, Worker("b1"), deadline.Token))
        {
            await service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = ns, DeploymentName = name, BuildId = "b1", AllowNoPollers = true, Identity = "operator" });
            await client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), new(workflowId, queue));
            await Eventually.UntilAsync(
                () => service.DescribeWorkflowExecutionAsync(new() { Namespace = ns, Execution = new() { WorkflowId = workflowId } }),
                d => d.WorkflowExecutionInfo.VersioningInfo is not null && d.PendingActivities.Count == 0 && d.PendingWorkflowTask is null,
                "the first step on b1", cancellationToken: deadline.Token);
        }

        await service.SetWorkerDeploymentCurrentVersionAsync(
            new() { Namespace = ns, DeploymentName = name, BuildId = "b2", AllowNoPollers = true, Identity = "operator" });
        var pin = new Temporalio.Api.Workflow.V1.VersioningOverride
        {
            Pinned = new() { Behavior = Temporalio.Api.Workflow.V1.VersioningOverride.Types.PinnedOverrideBehavior.Pinned, Version = new() { DeploymentName = name, BuildId = "b1" } },
        };
        await service.UpdateWorkflowExecutionOptionsAsync(new()
        {
            Namespace = ns,
            WorkflowExecution = new() { WorkflowId = workflowId },
            WorkflowExecutionOptions = new() { VersioningOverride = pin, Priority = new() { PriorityKey = 3 } },
            UpdateMask = new() { Paths = { "versioning_override", "priority" } },
        });
        await service.SetWorkerDeploymentManagerAsync(new() { Namespace = ns, DeploymentName = name, Self = true, Identity = "operator" });
        await service.UpdateWorkerDeploymentVersionMetadataAsync(new()
        {
            Namespace = ns,
            DeploymentVersion = new() { DeploymentName = name, BuildId = "b2" },
            UpsertEntries = { ["owner"] = new Temporalio.Api.Common.V1.Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8("team-a") } },
            Identity = "operator",
        });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var run = await Retry.WhileUnavailableAsync(
            () => service.DescribeWorkflowExecutionAsync(new() { Namespace = ns, Execution = new() { WorkflowId = workflowId } }), deadline.Token);
        Assert.Equal(VersioningBehavior.Pinned, run.WorkflowExecutionInfo.VersioningInfo.Behavior);
        Assert.Equal("b1", run.WorkflowExecutionInfo.VersioningInfo.DeploymentVersion.BuildId);
        Assert.Equal(pin, run.WorkflowExecutionInfo.VersioningInfo.VersioningOverride);
        Assert.Equal(3, run.WorkflowExecutionInfo.Priority.PriorityKey);
        Assert.Equal("operator", (await service.DescribeWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = name })).WorkerDeploymentInfo.ManagerIdentity);
        var metadata = (await DescribeVersionAsync(service, ns, name, "b2")).WorkerDeploymentVersionInfo.Metadata;
        Assert.Equal("team-a", Assert.Single(metadata.Entries).Value.Data.ToStringUtf8());

        // Both versions poll again; the run's next tasks go to b1, to which it is pinned, not to the current b2.
        await using (WorkerRun.Start(client, Worker("b1"), deadline.Token))
        await using (WorkerRun.Start(client, Worker("b2"), deadline.Token))
        {
            var handle = client.GetWorkflowHandle<VersionedStepsWorkflow>(workflowId);
            await handle.SignalAsync(wf => wf.ProceedAsync());
            Assert.Equal(["b1", "b1"], await handle.GetResultAsync<List<string>>(rpcOptions: new() { CancellationToken = deadline.Token }));
        }
    }

    [Fact(Timeout = 150_000)]
    public async Task CreatedDeploymentAndVersion_SurviveAKill_WithTheirRequestIds_AndAWorkerJoinsTheVersion()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var service = client.Connection.WorkflowService;
        var ns = client.Options.Namespace;
        var queue = $"tq-created-{Guid.NewGuid():N}";
        var name = $"dep-{Guid.NewGuid():N}";
        CreateWorkerDeploymentRequest CreateDeployment(string requestId) => new() { Namespace = ns, DeploymentName = name, Identity = "operator", RequestId = requestId };
        CreateWorkerDeploymentVersionRequest CreateVersion(string requestId) =>
            new() { Namespace = ns, DeploymentVersion = new() { DeploymentName = name, BuildId = "b1" }, Identity = "operator", RequestId = requestId };

        var created = await service.CreateWorkerDeploymentAsync(CreateDeployment("d-1"));
        await service.CreateWorkerDeploymentVersionAsync(CreateVersion("v-1"));

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(
            () => service.DescribeWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = name }), deadline.Token);
        Assert.Equal(created.ConflictToken, described.ConflictToken);
        Assert.Equal("operator", described.WorkerDeploymentInfo.LastModifierIdentity);
        Assert.Equal(WorkerDeploymentVersionStatus.Created, Assert.Single(described.WorkerDeploymentInfo.VersionSummaries).Status);
        Assert.Equal("operator", (await DescribeVersionAsync(service, ns, name, "b1")).WorkerDeploymentVersionInfo.LastModifierIdentity);

        // The creating request IDs were kept: their repeats succeed, others are refused.
        Assert.Equal(created.ConflictToken, (await service.CreateWorkerDeploymentAsync(CreateDeployment("d-1"))).ConflictToken);
        await service.CreateWorkerDeploymentVersionAsync(CreateVersion("v-1"));
        var other = await Assert.ThrowsAsync<RpcException>(() => service.CreateWorkerDeploymentAsync(CreateDeployment("d-2")));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, other.Code);
        var otherVersion = await Assert.ThrowsAsync<RpcException>(() => service.CreateWorkerDeploymentVersionAsync(CreateVersion("v-2")));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, otherVersion.Code);

        await using (WorkerRun.Start(client, new TemporalWorkerOptions(queue)
        {
            DeploymentOptions = new(new DeploymentVersion(name, "b1"), useWorkerVersioning: true) { DefaultVersioningBehavior = Temporalio.Common.VersioningBehavior.Pinned },
        }.AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet), deadline.Token))
        {
            var joined = await Eventually.UntilAsync(
                () => DescribeVersionAsync(service, ns, name, "b1"), v => v.VersionTaskQueues.Count == 2, "the worker's two task queues", cancellationToken: deadline.Token);
            Assert.Equal(WorkerDeploymentVersionStatus.Inactive, joined.WorkerDeploymentVersionInfo.Status);
        }
    }

    private static Task<DescribeWorkerDeploymentVersionResponse> DescribeVersionAsync(WorkflowService service, string ns, string name, string buildId) =>
        service.DescribeWorkerDeploymentVersionAsync(new() { Namespace = ns, DeploymentVersion = new() { DeploymentName = name, BuildId = buildId } });
}
