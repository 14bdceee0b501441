// The deprecated (v0.31) fields are asserted too: Temporal still fills them and older clients read them.
#pragma warning disable CS0612

using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Workflows;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using DeploymentVersion = Temporalio.Common.WorkerDeploymentVersion;
using SdkBehavior = Temporalio.Common.VersioningBehavior;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Where a versioned deployment sends tasks: ramping by workflow ID, pinned runs, activities.</summary>
public sealed partial class WorkerDeploymentTests
{
    /// <summary>
    /// Workflow IDs and where Temporal's hash (FarmHash Fingerprint32 of the ID, scaled to [0, 100)) puts them
    /// in a ramp: a workflow ramps when this value is at most the percentage. Computed with the reference
    /// implementation's algorithm; checked here through routing only.
    /// </summary>
    private static readonly (string Id, double Threshold)[] RampIds =
    [
        ("ramp-0", 87.030), ("ramp-1", 20.0545), ("ramp-2", 20.0384), ("ramp-3", 81.135), ("ramp-4", 36.155), ("ramp-5", 34.899),
        ("ramp-6", 0.851), ("ramp-7", 40.304), ("ramp-8", 33.936), ("ramp-9", 28.180), ("ramp-10", 39.916), ("ramp-11", 18.556),
    ];

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_ramping_version_takes_the_workflows_temporals_hash_puts_within_its_percentage()
    {
        await WithTwoVersionsAsync(SdkBehavior.AutoUpgrade, current: "b1", async () =>
        {
            // 20.05 falls between ramp-2 (20.038) and ramp-1 (20.055): the percentage is honoured to its decimals.
            foreach (var percentage in new[] { 20.05f, 50f })
            {
                await Service.SetWorkerDeploymentRampingVersionAsync(
                    new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Percentage = percentage, Identity = Operator }, Rpc);
                foreach (var (id, threshold) in RampIds)
                {
                    var expected = threshold <= percentage ? "b2" : "b1";
                    var (workflowTasks, activities) = await RunStepsAsync(id, steps: 1);
                    Assert.All(workflowTasks, build => Assert.Equal(expected, build));
                    Assert.Equal([expected], activities);
                }
            }
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_run_stays_on_its_version_after_the_current_version_changes_and_an_auto_upgrade_run_moves()
    {
        await WithTwoVersionsAsync(SdkBehavior.Pinned, current: "b1", async () =>
        {
            var pinned = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("pinned"));
            await Eventually.UntilAsync(() => DescribeRunAsync(pinned), d => d.PendingActivities.Count == 0 && d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the first step on b1", cancellationToken: Deadline);
            var info = (await DescribeRunAsync(pinned)).WorkflowExecutionInfo;
            Assert.Equal(VersioningBehavior.Pinned, info.VersioningInfo.Behavior);
            Assert.Equal(new() { DeploymentName = deployment, BuildId = "b1" }, info.VersioningInfo.DeploymentVersion);
            Assert.Equal($"{deployment}.b1", info.VersioningInfo.Version);
            Assert.Equal(deployment, info.WorkerDeploymentName);

            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Identity = Operator }, Rpc);
            await pinned.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b1"], await pinned.GetResultAsync(rpcOptions: Rpc));
            Assert.All(await CompletedBuildsAsync(pinned), build => Assert.Equal("b1", build));

            // The version it is pinned to stays draining while such a run is open (the grace period is not
            // over here either); a new run goes to the new current version.
            Assert.Equal(WorkerDeploymentVersionStatus.Draining, (await VersionAsync("b1")).WorkerDeploymentVersionInfo.Status);
            var (tasks, activities) = await RunStepsAsync(NewWorkflowId("fresh"), steps: 1);
            Assert.All(tasks, build => Assert.Equal("b2", build));
            Assert.Equal(["b2"], activities);
        });

        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), () => WithWorkerAsync(ProbeWorker("b2", SdkBehavior.AutoUpgrade), async () =>
        {
            // b2 is current (above): set b1 current again, start, then move to b2 mid-run.
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b1", Identity = Operator }, Rpc);
            var upgrading = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("auto-upgrade"));
            await Eventually.UntilAsync(() => DescribeRunAsync(upgrading), d => d.PendingActivities.Count == 0 && d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the first step on b1", cancellationToken: Deadline);
            Assert.Equal(VersioningBehavior.AutoUpgrade, (await DescribeRunAsync(upgrading)).WorkflowExecutionInfo.VersioningInfo.Behavior);
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Identity = Operator }, Rpc);
            await upgrading.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b2"], await upgrading.GetResultAsync(rpcOptions: Rpc));
            Assert.Equal("b2", (await CompletedBuildsAsync(upgrading))[^1]);
            var after = (await DescribeRunAsync(upgrading)).WorkflowExecutionInfo.VersioningInfo;
            Assert.Equal(VersioningBehavior.AutoUpgrade, after.Behavior);
            Assert.Equal("b2", after.DeploymentVersion.BuildId);

            // Every version that completed one of its tasks, in first-use order, as Temporal keeps them.
            var used = (await DescribeRunAsync(upgrading)).WorkflowExecutionInfo.SearchAttributes.IndexedFields["TemporalUsedWorkerDeploymentVersions"];
            Assert.Equal($"[\"{deployment}:b1\",\"{deployment}:b2\"]", used.Data.ToStringUtf8());
            Assert.Equal([upgrading.Id], await ListIdsAsync($"TemporalUsedWorkerDeploymentVersions = '{deployment}:b1' AND TemporalUsedWorkerDeploymentVersions = '{deployment}:b2'"));
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_auto_upgrade_run_is_in_transition_while_its_task_on_the_new_version_has_not_completed_there()
    {
        const string Broken = VersionedStepsWorkflow.BrokenBuild;
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), () => WithWorkerAsync(ProbeWorker(Broken, SdkBehavior.AutoUpgrade), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync(Broken);
            await SetCurrentAsync("b1");
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("transition"));
            await FirstStepDoneAsync(handle);
            Assert.Null((await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo.VersionTransition);

            // The next task goes to the new current version, which fails it: the run stays in transition there.
            await SetCurrentAsync(Broken);
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            var moving = (await Eventually.UntilAsync(
                () => DescribeRunAsync(handle),
                d => d.WorkflowExecutionInfo.VersioningInfo.VersionTransition is not null && d.PendingWorkflowTask?.Attempt > 1,
                "a failed task on the broken version",
                cancellationToken: Deadline)).WorkflowExecutionInfo.VersioningInfo;
            Assert.Equal(Version(Broken), moving.VersionTransition.DeploymentVersion);
            Assert.Equal(Version("b1"), moving.DeploymentVersion); // where its last task completed

            // Rolled back: the task completes on b1, and the transition is over.
            await SetCurrentAsync("b1");
            Assert.Equal(["b1", "b1"], await handle.GetResultAsync(rpcOptions: Rpc));
            var after = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo;
            Assert.Null(after.VersionTransition);
            Assert.Equal(Version("b1"), after.DeploymentVersion);
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_activity_taken_by_the_new_current_version_moves_its_auto_upgrade_run_there_before_it_starts()
    {
        // b1 runs workflow tasks only: the activity its first task schedules waits until b2 is current.
        var workflowsOnly = new TemporalWorkerOptions(TaskQueue)
        {
            MaxCachedWorkflows = 0,
            DeploymentOptions = new(new DeploymentVersion(deployment, "b1"), useWorkerVersioning: true) { DefaultVersioningBehavior = SdkBehavior.AutoUpgrade },
        }.AddWorkflow<VersionedStepsWorkflow>();
        await WithWorkerAsync(workflowsOnly, async () =>
        {
            await Eventually.UntilAsync(() => VersionOrNullAsync("b1"), v => v?.VersionTaskQueues.Count == 1, "version b1", cancellationToken: Deadline);
            await SetCurrentAsync("b1");
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(1), Options("activity-moves"));
            await Eventually.UntilAsync(() => DescribeRunAsync(handle), d => d.PendingActivities.Count == 1 && d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null,
                "the activity scheduled on b1", cancellationToken: Deadline);

            await WithWorkerAsync(ProbeWorker("b2", SdkBehavior.AutoUpgrade), async () =>
            {
                await RegisteredAsync("b2");
                await SetCurrentAsync("b2");
                Assert.Equal(["b2"], await handle.GetResultAsync(rpcOptions: Rpc));
            });

            // As Temporal's RecordActivityTaskStarted: b2's worker took the activity task, so the run moved to b2 (a
            // workflow task completed there) before the activity started, instead of starting it on a version its
            // workflow had not reached.
            var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events;
            var movedAt = events.First(e => e.EventType == EventType.WorkflowTaskCompleted && e.WorkflowTaskCompletedEventAttributes.DeploymentVersion?.BuildId == "b2").EventId;
            var activityStartedAt = events.Single(e => e.EventType == EventType.ActivityTaskStarted).EventId;
            Assert.True(movedAt < activityStartedAt, $"the run reached b2 at event {movedAt}, its activity started at event {activityStartedAt}");
            Assert.Equal(["b1", "b2", "b2"], await CompletedBuildsAsync(handle));
            var after = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo;
            Assert.Null(after.VersionTransition);
            Assert.Equal(Version("b2"), after.DeploymentVersion);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_speculative_task_dropped_on_the_new_version_is_followed_by_one_that_completes_the_move()
    {
        await WithTwoVersionsAsync(SdkBehavior.AutoUpgrade, current: "b1", async () =>
        {
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("speculative-move"));
            await FirstStepDoneAsync(handle);
            await SetCurrentAsync("b2");

            // The update's task starts on b2 (a transition there) and only rejects it, so it is dropped; as Temporal,
            // a normal task follows at once and completes the move without any other event.
            var rejected = await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.SkipAsync(-1)));
            Assert.Contains("negative", rejected.InnerException?.Message, StringComparison.Ordinal);
            var moved = await Eventually.UntilAsync(
                () => DescribeRunAsync(handle),
                d => d.WorkflowExecutionInfo.VersioningInfo.VersionTransition is null && d.PendingWorkflowTask is null,
                "the move to b2 to complete",
                cancellationToken: Deadline);
            Assert.Equal(Version("b2"), moved.WorkflowExecutionInfo.VersioningInfo.DeploymentVersion);
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b2"], await handle.GetResultAsync(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_run_continued_as_new_keeps_its_version()
    {
        await WithTwoVersionsAsync(SdkBehavior.Pinned, current: "b1", async () =>
        {
            var chain = await Client.StartWorkflowAsync((VersionedChainWorkflow wf) => wf.RunAsync(false, InitialVersioningBehavior.Unspecified), Options("chain"));
            await Eventually.UntilAsync(() => DescribeRunAsync(chain), d => d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the first run pinned to b1", cancellationToken: Deadline);
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Identity = Operator }, Rpc);

            await chain.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            var latest = Client.GetWorkflowHandle<VersionedChainWorkflow>(chain.Id);
            Assert.Equal("b1", await latest.GetResultAsync<string>(rpcOptions: Rpc));
            var events = (await latest.FetchHistoryAsync(HistoryRpc)).Events;
            Assert.Equal(new() { DeploymentName = deployment, BuildId = "b1" }, events.First().WorkflowExecutionStartedEventAttributes.InheritedPinnedVersion);
            Assert.All(await CompletedBuildsAsync(latest), build => Assert.Equal("b1", build));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_child_of_a_pinned_run_starts_pinned_to_its_version()
    {
        await WithTwoVersionsAsync(SdkBehavior.Pinned, current: "b1", async () =>
        {
            var parent = await Client.StartWorkflowAsync((VersionedParentWorkflow wf) => wf.RunAsync(), Options("parent"));
            await Eventually.UntilAsync(() => DescribeRunAsync(parent), d => d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the parent pinned to b1", cancellationToken: Deadline);
            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Identity = Operator }, Rpc);

            await parent.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal("b1", await parent.GetResultAsync(rpcOptions: Rpc));
            var child = Client.GetWorkflowHandle($"{parent.Id}-child");
            var started = (await child.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal(new() { DeploymentName = deployment, BuildId = "b1" }, started.InheritedPinnedVersion);
            Assert.All(await CompletedBuildsAsync(child), build => Assert.Equal("b1", build));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Unversioned_tasks_go_to_unversioned_workers_only_while_no_version_is_current()
    {
        var unversioned = new TemporalWorkerOptions(TaskQueue) { MaxCachedWorkflows = 0 }
            .AddWorkflow<VersionedStepsWorkflow>().AddAllActivities(new BuildProbe("unversioned"));
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), () => WithWorkerAsync(unversioned, async () =>
        {
            await RegisteredAsync("b1");
            foreach (var current in new[] { string.Empty, "b1", string.Empty })
            {
                await Service.SetWorkerDeploymentCurrentVersionAsync(
                    new() { Namespace = Namespace, DeploymentName = deployment, BuildId = current, Identity = Operator }, Rpc);
                var expected = current.Length == 0 ? "unversioned" : current;
                for (var i = 0; i < 4; i++)
                {
                    // Both kinds of worker poll the queue; a versioned one takes only its version's tasks.
                    var (tasks, activities) = await RunStepsAsync(NewWorkflowId("unversioned"), steps: 1);
                    Assert.All(tasks, build => Assert.Equal(current.Length == 0 ? "(unversioned)" : current, build));
                    Assert.Equal([expected], activities);
                }
            }
        }));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_auto_upgrade_run_leaves_its_sticky_worker_when_the_current_version_changes()
    {
        // Workflow caches on: the run's next task would go to b1's sticky queue, but its version changed.
        await WithTwoVersionsAsync(SdkBehavior.AutoUpgrade, current: "b1", cache: true, body: async () =>
        {
            var run = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("sticky-upgrade"));
            await Eventually.UntilAsync(() => DescribeRunAsync(run), d => d.PendingActivities.Count == 0 && d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null, "the first step on b1", cancellationToken: Deadline);
            Assert.Contains((await run.FetchHistoryAsync(HistoryRpc)).Events, e => e.WorkflowTaskScheduledEventAttributes?.TaskQueue.Kind == TaskQueueKind.Sticky);

            await Service.SetWorkerDeploymentCurrentVersionAsync(
                new() { Namespace = Namespace, DeploymentName = deployment, BuildId = "b2", Identity = Operator }, Rpc);
            await run.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b2"], await run.GetResultAsync(rpcOptions: Rpc));
            var events = (await run.FetchHistoryAsync(HistoryRpc)).Events;
            var afterSignal = events.SkipWhile(e => e.EventType != EventType.WorkflowExecutionSignaled).ToList();
            Assert.Equal(TaskQueueKind.Normal, afterSignal.First(e => e.EventType == EventType.WorkflowTaskScheduled).WorkflowTaskScheduledEventAttributes.TaskQueue.Kind);
            Assert.Equal("b2", afterSignal.First(e => e.EventType == EventType.WorkflowTaskCompleted).WorkflowTaskCompletedEventAttributes.DeploymentVersion.BuildId);
        });
    }

    /// <summary>
    /// A worker of this deployment that runs <see cref="VersionedStepsWorkflow"/> with its build's probe.
    /// Unless <paramref name="cache"/>, no workflow cache: every task goes through the normal queue, where
    /// routing decides (a sticky task stays with the worker that has the run cached).
    /// </summary>
    private TemporalWorkerOptions ProbeWorker(string buildId, SdkBehavior behavior, bool cache = false) =>
        new TemporalWorkerOptions(TaskQueue)
        {
            MaxCachedWorkflows = cache ? 10 : 0,
            DeploymentOptions = new(new DeploymentVersion(deployment, buildId), useWorkerVersioning: true) { DefaultVersioningBehavior = behavior },
        }.AddWorkflow<VersionedStepsWorkflow>().AddWorkflow<VersionedChainWorkflow>().AddWorkflow<VersionedParentWorkflow>().AddWorkflow<VersionedRetryWorkflow>()
            .AddAllActivities(new BuildProbe(buildId));

    /// <summary>Probe workers of builds b1 and b2 (both with <paramref name="behavior"/>) polling, both registered, <paramref name="current"/> made current; then <paramref name="body"/>.</summary>
    private Task WithTwoVersionsAsync(SdkBehavior behavior, string current, Func<Task> body, bool cache = false) =>
        WithWorkerAsync(ProbeWorker("b1", behavior, cache), () => WithWorkerAsync(ProbeWorker("b2", behavior, cache), async () =>
        {
            await RegisteredAsync("b1");
            await RegisteredAsync("b2");
            await SetCurrentAsync(current);
            await body();
        }));

    /// <summary>Runs the steps workflow to its end (signalling each step): the builds that completed its workflow tasks, and its activities'.</summary>
    private async Task<(List<string> WorkflowTasks, List<string> Activities)> RunStepsAsync(string workflowId, int steps)
    {
        var handle = await Client.StartWorkflowAsync(
            (VersionedStepsWorkflow wf) => wf.RunAsync(steps),
            new(workflowId, TaskQueue) { IdConflictPolicy = WorkflowIdConflictPolicy.TerminateExisting, IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });
        for (var i = 1; i < steps; i++)
        {
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
        }

        var activities = await handle.GetResultAsync(rpcOptions: Rpc);
        return (await CompletedBuildsAsync(handle), activities);
    }

    private Task<Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse> DescribeRunAsync(WorkflowHandle handle) =>
        Service.DescribeWorkflowExecutionAsync(new() { Namespace = Namespace, Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? string.Empty } }, Rpc);

    private async Task<List<string>> CompletedBuildsAsync(WorkflowHandle handle)
    {
        var completed = (await handle.FetchHistoryAsync(HistoryRpc)).Events
            .Where(e => e.EventType == EventType.WorkflowTaskCompleted)
            .Select(e => e.WorkflowTaskCompletedEventAttributes.DeploymentVersion?.BuildId ?? "(unversioned)").ToList();
        Assert.NotEmpty(completed);
        return completed;
    }
}
