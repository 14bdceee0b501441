using Temporalio.Api.Enums.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Update completion callbacks on the PostgreSQL store survive a SIGKILL of the engine (ADR 0059): two Nexus operations
/// share one accepted update before the kill; when the update completes after the restart, both callers complete, and
/// how each callback's call went is still described after another kill.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class UpdateCallbackRecoveryTests
{
    [Fact(Timeout = 150_000)]
    public async Task TheCallbacksOfAnAcceptedUpdate_SurviveAKill_AndCompleteTheirCallersAfterIt()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token, "--dynamic-config-value", "history.enableUpdateCallbacks=true");
        var (engine, client) = (durable.Process, durable.Client);
        var queue = $"tq-update-callbacks-{Guid.NewGuid():N}";
        var endpoint = (await client.OperatorService.CreateNexusEndpointAsync(new()
        {
            Spec = new EndpointSpec
            {
                Name = $"bins-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new() { Namespace = client.Options.Namespace, TaskQueue = queue } },
            },
        })).Endpoint.Spec.Name;
        var worker = new TemporalWorkerOptions(queue).AddWorkflow<BinWorkflow>().AddWorkflow<RestockCallerWorkflow>().AddNexusService(new BinService());

        var bin = await client.StartWorkflowAsync((BinWorkflow w) => w.RunAsync(), new($"bin-{Guid.NewGuid():N}", queue));
        var request = new RestockRequest(bin.Id, 5, "restock-across-restart");
        WorkflowHandle<RestockCallerWorkflow, string> first, second;
        List<(string RequestId, EventType Type, long EventId, bool Buffered)> attachedBefore;
        async Task<List<(string RequestId, EventType Type, long EventId, bool Buffered)>> RequestIdInfosAsync() =>
            (await client.WorkflowService.DescribeWorkflowExecutionAsync(new() { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = bin.Id } }))
            .WorkflowExtendedInfo.RequestIdInfos.Select(i => (i.Key, i.Value.EventType, i.Value.EventId, i.Value.Buffered)).OrderBy(i => i.Key).ToList();

        await using (WorkerRun.Start(client, worker, deadline.Token))
        {
            await bin.SignalAsync(w => w.HoldAsync(true));
            async Task<WorkflowHandle<RestockCallerWorkflow, string>> StartedAsync(string prefix)
            {
                var caller = await client.StartWorkflowAsync((RestockCallerWorkflow w) => w.RunAsync(endpoint, request), new($"{prefix}-{Guid.NewGuid():N}", queue));
                await Eventually.UntilAsync(async () => (await caller.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.NexusOperationStarted),
                    started => started, $"{prefix}'s operation started", cancellationToken: deadline.Token);
                return caller;
            }

            first = await StartedAsync("restock-first");
            second = await StartedAsync("restock-second"); // attached to the accepted update
            attachedBefore = await RequestIdInfosAsync();
            Assert.Contains(attachedBefore, i => i.Type == EventType.WorkflowExecutionOptionsUpdated);
            await engine.KillAsync();
        }

        await engine.StartAsync(deadline.Token);
        // The run's request IDs are indexed, not stored: the restarted engine names the same events for them.
        Assert.Equal(attachedBefore, await Retry.WhileUnavailableAsync(RequestIdInfosAsync, deadline.Token));
        await using (WorkerRun.Start(client, worker, deadline.Token))
        {
            await Retry.WhileUnavailableAsync(() => bin.SignalAsync(w => w.HoldAsync(false)), deadline.Token);
            Assert.Equal("stock 5", await Retry.WhileUnavailableAsync(() => first.GetResultAsync(), deadline.Token));
            Assert.Equal("stock 5", await Retry.WhileUnavailableAsync(() => second.GetResultAsync(), deadline.Token));
        }

        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);
        var described = await Retry.WhileUnavailableAsync(() => client.WorkflowService.DescribeWorkflowExecutionAsync(
            new() { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = bin.Id } }), deadline.Token);
        Assert.Equal(
            [("restock-across-restart", CallbackState.Succeeded), ("restock-across-restart", CallbackState.Succeeded)],
            described.Callbacks.Select(c => (c.Trigger.UpdateWorkflowExecutionCompleted.UpdateId, c.State)));
    }
}
