using Temporalio.Api.Common.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using SdkBehavior = Temporalio.Common.VersioningBehavior;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// The versioning search attributes Temporal keeps on every run — BuildIds, TemporalWorkerDeployment,
/// TemporalWorkerDeploymentVersion, TemporalWorkflowVersioningBehavior, TemporalUsedWorkerDeploymentVersions —
/// returned by describe, usable in list
/// queries, and never set by a client.
/// </summary>
public sealed partial class WorkerDeploymentTests
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_run_carries_its_deployment_version_and_behavior_as_search_attributes_and_is_found_by_them()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.Pinned), async () =>
        {
            await RegisteredAsync("b1");
            await SetCurrentAsync("b1");
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("versioning-sa"));
            await FirstStepDoneAsync(handle);

            var attributes = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.SearchAttributes.IndexedFields;
            Assert.Equal($"\"{deployment}\"", Text(attributes["TemporalWorkerDeployment"]));
            Assert.Equal($"\"{deployment}:b1\"", Text(attributes["TemporalWorkerDeploymentVersion"]));
            Assert.Equal("\"VERSIONING_BEHAVIOR_PINNED\"", Text(attributes["TemporalWorkflowVersioningBehavior"]));
            Assert.StartsWith($"[\"pinned:{deployment}:b1\"", Text(attributes["BuildIds"]));

            var found = await ListIdsAsync($"TemporalWorkerDeploymentVersion = '{deployment}:b1' AND TemporalWorkflowVersioningBehavior = 'VERSIONING_BEHAVIOR_PINNED'");
            Assert.Equal([handle.Id], found);
            Assert.Equal([handle.Id], await ListIdsAsync($"BuildIds = 'pinned:{deployment}:b1'"));

            // An AUTO_UPGRADE override: the behavior follows it and the pinned entry goes.
            await UpdateOptionsAsync(handle, new() { VersioningOverride = new() { AutoUpgrade = true } }, "versioning_override");
            attributes = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.SearchAttributes.IndexedFields;
            Assert.Equal("\"VERSIONING_BEHAVIOR_AUTO_UPGRADE\"", Text(attributes["TemporalWorkflowVersioningBehavior"]));
            Assert.DoesNotContain("pinned:", Text(attributes["BuildIds"]), StringComparison.Ordinal);
            Assert.Empty(await ListIdsAsync($"BuildIds = 'pinned:{deployment}:b1'"));
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_unversioned_workers_build_is_recorded_in_BuildIds_and_versioning_attributes_cannot_be_set_by_a_client()
    {
        var build = $"build-{Guid.NewGuid():N}";
        var options = WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet);
#pragma warning disable CS0618 // the build ID of a worker without deployment versioning, as the SDK still offers it
        options.BuildId = build;
#pragma warning restore CS0618
        var handle = await WithWorkerAsync(options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("sa"), Options("unversioned-sa"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            return handle;
        });

        var attributes = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.SearchAttributes.IndexedFields;
        Assert.Equal($"[\"unversioned\",\"unversioned:{build}\"]", Text(attributes["BuildIds"]));
        Assert.False(attributes.ContainsKey("TemporalWorkerDeploymentVersion"));
        Assert.False(attributes.ContainsKey("TemporalUsedWorkerDeploymentVersions"));
        Assert.Equal([handle.Id], await ListIdsAsync($"BuildIds = 'unversioned:{build}'"));

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync(
            (GreetingWorkflow wf) => wf.RunAsync("x"),
            new WorkflowOptions(NewWorkflowId("set-deployment-sa"), TaskQueue)
            {
                TypedSearchAttributes = new SearchAttributeCollection.Builder()
                    .Set(SearchAttributeKey.CreateKeyword("TemporalWorkerDeployment"), "mine").ToSearchAttributeCollection(),
            }));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "TemporalWorkerDeployment attribute can't be set in SearchAttributes"), (refused.Code, refused.Message));
    }

    private static string Text(Payload payload) => payload.Data.ToStringUtf8();
}
