using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// ADR 0065: on the PostgreSQL store a call naming a workflow ID reads the store only when the engine's filter of
/// stored workflow IDs says it may be there — a start of a new ID reads nothing — while every closed run that left
/// memory is still found (the filter is built from the store before serving, so a restart misses none).
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class ReadBackFilterTests
{
    private const int ClosedRuns = 40;

    [Fact(Timeout = 180_000)]
    public async Task New_workflow_ids_are_started_without_reading_the_store_and_closed_runs_are_still_found_after_a_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(160));
        await using var store = await DurableStore.CreateAsync();
        var options = new TemporalDevServerOptions { Port = 0, Storage = TemporalDevServerStorage.Postgres(store.ConnectionString) };
        var queue = $"tq-read-back-{Guid.NewGuid():N}";
        var idle = $"tq-idle-{Guid.NewGuid():N}";
        var closed = Enumerable.Range(0, ClosedRuns).Select(i => $"closed-{i}-{Guid.NewGuid():N}").ToList();

        await using (var server = await TemporalDevServer.StartAsync(options))
        {
            var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
            await CloseRunsAsync(client, queue, closed, deadline.Token);

            var before = server.StoreReadBacks;
            await StartNewAsync(client, idle, 20);
            var unknown = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(
                () => client.GetWorkflowHandle($"never-started-{Guid.NewGuid():N}").SignalAsync("nothing", []));
            Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.NotFound, unknown.Code);
            Assert.Equal(before, server.StoreReadBacks);
        }

        // A new engine on the same store holds the open runs only: each closed one must be read back.
        await using (var server = await TemporalDevServer.StartAsync(options))
        {
            var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
            await AssertEachRefusesADuplicateAsync(client, queue, closed);

            Assert.True(server.StoreReadBacks >= ClosedRuns, $"{server.StoreReadBacks} read-backs for {ClosedRuns} closed runs");
            var described = await client.GetWorkflowHandle(closed[^1]).DescribeAsync();
            Assert.Equal(WorkflowExecutionStatus.Completed, described.Status);

            var before = server.StoreReadBacks;
            await StartNewAsync(client, idle, 20);
            Assert.Equal(before, server.StoreReadBacks);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_full_filter_is_built_again_from_the_store_and_still_finds_every_closed_run()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(160));
        await using var store = await DurableStore.CreateAsync();
        // Sweeps (which rebuild a full filter) every 6 s, a tenth of the retention; closed runs stay a minute.
        var options = new TemporalDevServerOptions
        {
            Port = 0, Storage = TemporalDevServerStorage.Postgres(store.ConnectionString), Retention = TimeSpan.FromSeconds(60),
            ReadBackFilterMinimumCapacity = 16,
        };
        var queue = $"tq-rebuild-{Guid.NewGuid():N}";
        var closed = Enumerable.Range(0, ClosedRuns).Select(i => $"rebuilt-{i}-{Guid.NewGuid():N}").ToList();
        await using var server = await TemporalDevServer.StartAsync(options);
        var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
        await CloseRunsAsync(client, queue, closed, deadline.Token);

        // Forty IDs in a filter sized for sixteen: the next sweep builds it again from the store (the runs have left
        // memory by then, a second after their close was committed).
        await Eventually.UntilAsync(() => Task.FromResult(server.ReadBackFilterRebuilds), rebuilds => rebuilds >= 1, "the full filter to be rebuilt", cancellationToken: deadline.Token);
        await AssertEachRefusesADuplicateAsync(client, queue, closed);

        // Sized for the store now: new IDs are almost never a "maybe" (the full filter made about a quarter of them one).
        var before = server.StoreReadBacks;
        await StartNewAsync(client, $"tq-idle-{Guid.NewGuid():N}", 20);
        Assert.True(server.StoreReadBacks - before <= 2, $"{server.StoreReadBacks - before} read-backs for 20 new IDs");
    }

    private static async Task CloseRunsAsync(ITemporalClient client, string queue, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<SleeperWorkflow>(), cancellationToken);
        foreach (var id in ids)
        {
            await client.ExecuteWorkflowAsync((SleeperWorkflow w) => w.RunAsync(TimeSpan.Zero), new(id, queue));
        }
    }

    private static async Task AssertEachRefusesADuplicateAsync(ITemporalClient client, string queue, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => client.StartWorkflowAsync(
                (SleeperWorkflow w) => w.RunAsync(TimeSpan.Zero), new(id, queue) { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate }));
        }
    }

    private static async Task StartNewAsync(ITemporalClient client, string queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await client.StartWorkflowAsync((SleeperWorkflow w) => w.RunAsync(TimeSpan.FromHours(1)), new($"new-{i}-{Guid.NewGuid():N}", queue));
        }
    }
}
