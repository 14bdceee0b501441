using System.Collections.Concurrent;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: many workflows at once, concurrent clients and pollers, nothing lost or duplicated.</summary>
[Collection(LoadCollection.Name)]
public sealed class LoadTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task ManyWorkflows_300ConcurrentStartsOnTwoWorkers_EachResultCorrectAndEachActivityRunOnce()
    {
        const int count = 300;
        var prefix = NewWorkflowId("load");
        var workerOptions = () => WorkerOptions()
            .AddWorkflow<DoubleWorkflow>()
            .AddActivity(TestActivities.Double);
        // sdk-core allows one worker per task queue per client, so the second worker gets its own
        // connection: two independent pollers as two processes would have.
        var secondClient = await TemporalClient.ConnectAsync(new(Client.Connection.Options.TargetHost!)
        {
            Namespace = Client.Options.Namespace,
        });
        using var first = new TemporalWorker(Client, workerOptions());
        using var second = new TemporalWorker(secondClient, workerOptions());

        var results = await first.ExecuteAsync(
            () => second.ExecuteAsync(
                async () =>
                {
                    using var starters = new SemaphoreSlim(50);
                    var runs = Enumerable.Range(0, count).Select(async i =>
                    {
                        await starters.WaitAsync(Deadline);
                        WorkflowHandle<DoubleWorkflow, int> handle;
                        try
                        {
                            handle = await Client.StartWorkflowAsync(
                                (DoubleWorkflow wf) => wf.RunAsync(i), new($"{prefix}-{i}", TaskQueue) { Rpc = Rpc });
                        }
                        finally
                        {
                            starters.Release();
                        }

                        return (Index: i, Result: await handle.GetResultAsync(rpcOptions: Rpc));
                    });
                    return await Task.WhenAll(runs);
                },
                Deadline),
            Deadline);

        Assert.Equal(count, results.Length);
        Assert.All(results, r => Assert.Equal(r.Index * 2, r.Result));
        var activityRuns = Enumerable.Range(0, count).Select(i => ActivityJournal.For($"{prefix}-{i}")).ToList();
        Assert.All(activityRuns.Select((runs, i) => (runs, i)), x => Assert.Equal([$"double:{x.i}"], x.runs));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ManySignals_200ConcurrentSignalsToOneWorkflow_EachDeliveredExactlyOnce()
    {
        const int count = 200;
        var items = await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("start"), Options("signals-load"));
            var sent = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = 20, CancellationToken = Deadline },
                async (i, _) =>
                {
                    await handle.SignalAsync(wf => wf.AddAsync($"item-{i}"), SignalRpc);
                    sent.Add($"item-{i}");
                });
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return await handle.GetResultAsync(rpcOptions: Rpc);
        });

        var expected = Enumerable.Range(0, count).Select(i => $"item-{i}").Prepend("start").Order(StringComparer.Ordinal);
        Assert.Equal(expected, items.Order(StringComparer.Ordinal));
    }
}
