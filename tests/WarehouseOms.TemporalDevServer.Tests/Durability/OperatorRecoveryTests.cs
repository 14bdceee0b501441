using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>An operator's pause and a workflow reset survive a SIGKILL of the engine on the PostgreSQL store.</summary>
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

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var pending = (await Retry.WhileUnavailableAsync(() => DescribeAsync(client, handle), deadline.Token)).PendingActivities.Single();
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

    private static Task<DescribeWorkflowExecutionResponse> DescribeAsync(ITemporalClient client, WorkflowHandle handle) =>
        client.WorkflowService.DescribeWorkflowExecutionAsync(new()
        {
            Namespace = client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? handle.RunId ?? string.Empty },
        });
}
