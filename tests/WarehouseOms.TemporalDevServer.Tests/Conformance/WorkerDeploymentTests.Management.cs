// previous_manager_identity is deprecated but Temporal still fills it; older clients read it.
#pragma warning disable CS0612

using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Manager identity, version metadata and the missing-task-queue check of routing changes.</summary>
public sealed partial class WorkerDeploymentTests
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_manager_identity_alone_may_change_routing_or_delete_versions_until_it_is_cleared()
    {
        await WithWorkerAsync(VersionedWorker("b1"), async () =>
        {
            await RegisteredAsync("b1");
            var anonymous = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentManagerAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Self = true }, Rpc));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, anonymous.Code);
            Assert.Equal("Identity is required", anonymous.Message);

            var set = await Service.SetWorkerDeploymentManagerAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, Self = true, Identity = Operator }, Rpc);
            Assert.Equal(string.Empty, set.PreviousManagerIdentity);
            var described = await DescribeAsync();
            Assert.Equal(Operator, described.WorkerDeploymentInfo.ManagerIdentity);
            Assert.Equal(set.ConflictToken, described.ConflictToken);

            var expected = $"ManagerIdentity '{Operator}' is set and does not match user identity 'operator-b'; to proceed, set your own identity as the ManagerIdentity, remove the ManagerIdentity, or wait for the other client to do so";
            foreach (var refused in new Func<Task>[]
            {
                () => Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = "operator-b" }, Rpc),
                () => Service.SetWorkerDeploymentRampingVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Percentage = 5, Identity = "operator-b" }, Rpc),
                () => Service.DeleteWorkerDeploymentVersionAsync(new() { Namespace = Namespace, DeploymentVersion = new() { DeploymentName = deployment, BuildId = "b1" }, Identity = "operator-b" }, Rpc),
            })
            {
                var error = await Assert.ThrowsAsync<RpcException>(refused);
                Assert.Equal(RpcException.StatusCode.FailedPrecondition, error.Code);
                Assert.Equal(expected, error.Message);
            }

            await Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc);

            // The manager set again by its own manager: Temporal's "no change", with the latest token.
            var again = await Service.SetWorkerDeploymentManagerAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, ManagerIdentity = Operator, Identity = Operator }, Rpc);
            Assert.Equal(Operator, again.PreviousManagerIdentity);
            Assert.Equal((await DescribeAsync()).ConflictToken, again.ConflictToken);

            var stale = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentManagerAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, ManagerIdentity = string.Empty, ConflictToken = set.ConflictToken, Identity = "operator-b" }, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, stale.Code);
            Assert.Equal("conflict token mismatch", stale.Message);

            // Anyone may change the manager itself (Temporal checks only the token): clearing it frees routing.
            var cleared = await Service.SetWorkerDeploymentManagerAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, ManagerIdentity = string.Empty, Identity = "operator-b" }, Rpc);
            Assert.Equal(Operator, cleared.PreviousManagerIdentity);
            Assert.Equal(string.Empty, (await DescribeAsync()).WorkerDeploymentInfo.ManagerIdentity);
            await Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, Identity = "operator-b" }, Rpc);
        });

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentManagerAsync(
            new() { Namespace = Namespace, DeploymentName = $"none-{Guid.NewGuid():N}", Self = true, Identity = Operator }, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Version_metadata_is_upserted_and_removed_and_described()
    {
        await WithWorkerAsync(VersionedWorker("b1"), async () =>
        {
            await RegisteredAsync("b1");
            Assert.Null((await VersionAsync("b1")).WorkerDeploymentVersionInfo.Metadata);
            var b1 = new Temporalio.Api.Deployment.V1.WorkerDeploymentVersion { DeploymentName = deployment, BuildId = "b1" };

            var nothing = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkerDeploymentVersionMetadataAsync(
                new() { Namespace = Namespace, DeploymentVersion = b1, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, nothing.Code);
            Assert.Equal("At least one of remove_entries or upsert_entries must be provided", nothing.Message);

            var first = await Service.UpdateWorkerDeploymentVersionMetadataAsync(
                new() { Namespace = Namespace, DeploymentVersion = b1, UpsertEntries = { ["owner"] = Text("team-a"), ["ticket"] = Text("OPS-1") }, Identity = Operator }, Rpc);
            Assert.Equal(["owner", "ticket"], first.Metadata.Entries.Keys.Order());

            var second = await Service.UpdateWorkerDeploymentVersionMetadataAsync(
                new() { Namespace = Namespace, DeploymentVersion = b1, UpsertEntries = { ["owner"] = Text("team-b") }, RemoveEntries = { "ticket", "absent" }, Identity = Operator }, Rpc);
            var entry = Assert.Single(second.Metadata.Entries);
            Assert.Equal(("owner", "team-b"), (entry.Key, entry.Value.Data.ToStringUtf8()));
            var described = (await VersionAsync("b1")).WorkerDeploymentVersionInfo.Metadata;
            Assert.Equal("team-b", Assert.Single(described.Entries).Value.Data.ToStringUtf8());

            var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkerDeploymentVersionMetadataAsync(
                new() { Namespace = Namespace, DeploymentVersion = new() { DeploymentName = deployment, BuildId = "nope" }, RemoveEntries = { "owner" }, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);
            Assert.Equal($"build ID 'nope' not found in Worker Deployment '{deployment}'", unknown.Message);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_version_missing_a_busy_task_queue_of_the_current_version_is_refused_unless_told_to_ignore_it()
    {
        // b1 has polled the test's queues and is current; its worker is gone, so a new workflow waits there for it.
        await WithWorkerAsync(VersionedWorker("b1"), () => RegisteredAsync("b1"));
        await Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc);
        var waiting = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("waiting"), Options("backlog"));
        try
        {
            // b2 (made with allow_no_pollers) polls none of b1's queues.
            var current = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", AllowNoPollers = true, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, current.Code);
            Assert.Equal(
                $"proposed current version '{deployment}:b2' is missing active task queues from the current version; these would become unversioned if it is set as the current version",
                current.Message);

            var ramping = await Assert.ThrowsAsync<RpcException>(() => Service.SetWorkerDeploymentRampingVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Percentage = 10, Identity = Operator }, Rpc));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, ramping.Code);
            Assert.Equal(
                $"proposed ramping version '{deployment}:b2' is missing active task queues from the current version; these would become unversioned if it is set as the ramping version",
                ramping.Message);

            await Service.SetWorkerDeploymentRampingVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Percentage = 10, IgnoreMissingTaskQueues = true, Identity = Operator }, Rpc);
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", IgnoreMissingTaskQueues = true, Identity = Operator }, Rpc);
            Assert.Equal("b2", (await DescribeAsync()).WorkerDeploymentInfo.RoutingConfig.CurrentDeploymentVersion.BuildId);
        }
        finally
        {
            await waiting.TerminateAsync("test over", new() { Rpc = Rpc });
        }
    }

    private static Payload Text(string value) => new() { Data = ByteString.CopyFromUtf8(value) };
}
