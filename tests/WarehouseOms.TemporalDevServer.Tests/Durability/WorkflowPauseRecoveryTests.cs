using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>A paused workflow (ADR 0056) stays paused across a SIGKILL of the engine on the PostgreSQL store, and the unpause resumes it.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class WorkflowPauseRecoveryTests
{
    private static readonly string[] PauseOn = ["--dynamic-config-value", WorkflowPauseEnvironmentFixture.Flag];

    [Fact(Timeout = 120_000)]
    public async Task A_paused_run_keeps_its_pause_signal_and_held_activity_across_a_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token, PauseOn);
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-wf-pause-{Guid.NewGuid():N}";
        var activityQueue = queue + "-activities";
        await using var workflows = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<HeldActivityWorkflow>().AddWorkflow<CollectorWorkflow>().AddWorkflow<ProbeWorkflow>(), deadline.Token);
        var held = await client.StartWorkflowAsync((HeldActivityWorkflow wf) => wf.RunAsync(activityQueue), new($"wf-pause-activity-{Guid.NewGuid():N}", queue));
        var collector = await client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), new($"wf-pause-signal-{Guid.NewGuid():N}", queue));
        await Eventually.UntilAsync(() => DescribeAsync(client, held.Id), d => d.PendingActivities.Count == 1, "the activity to be scheduled", cancellationToken: deadline.Token);
        await Eventually.UntilAsync(() => DescribeAsync(client, collector.Id), d => d.WorkflowExecutionInfo.HistoryLength >= 4, "the collector's first task", cancellationToken: deadline.Token);
        foreach (var id in new[] { held.Id, collector.Id })
        {
            await client.WorkflowService.PauseWorkflowExecutionAsync(new()
            {
                Namespace = client.Options.Namespace,
                WorkflowId = id,
                Identity = "operator",
                Reason = "across a restart",
                RequestId = $"pause-{id}",
            });
        }

        await collector.SignalAsync(wf => wf.AddAsync("while-paused"));
        await collector.SignalAsync(wf => wf.FinishAsync());

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        foreach (var id in new[] { held.Id, collector.Id })
        {
            var described = await Retry.WhileUnavailableAsync(() => DescribeAsync(client, id), deadline.Token);
            Assert.Equal(WorkflowExecutionStatus.Paused, described.WorkflowExecutionInfo.Status);
            Assert.Equal(("operator", "across a restart"), (described.WorkflowExtendedInfo.PauseInfo.Identity, described.WorkflowExtendedInfo.PauseInfo.Reason));
            Assert.Null(described.PendingWorkflowTask);
            // The same request again is still recognised after the restart.
            await client.WorkflowService.PauseWorkflowExecutionAsync(new() { Namespace = client.Options.Namespace, WorkflowId = id, RequestId = $"pause-{id}" });
        }

        Assert.Equal(2, (await client.CountWorkflowsAsync($"TaskQueue = '{queue}' AND ExecutionStatus = 'Paused'")).Count);
        // The operators' view (README: SELECT * FROM temporal.visibility) names the status too.
        Assert.Equal(["Paused", "Paused"], await ViewStatusesAsync(durable.Store, queue));
        await using (WorkerRun.Start(client, new TemporalWorkerOptions(activityQueue).AddActivity(OperatorActivities.HoldAsync).AddActivity(TestActivities.Greet), deadline.Token))
        {
            // The probe's activity is queued after the held one: had the restart offered it, it would have run first.
            var probe = await client.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync(activityQueue), new($"probe-{Guid.NewGuid():N}", queue));
            Assert.Equal("Hello, probe!", await probe.GetResultAsync());
            Assert.Empty(ActivityJournal.For(held.Id));
            Assert.Equal(WorkflowExecutionStatus.Paused, (await DescribeAsync(client, collector.Id)).WorkflowExecutionInfo.Status);

            foreach (var id in new[] { held.Id, collector.Id })
            {
                await client.WorkflowService.UnpauseWorkflowExecutionAsync(new() { Namespace = client.Options.Namespace, WorkflowId = id });
            }

            Assert.Equal(["start", "while-paused"], await collector.GetResultAsync());
            var token = await Eventually.UntilAsync(
                () => Task.FromResult(ActivityJournal.For(held.Id).FirstOrDefault(e => e.StartsWith("token:", StringComparison.Ordinal))),
                t => t is not null, "the held activity to run after the unpause", cancellationToken: deadline.Token);
            await client.GetAsyncActivityHandle(Convert.FromBase64String(token!["token:".Length..])).CompleteAsync("after restart");
            Assert.Equal("after restart", await held.GetResultAsync<string>());
        }
    }

    private static async Task<List<string>> ViewStatusesAsync(DurableStore store, string queue)
    {
        await using var connection = new Npgsql.NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT status FROM temporal.visibility WHERE task_queue = @q", connection);
        command.Parameters.AddWithValue("q", queue);
        var statuses = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetString(0));
        }

        return statuses;
    }

    private static Task<DescribeWorkflowExecutionResponse> DescribeAsync(ITemporalClient client, string workflowId) =>
        client.WorkflowService.DescribeWorkflowExecutionAsync(new() { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = workflowId } });
}
