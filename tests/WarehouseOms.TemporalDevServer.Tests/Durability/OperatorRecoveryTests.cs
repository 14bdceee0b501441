using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>An operator's pause (with the run's state transition count), a registered namespace, a deleted one and a workflow reset survive a SIGKILL of the engine on the PostgreSQL store.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class OperatorRecoveryTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_paused_activity_stays_paused_across_a_restart_and_runs_once_unpaused()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-pause-{Guid.NewGuid():N}";
        var activityQueue = queue + "-activities";
        await using var workflows = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<HeldActivityWorkflow>().AddWorkflow<ProbeWorkflow>(), deadline.Token);
        var handle = await client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(activityQueue), new($"pause-restart-{Guid.NewGuid():N}", queue));
        await Eventually.UntilAsync(() => DescribeAsync(client, handle), d => d.PendingActivities.Count == 1, "the activity to be scheduled", cancellationToken: deadline.Token);
        await client.WorkflowService.PauseActivityAsync(new PauseActivityRequest
        {
            Namespace = client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId! },
            Id = HeldActivityWorkflow.ActivityId,
            Identity = "operator",
            Reason = "across a restart",
        });
        var transitions = (await DescribeAsync(client, handle)).WorkflowExecutionInfo.StateTransitionCount;

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(() => DescribeAsync(client, handle), deadline.Token);
        Assert.Equal(transitions, described.WorkflowExecutionInfo.StateTransitionCount); // kept, and a restart is no transition
        var pending = described.PendingActivities.Single();
        Assert.Equal((true, PendingActivityState.Paused, "across a restart"), (pending.Paused, pending.State, pending.PauseInfo.Manual.Reason));
        await using (WorkerRun.Start(client, new TemporalWorkerOptions(activityQueue).AddActivity(OperatorActivities.HoldAsync).AddActivity(TestActivities.Greet), deadline.Token))
        {
            // The probe's activity is queued after the paused one: had the restart dispatched it, it would have run first.
            var probe = await Retry.WhileUnavailableAsync(() => client.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync(activityQueue), new($"probe-{Guid.NewGuid():N}", queue)), deadline.Token);
            Assert.Equal("Hello, probe!", await probe.GetResultAsync());
            Assert.Empty(ActivityJournal.For(handle.Id));

            await client.WorkflowService.UnpauseActivityAsync(new UnpauseActivityRequest
            {
                Namespace = client.Options.Namespace,
                Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId! },
                Id = HeldActivityWorkflow.ActivityId,
            });
            var token = await Eventually.UntilAsync(
                () => Task.FromResult(ActivityJournal.For(handle.Id).FirstOrDefault(e => e.StartsWith("token:", StringComparison.Ordinal))),
                t => t is not null, "the unpaused activity to run", cancellationToken: deadline.Token);
            await client.GetAsyncActivityHandle(Convert.FromBase64String(token!["token:".Length..])).CompleteAsync("after restart");
            Assert.Equal("after restart", await handle.GetResultAsync<string>());
        }

        // Event task IDs are kept by the store and keep growing after the restart, as a shard's sequence does.
        var taskIds = (await handle.FetchHistoryAsync()).Events.Select(e => e.TaskId).ToList();
        Assert.Equal(taskIds.Order(), taskIds);
        Assert.Equal(taskIds.Count, taskIds.Distinct().Count());
    }

    [Fact(Timeout = 120_000)]
    public async Task A_registered_namespace_and_its_update_survive_a_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, service) = (durable.Process, durable.Client.WorkflowService);
        var ns = $"restart-{Guid.NewGuid():N}";
        await service.RegisterNamespaceAsync(new()
        {
            Namespace = ns,
            Description = "before",
            WorkflowExecutionRetentionPeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(2)),
        });
        await service.UpdateNamespaceAsync(new()
        {
            Namespace = ns,
            UpdateInfo = new() { Description = "after" },
            Config = new() { WorkflowExecutionRetentionTtl = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(5)) },
        });
        var id = (await service.DescribeNamespaceAsync(new() { Namespace = ns })).NamespaceInfo.Id;

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(() => service.DescribeNamespaceAsync(new() { Namespace = ns }), deadline.Token);
        Assert.Equal((id, "after", TimeSpan.FromDays(5)), (described.NamespaceInfo.Id, described.NamespaceInfo.Description, described.Config.WorkflowExecutionRetentionTtl.ToTimeSpan()));
        var again = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() => service.RegisterNamespaceAsync(new()
        {
            Namespace = ns,
            WorkflowExecutionRetentionPeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)),
        }));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.AlreadyExists, again.Code);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_deleted_namespace_stays_deleted_across_a_restart_and_its_tombstone_goes_after_its_delay()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, connection) = (durable.Process, durable.Client.Connection);
        var day = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1));
        var (kept, brief) = ($"deleted-{Guid.NewGuid():N}", $"brief-{Guid.NewGuid():N}");
        await connection.WorkflowService.RegisterNamespaceAsync(new() { Namespace = kept, WorkflowExecutionRetentionPeriod = day });
        await connection.WorkflowService.RegisterNamespaceAsync(new() { Namespace = brief, WorkflowExecutionRetentionPeriod = day });
        var keptId = (await connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = kept })).NamespaceInfo.Id;
        var inKept = new TemporalClient(connection, new() { Namespace = kept });
        var open = await inKept.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync("nobody-polls"), new($"open-{Guid.NewGuid():N}", "nobody-polls"));

        var deleted = await connection.OperatorService.DeleteNamespaceAsync(new() { Namespace = kept, NamespaceDeleteDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)) });
        // The engine's own namespace too: it comes back at start-up, with an ID its kept tombstone does not hold.
        var own = durable.Client.Options.Namespace;
        var ownDeleted = await connection.OperatorService.DeleteNamespaceAsync(new() { Namespace = own, NamespaceDeleteDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)) });
        var briefly = await connection.OperatorService.DeleteNamespaceAsync(new() { Namespace = brief, NamespaceDeleteDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) });
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        // Had a row of its runs stayed in the store, the restart would have brought the old name back with it.
        var gone = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() => Retry.WhileUnavailableAsync(
            () => connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = kept }), deadline.Token));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.NotFound, gone.Code);
        var tombstone = await connection.WorkflowService.DescribeNamespaceAsync(new() { Id = keptId });
        Assert.Equal((deleted.DeletedNamespace, NamespaceState.Deleted), (tombstone.NamespaceInfo.Name, tombstone.NamespaceInfo.State));
        var ownAgain = await connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = own });
        var ownById = await connection.WorkflowService.DescribeNamespaceAsync(new() { Id = ownAgain.NamespaceInfo.Id });
        Assert.Equal((own, NamespaceState.Registered), (ownById.NamespaceInfo.Name, ownById.NamespaceInfo.State));
        var ownTombstoneId = (await connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = ownDeleted.DeletedNamespace })).NamespaceInfo.Id;
        Assert.NotEqual(ownAgain.NamespaceInfo.Id, ownTombstoneId);
        Assert.Equal(ownDeleted.DeletedNamespace, (await connection.WorkflowService.DescribeNamespaceAsync(new() { Id = ownTombstoneId })).NamespaceInfo.Name);
        await connection.WorkflowService.RegisterNamespaceAsync(new() { Namespace = kept, WorkflowExecutionRetentionPeriod = day });
        await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() => inKept.GetWorkflowHandle(open.Id).DescribeAsync());
        Assert.Equal(0, (await inKept.CountWorkflowsAsync(string.Empty)).Count);

        // The short delay's purge was re-armed by the restart.
        await Eventually.UntilAsync(
            async () => (await connection.WorkflowService.ListNamespacesAsync(new() { NamespaceFilter = new() { IncludeDeleted = true } })).Namespaces.Select(n => n.NamespaceInfo.Name).ToList(),
            names => names.Contains(deleted.DeletedNamespace) && !names.Contains(briefly.DeletedNamespace),
            "the brief tombstone to go, the long one to stay", cancellationToken: deadline.Token);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_reset_run_and_its_link_from_the_base_run_survive_a_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-reset-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(queue).AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet);
        string newRunId;
        WorkflowHandle handle;
        await using (WorkerRun.Start(client, options, deadline.Token))
        {
            handle = await client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("durable"), new($"reset-restart-{Guid.NewGuid():N}", queue));
            await handle.GetResultAsync();
            newRunId = (await client.WorkflowService.ResetWorkflowExecutionAsync(new ResetWorkflowExecutionRequest
            {
                Namespace = client.Options.Namespace,
                WorkflowExecution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId! },
                WorkflowTaskFinishEventId = 4,
                Reason = "replay",
                RequestId = Guid.NewGuid().ToString(),
            })).RunId;
            Assert.Equal("Hello, durable!", await client.GetWorkflowHandle(handle.Id, newRunId).GetResultAsync<string>());
        }

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var baseRun = await Retry.WhileUnavailableAsync(() => DescribeAsync(client, handle), deadline.Token);
        Assert.Equal(newRunId, baseRun.WorkflowExtendedInfo.ResetRunId);
        Assert.Equal(4, baseRun.WorkflowExecutionInfo.AutoResetPoints.Points.Single().FirstWorkflowTaskCompletedId);
        var resetRun = await DescribeAsync(client, client.GetWorkflowHandle(handle.Id, newRunId));
        Assert.NotNull(resetRun.WorkflowExtendedInfo.LastResetTime);
        Assert.Equal(WorkflowExecutionStatus.Completed, resetRun.WorkflowExecutionInfo.Status);
        var events = (await client.GetWorkflowHandle(handle.Id, newRunId).FetchHistoryAsync()).Events.ToList();
        Assert.Equal(WorkflowTaskFailedCause.ResetWorkflow, events[3].WorkflowTaskFailedEventAttributes.Cause);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_reset_runs_pending_child_and_readmitted_update_survive_a_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-reset-child-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(queue).AddWorkflow<ResetParentWorkflow>().AddWorkflow<ReleasableChildWorkflow>().AddWorkflow<ReapplyWorkflow>();
        var childId = $"reset-restart-child-{Guid.NewGuid():N}";
        var updateId = $"u1-{Guid.NewGuid():N}";
        WorkflowHandle<ResetParentWorkflow> parent;
        WorkflowHandle<ReapplyWorkflow> updated;
        long point;
        await using (WorkerRun.Start(client, options, deadline.Token))
        {
            parent = await client.StartWorkflowAsync((ResetParentWorkflow wf) => wf.RunAsync(childId), new($"reset-restart-parent-{Guid.NewGuid():N}", queue));
            point = await CompletedTaskAfterAsync(parent, EventType.ChildWorkflowExecutionStarted, deadline.Token);
            updated = await client.StartWorkflowAsync((ReapplyWorkflow wf) => wf.RunAsync(), new($"reset-restart-update-{Guid.NewGuid():N}", queue));
            await CompletedTaskAfterAsync(updated, EventType.WorkflowExecutionStarted, deadline.Token);
            Assert.Equal(1, await updated.ExecuteUpdateAsync(wf => wf.AddByUpdateAsync("u1"), new(updateId)));
        }

        // No worker: the new runs still wait, the child for its parent, the update in the history, when the engine dies.
        var parentRunId = await ResetAsync(client, parent, point);
        var updatedRunId = await ResetAsync(client, updated, 4);
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        await using (WorkerRun.Start(client, options, deadline.Token))
        {
            await Retry.WhileUnavailableAsync(
                async () => { await client.GetWorkflowHandle<ReleasableChildWorkflow>(childId).SignalAsync(wf => wf.ReleaseAsync()); return true; }, deadline.Token);
            await client.GetWorkflowHandle<ResetParentWorkflow>(parent.Id).SignalAsync(wf => wf.GoAsync());
            Assert.Equal("released by parent", await client.GetWorkflowHandle(parent.Id, parentRunId).GetResultAsync<string>());
            await client.GetWorkflowHandle<ReapplyWorkflow>(updated.Id).SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("update:u1", await client.GetWorkflowHandle(updated.Id, updatedRunId).GetResultAsync<string>());
            Assert.Equal(1, await client.GetWorkflowHandle(updated.Id, updatedRunId).GetUpdateHandle<int>(updateId).GetResultAsync());
        }
    }

    private static async Task<long> CompletedTaskAfterAsync(WorkflowHandle handle, EventType after, CancellationToken cancellationToken)
    {
        var history = await Eventually.UntilAsync(
            async () => (await handle.FetchHistoryAsync()).Events.ToList(),
            h => h.SkipWhile(e => e.EventType != after).Any(e => e.EventType == EventType.WorkflowTaskCompleted),
            $"a workflow task to complete after {after}", cancellationToken: cancellationToken);
        return history.SkipWhile(e => e.EventType != after).First(e => e.EventType == EventType.WorkflowTaskCompleted).EventId;
    }

    private static async Task<string> ResetAsync(ITemporalClient client, WorkflowHandle handle, long eventId) =>
        (await client.WorkflowService.ResetWorkflowExecutionAsync(new ResetWorkflowExecutionRequest
        {
            Namespace = client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId! },
            WorkflowTaskFinishEventId = eventId,
            Reason = "before the restart",
            RequestId = Guid.NewGuid().ToString(),
        })).RunId;

    [Fact(Timeout = 120_000)]
    public async Task What_a_closed_run_left_pending_is_still_described_after_a_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var raw = new Conformance.RawWorker(client, new RpcOptions { CancellationToken = deadline.Token });
        var queue = $"tq-closed-pending-{Guid.NewGuid():N}";
        var handle = await raw.StartAsync($"closed-pending-{Guid.NewGuid():N}", queue);
        // One task schedules an activity no worker runs and completes the workflow: the activity stays pending.
        await raw.CompleteAsync(await raw.PollAsync(queue), Conformance.RawWorker.ScheduleActivity("left", queue + "-nobody", eager: false), Conformance.RawWorker.CompleteWorkflow());
        Assert.Equal("left", (await DescribeAsync(client, handle)).PendingActivities.Single().ActivityId);

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(() => DescribeAsync(client, handle), deadline.Token);
        Assert.Equal(WorkflowExecutionStatus.Completed, described.WorkflowExecutionInfo.Status);
        Assert.Equal(("left", PendingActivityState.Scheduled), (described.PendingActivities.Single().ActivityId, described.PendingActivities.Single().State));
    }

    private static Task<DescribeWorkflowExecutionResponse> DescribeAsync(ITemporalClient client, WorkflowHandle handle) =>
        client.WorkflowService.DescribeWorkflowExecutionAsync(new()
        {
            Namespace = client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? handle.RunId ?? string.Empty },
        });
}
