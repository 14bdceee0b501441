using Temporalio.Api.Enums.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using WarehouseOms.Testing;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// Standalone Nexus operations on the PostgreSQL store survive a SIGKILL of the engine (ADR 0054): one started
/// (async) before the kill completes through its handler workflow's callback after it; one whose start nobody had
/// answered is sent again and completes once a handler polls; a closed one is still described and listed.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class NexusStandaloneOperationRecoveryTests
{
    [Fact(Timeout = 150_000)]
    public async Task OperationsInFlight_CompleteAfterAKill()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(130));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var handlerQueue = $"tq-standalone-nexus-{Guid.NewGuid():N}";
        var endpoint = (await client.OperatorService.CreateNexusEndpointAsync(new()
        {
            Spec = new EndpointSpec
            {
                Name = $"standalone-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new() { Namespace = client.Options.Namespace, TaskQueue = handlerQueue } },
            },
        })).Endpoint.Spec.Name;
        var nexus = client.CreateNexusClient<IStockService>(endpoint);
        var handler = new TemporalWorkerOptions(handlerQueue).AddWorkflow<ReservationWorkflow>().AddNexusService(new StockService());
        var reservationId = $"standalone-reservation-{Guid.NewGuid():N}";

        NexusOperationHandle<string> waiting, unanswered, done;
        await using (WorkerRun.Start(client, handler, deadline.Token))
        {
            done = await nexus.StartNexusOperationAsync(s => s.Check("SKU-D"), new($"done-{Guid.NewGuid():N}") { ScheduleToCloseTimeout = TimeSpan.FromSeconds(100) });
            Assert.Equal("SKU-D: 7 in stock", await done.GetResultAsync());
            waiting = await nexus.StartNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-K", reservationId, "wait")),
                new($"waiting-{Guid.NewGuid():N}") { ScheduleToCloseTimeout = TimeSpan.FromSeconds(100) });
            await Eventually.UntilAsync(() => waiting.DescribeAsync(), d => d.State == PendingNexusOperationState.Started, "the operation started",
                cancellationToken: deadline.Token);
        }

        // Started while no handler polls: its start waits, unanswered, when the engine dies.
        unanswered = await nexus.StartNexusOperationAsync(s => s.Check("SKU-U"), new($"unanswered-{Guid.NewGuid():N}") { ScheduleToCloseTimeout = TimeSpan.FromSeconds(100) });
        await engine.KillAsync();

        await engine.StartAsync(deadline.Token);
        await using var handlerAgain = WorkerRun.Start(client, handler, deadline.Token);
        await Retry.WhileUnavailableAsync(() => client.GetWorkflowHandle<ReservationWorkflow>(reservationId).SignalAsync(w => w.ReleaseAsync()), deadline.Token);

        Assert.Equal("SKU-K reserved after waiting", await Retry.WhileUnavailableAsync(() => waiting.GetResultAsync(), deadline.Token));
        Assert.Equal("SKU-U: 7 in stock", await Retry.WhileUnavailableAsync(() => unanswered.GetResultAsync(), deadline.Token));
        Assert.Equal("SKU-D: 7 in stock", await Retry.WhileUnavailableAsync(() => done.GetResultAsync(), deadline.Token));
        var described = await waiting.DescribeAsync();
        Assert.Equal((NexusOperationExecutionStatus.Completed, waiting.RunId), (described.Status, described.RunId));

        // The closed operations are read back after another kill.
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);
        var count = await Retry.WhileUnavailableAsync(() => client.CountNexusOperationsAsync($"Endpoint = '{endpoint}' AND ExecutionStatus = 'Completed'"), deadline.Token);
        Assert.Equal(3, count.Count);
    }
}
