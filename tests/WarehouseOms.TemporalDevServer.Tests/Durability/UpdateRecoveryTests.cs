using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>An accepted workflow update is durable: it survives a SIGKILL of the engine and completes after the restart.</summary>
[Collection(DurabilityCollection.Name)]
public sealed class UpdateRecoveryTests
{
    [Fact(Timeout = 120_000)]
    public async Task AcceptedUpdate_SurvivesAKill_AndCompletesAfterTheRestart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-update-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<UpdatableWorkflow>(), deadline.Token);
        var handle = await client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), new($"update-{Guid.NewGuid():N}", queue) { TaskTimeout = TimeSpan.FromSeconds(3) });
        var update = await handle.StartUpdateAsync(wf => wf.AddWhenReleasedAsync("kept"), new(WorkflowUpdateStage.Accepted) { Id = "update-across-restart" });

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        await Retry.WhileUnavailableAsync(() => handle.SignalAsync(wf => wf.ReleaseAsync()), deadline.Token);
        var result = await Retry.WhileUnavailableAsync(() => handle.GetUpdateHandle<string>(update.Id).GetResultAsync(), deadline.Token);
        Assert.Equal("added kept", result);
        await Retry.WhileUnavailableAsync(() => handle.SignalAsync(wf => wf.FinishAsync()), deadline.Token);
        Assert.Equal(["kept"], await Retry.WhileUnavailableAsync(() => handle.GetResultAsync(), deadline.Token));
        var events = (await handle.FetchHistoryAsync()).Events;
        Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);
    }
}
