// The deprecated (v0.31) fields are asserted too: Temporal still fills them and older clients read them.
#pragma warning disable CS0612

using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;
using DeploymentVersion = Temporalio.Common.WorkerDeploymentVersion;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Worker deployments (Worker Versioning): a versioned worker's polls create its deployment and version,
/// and the deployment RPCs route, refuse and delete as Temporal does, with its codes and messages.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed partial class WorkerDeploymentTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const string Operator = "operator-a";

    private readonly string deployment = $"dep-{Guid.NewGuid():N}";

    private WorkflowService Service => Client.Connection.WorkflowService;

    private string Namespace => Client.Options.Namespace;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_versioned_workers_polls_create_its_deployment_and_version_with_both_task_queues()
    {
        await WithWorkerAsync(VersionedWorker("b1"), async () =>
        {
            var version = await RegisteredAsync("b1");
            Assert.Equal($"{deployment}.b1", version.WorkerDeploymentVersionInfo.Version);
            Assert.Equal(new() { DeploymentName = deployment, BuildId = "b1" }, version.WorkerDeploymentVersionInfo.DeploymentVersion);
            Assert.Equal(WorkerDeploymentVersionStatus.Inactive, version.WorkerDeploymentVersionInfo.Status);
            Assert.Null(version.WorkerDeploymentVersionInfo.DrainageInfo);
            Assert.Equal(
                [(TaskQueue, TaskQueueType.Workflow), (TaskQueue, TaskQueueType.Activity)],
                version.VersionTaskQueues.Select(q => (q.Name, q.Type)).OrderBy(q => q.Type));

            var described = await DescribeAsync();
            var info = described.WorkerDeploymentInfo;
            Assert.Equal(deployment, info.Name);
            Assert.NotNull(info.CreateTime);
            Assert.Equal("__unversioned__", info.RoutingConfig.CurrentVersion);
            Assert.Null(info.RoutingConfig.CurrentDeploymentVersion);
            Assert.Equal(string.Empty, info.RoutingConfig.RampingVersion);
            Assert.False(described.ConflictToken.IsEmpty);
            var summary = Assert.Single(info.VersionSummaries);
            Assert.Equal("b1", summary.DeploymentVersion.BuildId);
            Assert.Equal(WorkerDeploymentVersionStatus.Inactive, summary.Status);

            var listed = await ListAllAsync(pageSize: 0);
            Assert.Contains(listed, d => d.Name == deployment && d.LatestVersionSummary.DeploymentVersion.BuildId == "b1" && d.CurrentVersionSummary is null);

            // As in Temporal, a versioned worker takes only its version's tasks: with no current version the
            // workflow waits, and runs (pinned by the worker's default behavior) once b1 is made current.
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("versioned"), Options("versioned"));
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc);
            Assert.Equal("Hello, versioned!", await handle.GetResultAsync(rpcOptions: Rpc));
            var completed = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Where(e => e.EventType == EventType.WorkflowTaskCompleted).ToList();
            Assert.All(completed, e => Assert.Equal("b1", e.WorkflowTaskCompletedEventAttributes.DeploymentVersion.BuildId));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Current_and_ramping_versions_are_set_with_conflict_tokens_previous_versions_and_statuses()
    {
        await WithWorkerAsync(VersionedWorker("b1"), () => WithWorkerAsync(VersionedWorker("b2"), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync("b2");
            var token = (await DescribeAsync()).ConflictToken;

            // v0.32 fields: the build ID.
            var current = await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", ConflictToken = token, Identity = Operator }, Rpc);
            Assert.Equal("__unversioned__", current.PreviousVersion);
            Assert.Null(current.PreviousDeploymentVersion);
            Assert.NotEqual(token, current.ConflictToken);

            var stale = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentRampingVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Percentage = 10, ConflictToken = token, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, stale.Code);
            Assert.Equal("conflict token mismatch", stale.Message);

            // The deprecated version string, "name.buildId".
            var ramp = await Service.SetWorkerDeploymentRampingVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Version = $"{deployment}.b2", Percentage = 25, ConflictToken = current.ConflictToken, Identity = Operator }, Rpc);
            Assert.Equal(string.Empty, ramp.PreviousVersion);
            Assert.Equal(0, ramp.PreviousPercentage);

            var described = await DescribeAsync();
            Assert.Equal(ramp.ConflictToken, described.ConflictToken);
            Assert.Equal(Operator, described.WorkerDeploymentInfo.LastModifierIdentity);
            var routing = described.WorkerDeploymentInfo.RoutingConfig;
            Assert.Equal($"{deployment}.b1", routing.CurrentVersion);
            Assert.Equal("b1", routing.CurrentDeploymentVersion.BuildId);
            Assert.Equal("b2", routing.RampingDeploymentVersion.BuildId);
            Assert.Equal(25, routing.RampingVersionPercentage);
            Assert.NotNull(routing.CurrentVersionChangedTime);
            Assert.NotNull(routing.RampingVersionChangedTime);
            Assert.Equal(WorkerDeploymentVersionStatus.Current, (await VersionAsync("b1")).WorkerDeploymentVersionInfo.Status);
            var ramping = (await VersionAsync("b2")).WorkerDeploymentVersionInfo;
            Assert.Equal(WorkerDeploymentVersionStatus.Ramping, ramping.Status);
            Assert.Equal(25, ramping.RampPercentage);

            var alreadyCurrent = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentRampingVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Percentage = 5, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, alreadyCurrent.Code);
            Assert.Equal($"requested ramping version {deployment}.b1 is already current", alreadyCurrent.Message);

            var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "nope", Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);
            Assert.Equal($"build ID 'nope' not found in Worker Deployment '{deployment}'", unknown.Message);

            // Promoting the ramping version: the ramp ends and the former current version drains.
            var promoted = await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Identity = "operator-b" }, Rpc);
            Assert.Equal($"{deployment}.b1", promoted.PreviousVersion);
            Assert.Equal("b1", promoted.PreviousDeploymentVersion.BuildId);
            routing = (await DescribeAsync()).WorkerDeploymentInfo.RoutingConfig;
            Assert.Equal("b2", routing.CurrentDeploymentVersion.BuildId);
            Assert.Equal(string.Empty, routing.RampingVersion);
            Assert.Null(routing.RampingDeploymentVersion);
            Assert.Equal(0, routing.RampingVersionPercentage);
            Assert.Equal(WorkerDeploymentVersionStatus.Current, (await VersionAsync("b2")).WorkerDeploymentVersionInfo.Status);
            var drained = (await VersionAsync("b1")).WorkerDeploymentVersionInfo;
            Assert.Equal(WorkerDeploymentVersionStatus.Draining, drained.Status);
            Assert.Equal(VersionDrainageStatus.Draining, drained.DrainageInfo.Status);
            Assert.NotNull(drained.LastDeactivationTime);

            // The same change by the same identity is Temporal's "no change": a success with the latest token.
            var again = await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", ConflictToken = token, Identity = "operator-b" }, Rpc);
            Assert.Equal($"{deployment}.b2", again.PreviousVersion);
            Assert.Equal((await DescribeAsync()).ConflictToken, again.ConflictToken);

            var mismatch = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Version = "other.b2", Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, mismatch.Code);
            Assert.Equal($"invalid version string 'other.b2' does not match deployment name '{deployment}'", mismatch.Message);

            // Back to unversioned workers: an empty build ID.
            var unversioned = await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator }, Rpc);
            Assert.Equal($"{deployment}.b2", unversioned.PreviousVersion);
            Assert.Equal("__unversioned__", (await DescribeAsync()).WorkerDeploymentInfo.RoutingConfig.CurrentVersion);
            Assert.Equal(WorkerDeploymentVersionStatus.Draining, (await VersionAsync("b2")).WorkerDeploymentVersionInfo.Status);
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task New_workflow_tasks_go_to_the_pollers_of_the_current_version()
    {
        await WithWorkerAsync(VersionedWorker("b1"), () => WithWorkerAsync(VersionedWorker("b2"), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync("b2");
            foreach (var build in new[] { "b2", "b1" })
            {
                await Service.SetWorkerDeploymentCurrentVersionAsync(
                    new() { Namespace = Namespace, DeploymentName = deployment, BuildId = build, Identity = Operator }, Rpc);
                for (var i = 0; i < 4; i++)
                {
                    // Both versions poll the queue; each task must be completed by the current one.
                    var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("routed"), Options("routed"));
                    await handle.GetResultAsync(rpcOptions: Rpc);
                    var completed = (await handle.FetchHistoryAsync(HistoryRpc)).Events
                        .Where(e => e.EventType == EventType.WorkflowTaskCompleted).ToList();
                    Assert.NotEmpty(completed);
                    Assert.All(completed, e => Assert.Equal(build, e.WorkflowTaskCompletedEventAttributes.DeploymentVersion?.BuildId));
                }
            }
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Versions_are_deleted_only_when_not_routed_to_not_draining_and_without_pollers()
    {
        await WithWorkerAsync(VersionedWorker("b1"), async () =>
        {
            await RegisteredAsync("b1");
            await Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc);

            var routed = await DeleteVersionRefusedAsync("b1", skipDrainage: false);
            Assert.Equal($"version '{deployment}:b1' cannot be deleted since it is current or ramping", routed.Message);

            await Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator }, Rpc);
            var draining = await DeleteVersionRefusedAsync("b1", skipDrainage: false);
            Assert.Equal($"version '{deployment}:b1' cannot be deleted since it is draining", draining.Message);
            var polled = await DeleteVersionRefusedAsync("b1", skipDrainage: true);
            Assert.Equal($"version '{deployment}:b1' cannot be deleted since it has active pollers", polled.Message);

            var withVersions = await Assert.ThrowsAsync<RpcException>(() => Service.DeleteWorkerDeploymentAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, withVersions.Code);
            Assert.Equal("deployment has versions, can't be deleted", withVersions.Message);
        });

        // A version made with allow_no_pollers has no pollers: once unset and past drainage (skipped) it goes,
        // and so does the deployment without versions.
        var ghost = $"ghost-{Guid.NewGuid():N}";
        await Service.SetWorkerDeploymentRampingVersionAsync(
            new() { Namespace = Namespace, DeploymentName = ghost, BuildId = "g1", Percentage = 50, AllowNoPollers = true, Identity = Operator }, Rpc);
        Assert.Equal(WorkerDeploymentVersionStatus.Ramping, (await VersionAsync("g1", ghost)).WorkerDeploymentVersionInfo.Status);
        var unset = await Service.SetWorkerDeploymentRampingVersionAsync(new() { Namespace = Namespace, DeploymentName = ghost, Identity = Operator }, Rpc);
        Assert.Equal($"{ghost}.g1", unset.PreviousVersion);
        Assert.Equal(50, unset.PreviousPercentage);
        await Service.DeleteWorkerDeploymentVersionAsync(
            new() { Namespace = Namespace, DeploymentVersion = new() { DeploymentName = ghost, BuildId = "g1" }, SkipDrainage = true, Identity = Operator }, Rpc);
        var gone = await Assert.ThrowsAsync<RpcException>(() => VersionAsync("g1", ghost));
        Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
        Assert.Equal("Worker Deployment Version not found", gone.Message);
        Assert.Empty((await DescribeAsync(ghost)).WorkerDeploymentInfo.VersionSummaries);

        await Service.DeleteWorkerDeploymentAsync(new() { Namespace = Namespace, DeploymentName = ghost, Identity = Operator }, Rpc);
        var deleted = await Assert.ThrowsAsync<RpcException>(() => DescribeAsync(ghost));
        Assert.Equal(RpcException.StatusCode.NotFound, deleted.Code);
        Assert.Equal($"no Worker Deployment found with name '{ghost}'; does your Worker Deployment have pollers?", deleted.Message);
        Assert.DoesNotContain(await ListAllAsync(pageSize: 0), d => d.Name == ghost);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Deployments_are_listed_in_pages_of_the_page_size()
    {
        var names = Enumerable.Range(0, 3).Select(i => $"{deployment}-{i}").ToList();
        foreach (var name in names)
        {
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = name, BuildId = "b1", AllowNoPollers = true, Identity = Operator }, Rpc);
        }

        var pages = new List<int>();
        var listed = new List<ListWorkerDeploymentsResponse.Types.WorkerDeploymentSummary>();
        var request = new ListWorkerDeploymentsRequest { Namespace = Namespace, PageSize = 2 };
        do
        {
            var page = await Service.ListWorkerDeploymentsAsync(request, Rpc);
            pages.Add(page.WorkerDeployments.Count);
            listed.AddRange(page.WorkerDeployments);
            request.NextPageToken = page.NextPageToken;
        }
        while (!request.NextPageToken.IsEmpty);

        Assert.All(pages, count => Assert.InRange(count, 1, 2));
        Assert.True(pages.Count >= 2);
        Assert.Equal(listed.Count, listed.Select(d => d.Name).Distinct().Count());
        foreach (var name in names)
        {
            var summary = Assert.Single(listed, d => d.Name == name);
            Assert.Equal("b1", summary.CurrentVersionSummary.DeploymentVersion.BuildId);
            Assert.Equal(WorkerDeploymentVersionStatus.Current, summary.CurrentVersionSummary.Status);
            Assert.Equal($"{name}.b1", summary.RoutingConfig.CurrentVersion);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Unknown_deployments_and_versions_answer_with_temporals_errors()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentCurrentVersionAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);
        Assert.Equal($"no Worker Deployment found with name '{deployment}'; does your Worker Deployment have pollers?", missing.Message);

        var version = await Assert.ThrowsAsync<RpcException>(() => VersionAsync("b1"));
        Assert.Equal(RpcException.StatusCode.NotFound, version.Code);
        Assert.Equal("Worker Deployment Version not found", version.Message);

        var percentage = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentRampingVersionAsync(
            new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Percentage = 101 }, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, percentage.Code);
        Assert.Equal("Percentage must be between 0 and 100 (inclusive)", percentage.Message);

        // Deleting what does not exist succeeds, as in Temporal.
        await Service.DeleteWorkerDeploymentAsync(new() { Namespace = Namespace, DeploymentName = deployment, Identity = Operator }, Rpc);
    }

    private TemporalWorkerOptions VersionedWorker(string buildId) =>
        new TemporalWorkerOptions(TaskQueue)
        {
            DeploymentOptions = new(new DeploymentVersion(deployment, buildId), useWorkerVersioning: true)
            {
                DefaultVersioningBehavior = Temporalio.Common.VersioningBehavior.Pinned,
            },
        }.AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet);

    /// <summary>Waits until the version has both of the worker's task queues (the worker polls both at once, but not at start).</summary>
    private Task<DescribeWorkerDeploymentVersionResponse> RegisteredAsync(string buildId) =>
        Eventually.UntilAsync(() => VersionOrNullAsync(buildId), v => v?.VersionTaskQueues.Count == 2, $"version {buildId} with both task queues", cancellationToken: Deadline)!;

    private async Task<DescribeWorkerDeploymentVersionResponse?> VersionOrNullAsync(string buildId)
    {
        try
        {
            return await VersionAsync(buildId);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return null;
        }
    }

    private Task<DescribeWorkerDeploymentResponse> DescribeAsync(string? name = null) =>
        Service.DescribeWorkerDeploymentAsync(new() { Namespace = Namespace, DeploymentName = name ?? deployment }, Rpc);

    private Task<DescribeWorkerDeploymentVersionResponse> VersionAsync(string buildId, string? name = null) =>
        Service.DescribeWorkerDeploymentVersionAsync(
            new() { Namespace = Namespace, DeploymentVersion = new() { DeploymentName = name ?? deployment, BuildId = buildId } }, Rpc);

    private Task<RpcException> DeleteVersionRefusedAsync(string buildId, bool skipDrainage) =>
        Assert.ThrowsAsync<RpcException>(() => Service.DeleteWorkerDeploymentVersionAsync(
            new() { Namespace = Namespace, DeploymentVersion = new() { DeploymentName = deployment, BuildId = buildId }, SkipDrainage = skipDrainage, Identity = Operator }, Rpc));

    private async Task<List<ListWorkerDeploymentsResponse.Types.WorkerDeploymentSummary>> ListAllAsync(int pageSize)
    {
        var all = new List<ListWorkerDeploymentsResponse.Types.WorkerDeploymentSummary>();
        var request = new ListWorkerDeploymentsRequest { Namespace = Namespace, PageSize = pageSize };
        do
        {
            var page = await Service.ListWorkerDeploymentsAsync(request, Rpc);
            all.AddRange(page.WorkerDeployments);
            request.NextPageToken = page.NextPageToken;
        }
        while (!request.NextPageToken.IsEmpty);
        return all;
    }
}
