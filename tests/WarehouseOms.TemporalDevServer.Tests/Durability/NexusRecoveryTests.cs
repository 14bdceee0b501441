using Temporalio.Api.Enums.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Nexus on the PostgreSQL store survives a SIGKILL of the engine: endpoints are kept; an operation started before
/// the kill completes through its handler workflow's callback after it; one whose start nobody had answered is sent
/// again and completes once a handler polls.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class NexusRecoveryTests
{
    [Fact(Timeout = 150_000)]
    public async Task EndpointsAndPendingOperations_SurviveAKill()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var callerQueue = $"tq-nexus-caller-{Guid.NewGuid():N}";
        var handlerQueue = $"tq-nexus-handler-{Guid.NewGuid():N}";
        var endpoint = (await client.OperatorService.CreateNexusEndpointAsync(new()
        {
            Spec = new EndpointSpec
            {
                Name = $"stock-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new() { Namespace = client.Options.Namespace, TaskQueue = handlerQueue } },
            },
        })).Endpoint;

        var caller = new TemporalWorkerOptions(callerQueue).AddWorkflow<StockCallerWorkflow>();
        var reservationId = $"reservation-{Guid.NewGuid():N}";
        var reservation = new ReservationRequest("SKU-K", reservationId, "wait", Shared: true);
        WorkflowHandle<StockCallerWorkflow, string> waiting, sharing, unanswered;
        await using (WorkerRun.Start(client, caller, deadline.Token))
        {
            await using (WorkerRun.Start(client, new TemporalWorkerOptions(handlerQueue).AddWorkflow<ReservationWorkflow>().AddNexusService(new StockService()), deadline.Token))
            {
                // Started (async) before the kill: its workflow waits for a signal; a second caller's operation attaches to it.
                async Task<WorkflowHandle<StockCallerWorkflow, string>> StartedAsync(string prefix)
                {
                    var handle = await client.StartWorkflowAsync((StockCallerWorkflow w) => w.RunAsync(
                        new StockCall(endpoint.Spec.Name, "SKU-K", reservation)), new($"{prefix}-{Guid.NewGuid():N}", callerQueue));
                    await Eventually.UntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.NexusOperationStarted),
                        started => started, $"{prefix}'s operation started", cancellationToken: deadline.Token);
                    return handle;
                }

                waiting = await StartedAsync("nexus-waiting");
                sharing = await StartedAsync("nexus-sharing");
            }

            // Scheduled while no handler polls: its start is retried, unanswered, when the engine dies.
            unanswered = await client.StartWorkflowAsync((StockCallerWorkflow w) => w.RunAsync(new StockCall(endpoint.Spec.Name, "SKU-U")),
                new($"nexus-unanswered-{Guid.NewGuid():N}", callerQueue));
            await Eventually.UntilAsync(async () => (await unanswered.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.NexusOperationScheduled),
                scheduled => scheduled, "the second operation scheduled", cancellationToken: deadline.Token);
            await engine.KillAsync();
        }

        await engine.StartAsync(deadline.Token);
        var kept = await Retry.WhileUnavailableAsync(() => client.OperatorService.GetNexusEndpointAsync(new() { Id = endpoint.Id }), deadline.Token);
        Assert.Equal(endpoint, kept.Endpoint);

        await using var callerAgain = WorkerRun.Start(client, caller, deadline.Token);
        await using var handlerAgain = WorkerRun.Start(client, new TemporalWorkerOptions(handlerQueue).AddWorkflow<ReservationWorkflow>().AddNexusService(new StockService()), deadline.Token);
        await client.GetWorkflowHandle<ReservationWorkflow>(reservationId).SignalAsync(w => w.ReleaseAsync());

        Assert.Equal("SKU-K reserved after waiting", await Retry.WhileUnavailableAsync(() => waiting.GetResultAsync(), deadline.Token));
        Assert.Equal("SKU-K reserved after waiting", await Retry.WhileUnavailableAsync(() => sharing.GetResultAsync(), deadline.Token));
        Assert.Equal("SKU-U: 7 in stock", await Retry.WhileUnavailableAsync(() => unanswered.GetResultAsync(), deadline.Token));
        var events = (await waiting.FetchHistoryAsync()).Events;
        Assert.Single(events, e => e.EventType == EventType.NexusOperationStarted);
        Assert.Single(events, e => e.EventType == EventType.NexusOperationCompleted);

        // How the handler workflow's two callbacks went is kept with it: read back after another kill.
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);
        var described = await Retry.WhileUnavailableAsync(() => client.WorkflowService.DescribeWorkflowExecutionAsync(
            new() { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = reservationId } }), deadline.Token);
        Assert.Equal([CallbackState.Succeeded, CallbackState.Succeeded], described.Callbacks.Select(c => c.State));
    }
}
