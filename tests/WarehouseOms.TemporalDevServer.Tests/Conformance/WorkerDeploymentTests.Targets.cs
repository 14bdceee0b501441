using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Workflows;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using SdkBehavior = Temporalio.Common.VersioningBehavior;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// How a versioned run hears of a new target version and moves to it, as Temporal tells it: a pinned run's
/// workflow tasks carry target_worker_deployment_version_changed once its queue targets another version, a
/// continued run that keeps the pin is not told again of the target it declined, and a run continued with
/// USE_RAMPING_VERSION starts on the ramping version.
/// </summary>
public sealed partial class WorkerDeploymentTests
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_workflow_is_told_when_its_queue_targets_another_version_and_an_override_silences_it()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.Pinned), () => WithWorkerAsync(ProbeWorker("b2", SdkBehavior.Pinned), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync("b2");
            await SetCurrentAsync("b1");
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(3), Options("target-changed"));
            await FirstStepDoneAsync(handle);
            Assert.All(await StartedTasksAsync(handle), s => Assert.False(s.TargetWorkerDeploymentVersionChanged));

            await SetCurrentAsync("b2");
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            await Eventually.UntilAsync(() => OptionsEventsAndActivitiesAsync(handle), x => x.Activities == 2, "the second step", cancellationToken: Deadline);
            var afterChange = (await StartedTasksAsync(handle)).Skip(2).ToList();
            Assert.NotEmpty(afterChange);
            Assert.All(afterChange, s => Assert.True(s.TargetWorkerDeploymentVersionChanged));

            // An operator's override decides the version: the run is not told any more.
            var pin = new Temporalio.Api.Workflow.V1.VersioningOverride
            {
                Pinned = new() { Behavior = Temporalio.Api.Workflow.V1.VersioningOverride.Types.PinnedOverrideBehavior.Pinned, Version = Version("b1") },
            };
            await UpdateOptionsAsync(handle, new() { VersioningOverride = pin }, "versioning_override");
            var told = (await StartedTasksAsync(handle)).Count;
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b1", "b1"], await handle.GetResultAsync(rpcOptions: Rpc));
            Assert.All((await StartedTasksAsync(handle)).Skip(told), s => Assert.False(s.TargetWorkerDeploymentVersionChanged));
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_run_continued_without_moving_has_declined_the_target_and_is_not_told_again()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.Pinned), () => WithWorkerAsync(ProbeWorker("b2", SdkBehavior.Pinned), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync("b2");
            await SetCurrentAsync("b1");
            var chain = await Client.StartWorkflowAsync((VersionedChainWorkflow wf) => wf.RunAsync(false, InitialVersioningBehavior.Unspecified), Options("declined"));
            await Eventually.UntilAsync(() => DescribeRunAsync(chain), d => d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the first run pinned to b1", cancellationToken: Deadline);
            await SetCurrentAsync("b2");
            var revision = (await DescribeAsync()).WorkerDeploymentInfo.RoutingConfig.RevisionNumber;

            await chain.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            var latest = Client.GetWorkflowHandle<VersionedChainWorkflow>(chain.Id);
            Assert.Equal("b1", await latest.GetResultAsync<string>(rpcOptions: Rpc));

            var firstRun = Client.GetWorkflowHandle(chain.Id, runId: chain.ResultRunId);
            Assert.True((await StartedTasksAsync(firstRun)).Last().TargetWorkerDeploymentVersionChanged);
            var events = (await latest.FetchHistoryAsync(HistoryRpc)).Events;
            var declined = events.First().WorkflowExecutionStartedEventAttributes.DeclinedTargetVersionUpgrade;
            Assert.Equal((Version("b2"), revision), (declined.DeploymentVersion, declined.RevisionNumber));
            Assert.All(
                events.Where(e => e.EventType == EventType.WorkflowTaskStarted),
                e => Assert.False(e.WorkflowTaskStartedEventAttributes.TargetWorkerDeploymentVersionChanged));
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_run_continued_with_use_ramping_version_starts_on_the_ramping_version_whatever_its_percentage()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.Pinned), () => WithWorkerAsync(ProbeWorker("b2", SdkBehavior.Pinned), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync("b2");
            await SetCurrentAsync("b1");
            var chain = await Client.StartWorkflowAsync((VersionedChainWorkflow wf) => wf.RunAsync(false, InitialVersioningBehavior.UseRampingVersion), Options("use-ramping"));
            await Eventually.UntilAsync(() => DescribeRunAsync(chain), d => d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the first run on b1", cancellationToken: Deadline);
            await Service.SetWorkerDeploymentRampingVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Percentage = 0, Identity = Operator }, Rpc);

            await chain.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            var latest = Client.GetWorkflowHandle<VersionedChainWorkflow>(chain.Id);
            Assert.Equal("b2", await latest.GetResultAsync<string>(rpcOptions: Rpc));
            var inherited = (await latest.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes.InheritedAutoUpgradeInfo;
            Assert.Equal(Version("b1"), inherited.SourceDeploymentVersion);
            Assert.Equal(ContinueAsNewVersioningBehavior.UseRampingVersion, inherited.ContinueAsNewInitialVersioningBehavior);
            Assert.True(inherited.SourceDeploymentRevisionNumber > 0);
            Assert.All(await CompletedBuildsAsync(latest), build => Assert.Equal("b2", build));
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_retry_and_a_child_of_an_auto_upgrade_run_inherit_its_version_and_revision_as_in_temporal()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), async () =>
        {
            await RegisteredAsync("b1");
            await SetCurrentAsync("b1");
            var revision = (await DescribeAsync()).WorkerDeploymentInfo.RoutingConfig.RevisionNumber;

            var options = Options("auto-upgrade-retry");
            options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 2 };
            var retried = await Client.StartWorkflowAsync((VersionedRetryWorkflow wf) => wf.RunAsync(), options);
            Assert.Equal("b1", await retried.GetResultAsync(rpcOptions: Rpc));
            var retryStart = (await retried.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal(2, retryStart.Attempt);
            Assert.Equal((Version("b1"), revision, ContinueAsNewVersioningBehavior.Unspecified), (
                retryStart.InheritedAutoUpgradeInfo.SourceDeploymentVersion,
                retryStart.InheritedAutoUpgradeInfo.SourceDeploymentRevisionNumber,
                retryStart.InheritedAutoUpgradeInfo.ContinueAsNewInitialVersioningBehavior));
            Assert.Null((await Client.GetWorkflowHandle(retried.Id, runId: retried.FirstExecutionRunId).FetchHistoryAsync(HistoryRpc))
                .Events.First().WorkflowExecutionStartedEventAttributes.InheritedAutoUpgradeInfo);

            var parent = await Client.StartWorkflowAsync((VersionedParentWorkflow wf) => wf.RunAsync(), Options("auto-upgrade-parent"));
            await Eventually.UntilAsync(() => DescribeRunAsync(parent), d => d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the parent's first task on b1", cancellationToken: Deadline);
            await parent.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal("b1", await parent.GetResultAsync(rpcOptions: Rpc));
            var childStart = (await Client.GetWorkflowHandle($"{parent.Id}-child").FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal((Version("b1"), revision), (childStart.InheritedAutoUpgradeInfo.SourceDeploymentVersion, childStart.InheritedAutoUpgradeInfo.SourceDeploymentRevisionNumber));
            Assert.Null(childStart.InheritedPinnedVersion);
        });
    }

    private async Task<List<WorkflowTaskStartedEventAttributes>> StartedTasksAsync(WorkflowHandle handle) =>
        (await handle.FetchHistoryAsync(HistoryRpc)).Events
            .Where(e => e.EventType == EventType.WorkflowTaskStarted)
            .Select(e => e.WorkflowTaskStartedEventAttributes).ToList();
}
