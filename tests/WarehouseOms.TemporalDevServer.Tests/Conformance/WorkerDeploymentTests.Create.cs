using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Explicit creation (CreateWorkerDeployment, CreateWorkerDeploymentVersion), as Temporal's worker-deployment
/// client and workflow answer it: idempotent by request ID, ALREADY_EXISTS otherwise, a created version
/// CREATED until a worker of it polls.
/// </summary>
public sealed partial class WorkerDeploymentTests
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_created_deployment_is_described_and_listed_and_its_request_id_makes_a_repeat_idempotent()
    {
        var created = await Service.CreateWorkerDeploymentAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator, RequestId = "create-1" }, Rpc);
        Assert.False(created.ConflictToken.IsEmpty);

        var described = await DescribeAsync();
        Assert.Equal(created.ConflictToken, described.ConflictToken);
        var info = described.WorkerDeploymentInfo;
        Assert.Equal(deployment, info.Name);
        Assert.NotNull(info.CreateTime);
        Assert.Equal(Operator, info.LastModifierIdentity);
        Assert.Empty(info.VersionSummaries);
        Assert.Null(info.RoutingConfig.CurrentDeploymentVersion); // unversioned
        var listed = Assert.Single(await ListAllAsync(pageSize: 0), d => d.Name == deployment);
        Assert.Null(listed.LatestVersionSummary);

        // The same request ID answers the deployment's current token, here changed since by a manager change.
        var managed = await Service.SetWorkerDeploymentManagerAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, Self = true, Identity = Operator, ConflictToken = created.ConflictToken }, Rpc);
        var again = await Service.CreateWorkerDeploymentAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, Identity = "someone-else", RequestId = "create-1" }, Rpc);
        Assert.Equal(managed.ConflictToken, again.ConflictToken);
        Assert.Equal(Operator, (await DescribeAsync()).WorkerDeploymentInfo.LastModifierIdentity);

        var other = await Assert.ThrowsAsync<RpcException>(() => Service.CreateWorkerDeploymentAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator, RequestId = "create-2" }, Rpc));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, other.Code);
        Assert.Equal($"Worker Deployment with name \"{deployment}\" already exists", other.Message);

        // No request ID: Temporal's frontend makes one up, which never matches.
        var none = await Assert.ThrowsAsync<RpcException>(() => Service.CreateWorkerDeploymentAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator }, Rpc));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, none.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Creating_a_deployment_a_versioned_worker_created_names_the_polls()
    {
        await WithWorkerAsync(VersionedWorker("b1"), async () =>
        {
            await RegisteredAsync("b1");
            var refused = await Assert.ThrowsAsync<RpcException>(() => Service.CreateWorkerDeploymentAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator, RequestId = "r" }, Rpc));
            Assert.Equal(RpcException.StatusCode.AlreadyExists, refused.Code);
            Assert.Equal($"Worker Deployment with name \"{deployment}\" already exists (auto-created from worker polls)", refused.Message);

            var version = await Assert.ThrowsAsync<RpcException>(() => CreateVersionAsync("b1", "r"));
            Assert.Equal(RpcException.StatusCode.AlreadyExists, version.Code);
            Assert.Equal($"Worker Deployment Version \"{deployment}.b1\" already exists", version.Message);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_created_version_is_created_until_its_worker_polls_then_inactive_with_its_task_queues()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => CreateVersionAsync("b1", "v-1"));
        Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);
        Assert.Equal($"no Worker Deployment found with name '{deployment}'; does your Worker Deployment have pollers?", missing.Message);

        await Service.CreateWorkerDeploymentAsync(new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator, RequestId = "d-1" }, Rpc);
        await CreateVersionAsync("b1", "v-1");
        await CreateVersionAsync("b1", "v-1"); // the same request ID: idempotent

        var again = await Assert.ThrowsAsync<RpcException>(() => CreateVersionAsync("b1", "v-2"));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, again.Code);
        Assert.Equal($"Worker Deployment Version \"{deployment}.b1\" already exists", again.Message);

        var created = (await VersionAsync("b1")).WorkerDeploymentVersionInfo;
        Assert.Equal(WorkerDeploymentVersionStatus.Created, created.Status);
        Assert.Equal("b1", created.DeploymentVersion.BuildId);
        Assert.Equal("version-creator", created.LastModifierIdentity);
        Assert.NotNull(created.CreateTime);
        Assert.Empty(created.TaskQueueInfos);
        var summary = Assert.Single((await DescribeAsync()).WorkerDeploymentInfo.VersionSummaries);
        Assert.Equal(WorkerDeploymentVersionStatus.Created, summary.Status);
        Assert.Equal(WorkerDeploymentVersionStatus.Created, Assert.Single(await ListAllAsync(pageSize: 0), d => d.Name == deployment).LatestVersionSummary.Status);

        // A worker of that version joins it: the same version, now INACTIVE with the worker's task queues, and
        // it can be made current and run a workflow.
        await WithWorkerAsync(VersionedWorker("b1"), async () =>
        {
            var joined = await RegisteredAsync("b1");
            Assert.Equal(WorkerDeploymentVersionStatus.Inactive, joined.WorkerDeploymentVersionInfo.Status);
            Assert.Equal(created.CreateTime, joined.WorkerDeploymentVersionInfo.CreateTime);
            Assert.Single((await DescribeAsync()).WorkerDeploymentInfo.VersionSummaries);

            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("created"), Options("created"));
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc);
            Assert.Equal("Hello, created!", await handle.GetResultAsync(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Creation_is_validated_with_temporals_messages_and_compute_configs_are_refused()
    {
        async Task<RpcException> DeploymentRefusedAsync(string name) => await Assert.ThrowsAsync<RpcException>(() =>
            Service.CreateWorkerDeploymentAsync(new() { Namespace = Namespace, DeploymentName = name, Identity = Operator }, Rpc));
        async Task<RpcException> VersionRefusedAsync(string name, string buildId) => await Assert.ThrowsAsync<RpcException>(() =>
            Service.CreateWorkerDeploymentVersionAsync(
                new() { Namespace = Namespace, DeploymentVersion = new() { DeploymentName = name, BuildId = buildId }, Identity = Operator }, Rpc));

        foreach (var (refusal, message) in new[]
        {
            (await DeploymentRefusedAsync(string.Empty), "deployment name cannot be empty"),
            (await DeploymentRefusedAsync("a.b"), "worker deployment name cannot contain '.'"),
            (await DeploymentRefusedAsync("a:b"), "worker deployment name cannot contain ':'"),
            (await DeploymentRefusedAsync("__a"), "WorkerDeploymentName cannot start with '__'"),
            (await DeploymentRefusedAsync(new string('x', 481)), "size of WorkerDeploymentName larger than the maximum allowed"),
            (await VersionRefusedAsync(string.Empty, "b1"), "deployment name cannot be empty"),
            (await VersionRefusedAsync(deployment, string.Empty), "build ID cannot be empty"),
            (await VersionRefusedAsync(deployment, "__b"), "BuildID cannot start with '__'"),
        })
        {
            Assert.Equal(RpcException.StatusCode.InvalidArgument, refusal.Code);
            Assert.Equal(message, refusal.Message);
        }

        await Service.CreateWorkerDeploymentAsync(new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator }, Rpc);
        var compute = await Assert.ThrowsAsync<RpcException>(() => Service.CreateWorkerDeploymentVersionAsync(new()
        {
            Namespace = Namespace,
            DeploymentVersion = new() { DeploymentName = deployment, BuildId = "b1" },
            ComputeConfig = new() { ScalingGroups = { ["default"] = new() { Provider = new() { Type = "aws-lambda" } } } },
        }, Rpc));
        Assert.Equal(RpcException.StatusCode.Unimplemented, compute.Code);
        var notCreated = await Assert.ThrowsAsync<RpcException>(() => VersionAsync("b1"));
        Assert.Equal(RpcException.StatusCode.NotFound, notCreated.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_namespace_holds_at_most_a_hundred_deployments()
    {
        var ns = $"ns-deployments-{Guid.NewGuid():N}";
        await Service.RegisterNamespaceAsync(new() { Namespace = ns, WorkflowExecutionRetentionPeriod = Duration.FromTimeSpan(TimeSpan.FromDays(1)) }, Rpc);
        for (var i = 0; i < 100; i++)
        {
            await Service.CreateWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = $"dep-{i}", Identity = Operator }, Rpc);
        }

        var full = await Assert.ThrowsAsync<RpcException>(() =>
            Service.CreateWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = "dep-100", Identity = Operator }, Rpc));
        Assert.Equal(RpcException.StatusCode.ResourceExhausted, full.Code);
        Assert.Equal("reached maximum deployments in namespace (100)", full.Message);

        // Deleting one makes room again.
        await Service.DeleteWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = "dep-0", Identity = Operator }, Rpc);
        await Service.CreateWorkerDeploymentAsync(new() { Namespace = ns, DeploymentName = "dep-100", Identity = Operator }, Rpc);
    }

    private Task CreateVersionAsync(string buildId, string requestId) =>
        Service.CreateWorkerDeploymentVersionAsync(new()
        {
            Namespace = Namespace,
            DeploymentVersion = new() { DeploymentName = deployment, BuildId = buildId },
            Identity = "version-creator",
            RequestId = requestId,
        }, Rpc);
}
