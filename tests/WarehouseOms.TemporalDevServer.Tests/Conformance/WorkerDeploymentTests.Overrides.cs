using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Workflows;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using ApiVersion = Temporalio.Api.Deployment.V1.WorkerDeploymentVersion;
using DeploymentVersion = Temporalio.Common.WorkerDeploymentVersion;
using SdkBehavior = Temporalio.Common.VersioningBehavior;
using SdkOverride = Temporalio.Common.VersioningOverride;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Versioning overrides, as Temporal applies them: set at start (WorkflowOptions.VersioningOverride) or on a
/// running workflow (UpdateWorkflowExecutionOptions), they outrank the behavior the worker reports, are
/// recorded in history, passed on to a continue-as-new run, and checked with Temporal's codes and messages.
/// </summary>
public sealed partial class WorkerDeploymentTests
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_override_at_start_keeps_an_auto_upgrade_workflow_on_its_version()
    {
        await WithTwoVersionsAsync(SdkBehavior.AutoUpgrade, current: "b1", async () =>
        {
            var handle = await Client.StartWorkflowAsync(
                (VersionedStepsWorkflow wf) => wf.RunAsync(2),
                new WorkflowOptions(NewWorkflowId("pinned-override"), TaskQueue) { VersioningOverride = new SdkOverride.Pinned(new DeploymentVersion(deployment, "b1")) });
            await FirstStepDoneAsync(handle);
            var info = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo;
            Assert.Equal(VersioningBehavior.AutoUpgrade, info.Behavior); // what the worker reported; the override outranks it
            Assert.Equal(Version("b1"), info.VersioningOverride.Pinned.Version);

            await SetCurrentAsync("b2");
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b1"], await handle.GetResultAsync(rpcOptions: Rpc));
            Assert.All(await CompletedBuildsAsync(handle), build => Assert.Equal("b1", build));
            var started = (await handle.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal(VersioningOverride.OverrideOneofCase.Pinned, started.VersioningOverride.OverrideCase);
            Assert.Equal(Version("b1"), started.VersioningOverride.Pinned.Version);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateWorkflowExecutionOptions_pins_a_running_workflow_and_unsetting_the_override_lets_it_upgrade()
    {
        await WithTwoVersionsAsync(SdkBehavior.AutoUpgrade, current: "b1", async () =>
        {
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(3), Options("options-update"));
            await FirstStepDoneAsync(handle);

            // "Pin where it is" needs a run that is already pinned; this one auto-upgrades.
            var notPinned = await Assert.ThrowsAsync<RpcException>(() => UpdateOptionsAsync(handle,
                new() { VersioningOverride = new() { Pinned = new() { Behavior = VersioningOverride.Types.PinnedOverrideBehavior.Pinned } } }, "versioning_override"));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, notPinned.Code);
            Assert.Equal(
                $"must specify a specific pinned override version because workflow with id {handle.Id} has behavior VERSIONING_BEHAVIOR_AUTO_UPGRADE and is not yet pinned to any version",
                notPinned.Message);

            var pin = new VersioningOverride { Pinned = new() { Behavior = VersioningOverride.Types.PinnedOverrideBehavior.Pinned, Version = Version("b1") } };
            var pinned = await UpdateOptionsAsync(handle, new() { VersioningOverride = pin }, "versioning_override");
            Assert.Equal(pin, pinned.WorkflowExecutionOptions.VersioningOverride);
            Assert.Equal(VersioningOverride.OverrideOneofCase.Pinned, (await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo.VersioningOverride.OverrideCase);

            await SetCurrentAsync("b2");
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            await Eventually.UntilAsync(() => OptionsEventsAndActivitiesAsync(handle), x => x.Activities == 2, "the second step", cancellationToken: Deadline);

            // Unset: the run follows its queue's current version again.
            var unset = await UpdateOptionsAsync(handle, new(), "versioning_override");
            Assert.Null(unset.WorkflowExecutionOptions.VersioningOverride);
            await UpdateOptionsAsync(handle, new(), "versioning_override"); // no change: nothing written
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b1", "b2"], await handle.GetResultAsync(rpcOptions: Rpc));

            var updates = (await handle.FetchHistoryAsync(HistoryRpc)).Events
                .Where(e => e.EventType == EventType.WorkflowExecutionOptionsUpdated).Select(e => e.WorkflowExecutionOptionsUpdatedEventAttributes).ToList();
            Assert.Equal(2, updates.Count);
            Assert.Equal((pin, false, Operator), (updates[0].VersioningOverride, updates[0].UnsetVersioningOverride, updates[0].Identity));
            Assert.Equal((null, true), (updates[1].VersioningOverride, updates[1].UnsetVersioningOverride));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_auto_upgrade_override_lets_a_pinned_workflow_move_to_the_new_current_version()
    {
        await WithTwoVersionsAsync(SdkBehavior.Pinned, current: "b1", async () =>
        {
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("auto-upgrade-override"));
            await FirstStepDoneAsync(handle);
            await UpdateOptionsAsync(handle, new() { VersioningOverride = new() { AutoUpgrade = true } }, "versioning_override");

            await SetCurrentAsync("b2");
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b2"], await handle.GetResultAsync(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_one_time_move_sends_a_pinned_workflow_to_its_target_once_and_it_stays_pinned_there()
    {
        await WithTwoVersionsAsync(SdkBehavior.Pinned, current: "b1", async () =>
        {
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(3), Options("one-time"));
            await FirstStepDoneAsync(handle);
            var move = new VersioningOverride { OneTime = new() { TargetDeploymentVersion = Version("b2") } };
            await UpdateOptionsAsync(handle, new() { VersioningOverride = move }, "versioning_override");
            Assert.Equal(move, (await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo.VersioningOverride);

            // The next task runs on b2 although b1 is current; once it completes there the move is done and
            // the run is pinned to b2 by the worker's own behavior.
            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            await Eventually.UntilAsync(() => OptionsEventsAndActivitiesAsync(handle), x => x.Activities == 2, "the second step", cancellationToken: Deadline);
            var info = (await DescribeRunAsync(handle)).WorkflowExecutionInfo.VersioningInfo;
            Assert.Null(info.VersioningOverride);
            Assert.Equal((VersioningBehavior.Pinned, Version("b2")), (info.Behavior, info.DeploymentVersion));

            await handle.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b2", "b2"], await handle.GetResultAsync(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_pinned_override_is_passed_on_to_the_continued_run()
    {
        await WithTwoVersionsAsync(SdkBehavior.AutoUpgrade, current: "b2", async () =>
        {
            var chain = await Client.StartWorkflowAsync(
                (VersionedChainWorkflow wf) => wf.RunAsync(false, InitialVersioningBehavior.Unspecified),
                new WorkflowOptions(NewWorkflowId("override-chain"), TaskQueue) { VersioningOverride = new SdkOverride.Pinned(new DeploymentVersion(deployment, "b1")) });
            await chain.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);

            var latest = Client.GetWorkflowHandle<VersionedChainWorkflow>(chain.Id);
            Assert.Equal("b1", await latest.GetResultAsync<string>(rpcOptions: Rpc));
            var started = (await latest.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal(Version("b1"), started.VersioningOverride.Pinned.Version);
            Assert.All(await CompletedBuildsAsync(latest), build => Assert.Equal("b1", build));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_reset_keeps_the_override_and_re_applies_the_options_updates_after_its_point()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), async () =>
        {
            await RegisteredAsync("b1");
            await SetCurrentAsync("b1");
            var handle = await Client.StartWorkflowAsync(
                (VersionedStepsWorkflow wf) => wf.RunAsync(2),
                new WorkflowOptions(NewWorkflowId("reset-override"), TaskQueue) { Priority = new(priorityKey: 1) });
            await FirstStepDoneAsync(handle);
            var pin = new VersioningOverride { Pinned = new() { Behavior = VersioningOverride.Types.PinnedOverrideBehavior.Pinned, Version = Version("b1") } };
            await UpdateOptionsAsync(handle, new() { VersioningOverride = pin, Priority = new() { PriorityKey = 5 } }, "versioning_override", "priority");

            var firstTask = (await handle.FetchHistoryAsync(HistoryRpc)).Events.First(e => e.EventType == EventType.WorkflowTaskCompleted).EventId;
            var reset = await Service.ResetWorkflowExecutionAsync(new()
            {
                Namespace = Namespace, WorkflowExecution = new() { WorkflowId = handle.Id }, WorkflowTaskFinishEventId = firstTask,
                RequestId = Guid.NewGuid().ToString(), Reason = "test",
            }, Rpc);

            var info = (await Service.DescribeWorkflowExecutionAsync(
                new() { Namespace = Namespace, Execution = new() { WorkflowId = handle.Id, RunId = reset.RunId } }, Rpc)).WorkflowExecutionInfo;
            Assert.Equal(pin, info.VersioningInfo.VersioningOverride);
            Assert.Equal(5, info.Priority.PriorityKey);
            var resetRun = Client.GetWorkflowHandle<VersionedStepsWorkflow>(handle.Id, runId: reset.RunId);
            var reapplied = (await resetRun.FetchHistoryAsync(HistoryRpc)).Events.Single(e => e.EventType == EventType.WorkflowExecutionOptionsUpdated);
            Assert.Equal(pin, reapplied.WorkflowExecutionOptionsUpdatedEventAttributes.VersioningOverride);
            await resetRun.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_resets_post_reset_options_update_applies_to_the_new_run_and_other_operations_are_refused_before_anything_changes()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), async () =>
        {
            await RegisteredAsync("b1");
            await SetCurrentAsync("b1");
            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("post-reset"));
            await FirstStepDoneAsync(handle);
            var firstTask = (await handle.FetchHistoryAsync(HistoryRpc)).Events.First(e => e.EventType == EventType.WorkflowTaskCompleted).EventId;
            ResetWorkflowExecutionRequest Reset(params PostResetOperation[] operations) => new()
            {
                Namespace = Namespace, WorkflowExecution = new() { WorkflowId = handle.Id }, WorkflowTaskFinishEventId = firstTask,
                RequestId = Guid.NewGuid().ToString(), Reason = "post-reset test", PostResetOperations = { operations },
            };

            var signal = await Assert.ThrowsAsync<RpcException>(() => Service.ResetWorkflowExecutionAsync(
                Reset(new PostResetOperation { SignalWorkflow = new() { SignalName = "poke" } }), Rpc));
            Assert.Equal(
                (RpcException.StatusCode.InvalidArgument, "unsupported post reset operation: *workflow.PostResetOperation_SignalWorkflow_"),
                (signal.Code, signal.Message));
            Assert.Equal(WorkflowExecutionStatus.Running, (await DescribeRunAsync(handle)).WorkflowExecutionInfo.Status); // nothing was changed

            var pin = new VersioningOverride { Pinned = new() { Behavior = VersioningOverride.Types.PinnedOverrideBehavior.Pinned, Version = Version("b1") } };
            var reset = await Service.ResetWorkflowExecutionAsync(Reset(new PostResetOperation
            {
                UpdateWorkflowOptions = new()
                {
                    WorkflowExecutionOptions = new() { VersioningOverride = pin },
                    UpdateMask = new FieldMask { Paths = { "versioning_override" } },
                },
            }), Rpc);

            var resetRun = Client.GetWorkflowHandle<VersionedStepsWorkflow>(handle.Id, runId: reset.RunId);
            Assert.Equal(pin, (await DescribeRunAsync(resetRun)).WorkflowExecutionInfo.VersioningInfo.VersioningOverride);
            var events = (await resetRun.FetchHistoryAsync(HistoryRpc)).Events.ToList();
            var failed = events.FindIndex(e => e.EventType == EventType.WorkflowTaskFailed);
            var updated = events.FindIndex(e => e.EventType == EventType.WorkflowExecutionOptionsUpdated);
            Assert.True(updated > failed, "the options update follows the reset point");
            Assert.Equal(pin, events[updated].WorkflowExecutionOptionsUpdatedEventAttributes.VersioningOverride);
            await resetRun.SignalAsync(wf => wf.ProceedAsync(), SignalRpc);
            Assert.Equal(["b1", "b1"], await resetRun.GetResultAsync<List<string>>(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Overrides_and_options_updates_are_refused_with_temporals_codes_and_messages()
    {
        await WithWorkerAsync(ProbeWorker("b1", SdkBehavior.AutoUpgrade), async () =>
        {
            await RegisteredAsync("b1");
            var neverPolled = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync(
                (VersionedStepsWorkflow wf) => wf.RunAsync(1),
                new WorkflowOptions(NewWorkflowId("unknown-version"), TaskQueue) { VersioningOverride = new SdkOverride.Pinned(new DeploymentVersion(deployment, "b9")) }));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, neverPolled.Code);
            Assert.Equal($"Pinned version '{deployment}:b9' is not present in task queue '{TaskQueue}' of type 'Workflow'", neverPolled.Message);

            var noBehavior = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(new()
            {
                Namespace = Namespace, WorkflowId = NewWorkflowId("no-behavior"), WorkflowType = new() { Name = "VersionedStepsWorkflow" },
                TaskQueue = new() { Name = TaskQueue }, RequestId = Guid.NewGuid().ToString(),
                VersioningOverride = new() { Pinned = new() { Version = Version("b1") } },
            }, Rpc));
            Assert.Equal((RpcException.StatusCode.InvalidArgument, "must specify pinned override behavior if override is pinned."), (noBehavior.Code, noBehavior.Message));

            var handle = await Client.StartWorkflowAsync((VersionedStepsWorkflow wf) => wf.RunAsync(2), Options("refusals"));
            var noMask = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionOptionsAsync(
                new() { Namespace = Namespace, WorkflowExecution = new() { WorkflowId = handle.Id }, WorkflowExecutionOptions = new() }, Rpc));
            Assert.Equal((RpcException.StatusCode.InvalidArgument, "UpdateMask is required"), (noMask.Code, noMask.Message));
            var badPath = await Assert.ThrowsAsync<RpcException>(() => UpdateOptionsAsync(handle, new(), "versioning"));
            Assert.Equal(
                "error parsing UpdateMask: proto: invalid path \"versioning\" for message \"temporal.api.workflow.v1.WorkflowExecutionOptions\"",
                badPath.Message);
            var partial = await Assert.ThrowsAsync<RpcException>(() => UpdateOptionsAsync(handle, new(), "versioning_override.pinned"));
            Assert.Equal("error applying update_options: versioning_override doesn't support partial updates", partial.Message);
            var negative = await Assert.ThrowsAsync<RpcException>(() => UpdateOptionsAsync(handle, new() { Priority = new() { PriorityKey = -1 } }, "priority"));
            Assert.Equal((RpcException.StatusCode.InvalidArgument, "priority key can't be negative"), (negative.Code, negative.Message));

            await handle.TerminateAsync("done", new() { Rpc = Rpc });
            var closed = await Assert.ThrowsAsync<RpcException>(() => UpdateOptionsAsync(handle, new() { Priority = new() { PriorityKey = 2 } }, "priority"));
            Assert.Equal((RpcException.StatusCode.NotFound, "workflow execution already completed"), (closed.Code, closed.Message));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateWorkflowExecutionOptions_changes_only_the_masked_priority_fields()
    {
        var handle = await Client.StartWorkflowAsync(
            (VersionedStepsWorkflow wf) => wf.RunAsync(1),
            new WorkflowOptions(NewWorkflowId("priority"), TaskQueue) { Priority = new(priorityKey: 4, fairnessKey: "tenant-a") });
        var answer = await UpdateOptionsAsync(handle, new() { Priority = new() { PriorityKey = 2, FairnessKey = "ignored" } }, "priority.priority_key");

        Assert.Equal(new Priority { PriorityKey = 2, FairnessKey = "tenant-a" }, answer.WorkflowExecutionOptions.Priority);
        Assert.Equal(new Priority { PriorityKey = 2, FairnessKey = "tenant-a" }, (await DescribeRunAsync(handle)).WorkflowExecutionInfo.Priority);
        var updated = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Single(e => e.EventType == EventType.WorkflowExecutionOptionsUpdated);
        Assert.Equal(2, updated.WorkflowExecutionOptionsUpdatedEventAttributes.Priority.PriorityKey);
        Assert.True(updated.WorkerMayIgnore);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    private ApiVersion Version(string buildId) => new() { DeploymentName = deployment, BuildId = buildId };

    private Task SetCurrentAsync(string buildId) =>
        Service.SetWorkerDeploymentCurrentVersionAsync(new() { Namespace = Namespace, DeploymentName = deployment, BuildId = buildId, Identity = Operator }, Rpc);

    private Task FirstStepDoneAsync(WorkflowHandle handle) =>
        Eventually.UntilAsync(() => DescribeRunAsync(handle), d => d.PendingActivities.Count == 0 && d.PendingWorkflowTask is null && d.WorkflowExecutionInfo.VersioningInfo is not null,
            "the first step", cancellationToken: Deadline);

    private async Task<(int OptionsEvents, int Activities)> OptionsEventsAndActivitiesAsync(WorkflowHandle handle)
    {
        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events;
        return (events.Count(e => e.EventType == EventType.WorkflowExecutionOptionsUpdated), events.Count(e => e.EventType == EventType.ActivityTaskCompleted));
    }

    private Task<UpdateWorkflowExecutionOptionsResponse> UpdateOptionsAsync(WorkflowHandle handle, WorkflowExecutionOptions options, params string[] paths) =>
        Service.UpdateWorkflowExecutionOptionsAsync(new()
        {
            Namespace = Namespace,
            WorkflowExecution = new() { WorkflowId = handle.Id },
            WorkflowExecutionOptions = options,
            UpdateMask = new FieldMask { Paths = { paths } },
            Identity = Operator,
        }, Rpc);
}
