using System.Diagnostics;
using System.Globalization;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>
/// The memory check: many one-activity workflows end to end on one server, printing the managed heap
/// (after a full collection: what is live) and the process RSS as they go. With the PostgreSQL store
/// closed runs leave memory, so both stay flat; in memory, closed runs stay until retention.
/// </summary>
public static class Soak
{
    public static async Task<bool> RunAsync(BenchmarkOptions options, string store)
    {
        await using var server = await ServerHost.StartAsync(options, store);
        Console.WriteLine($"soak: {server.Description}, retention {options.Retention}, {options.Soak} workflows at most, " +
            $"{options.SoakBudget.TotalMinutes:F0} min at most, concurrency {options.Concurrency}, {Environment.ProcessorCount} cores");
        var client = server.Client;
        var queue = $"soak-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
        {
            MaxConcurrentWorkflowTaskPolls = options.WorkflowTaskPollers,
            MaxConcurrentActivityTaskPolls = options.ActivityTaskPollers,
            // The worker's own cache is not what is measured: keep it small and fixed.
            MaxCachedWorkflows = 100,
        }.AddWorkflow<OneActivityWorkflow>().AddActivity(BenchmarkActivities.Increment));

        var done = 0;
        var wrong = 0;
        var failed = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        Print("start", 0, clock.Elapsed);
        await worker.ExecuteAsync(async () =>
        {
            using var stop = new CancellationTokenSource();
            var reporter = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await Task.Delay(options.SoakReportEvery, stop.Token);
                        Print("running", Volatile.Read(ref done), clock.Elapsed);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Finished.
                }
            });
            async Task CallerAsync()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < options.Soak && clock.Elapsed < options.SoakBudget)
                {
                    try
                    {
                        var result = await client.ExecuteWorkflowAsync((OneActivityWorkflow wf) => wf.RunAsync(i), new($"soak-{queue}-{i}", queue));
                        Interlocked.Increment(ref done);
                        if (result != i + 1)
                        {
                            Interlocked.Increment(ref wrong);
                        }
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        if (Interlocked.Increment(ref failed) <= 3)
                        {
                            await Console.Error.WriteLineAsync($"soak: workflow {i} failed: {e.GetType().Name}: {e.Message}");
                        }
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(CallerAsync)));
            await stop.CancelAsync();
            await reporter;
        });

        Print("end", done, clock.Elapsed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak {store}: {done} workflows in {clock.Elapsed.TotalSeconds:F0} s ({done / clock.Elapsed.TotalSeconds:F1}/s), wrong results {wrong}, failed {failed}"));
        // Indexes below done - concurrency were all run (callers take indexes in order), whenever the budget stopped it.
        var reused = await StartAgainAsync(client, queue, Math.Max(0, done - options.Concurrency), server);
        return wrong == 0 && failed == 0 && reused == 0;
    }

    /// <summary>
    /// Closed runs (with PostgreSQL long gone from memory) still decide ID reuse: 200 of the soak's IDs, spread over
    /// it, started again with RejectDuplicate must each be refused. Returns how many were not.
    /// </summary>
    private static async Task<int> StartAgainAsync(ITemporalClient client, string queue, int run, ServerHost server)
    {
        if (run == 0)
        {
            return 0;
        }

        var readBacks = server.StoreReadBacks;
        var started = 0;
        var sample = Enumerable.Range(0, 200).Select(k => (int)((long)k * run / 200)).Distinct().ToList();
        foreach (var i in sample)
        {
            try
            {
                await client.StartWorkflowAsync((OneActivityWorkflow wf) => wf.RunAsync(i), new($"soak-{queue}-{i}", queue) { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate });
                started++;
            }
            catch (WorkflowAlreadyStartedException)
            {
                // As it must be.
            }
        }

        var reads = readBacks is { } before && server.StoreReadBacks is { } after
            ? string.Create(CultureInfo.InvariantCulture, $"; store read-backs {before} during the soak, {after - before} for these")
            : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {sample.Count} of its workflow IDs started again with RejectDuplicate: {sample.Count - started} refused, {started} started (must be 0){reads}"));
        return started;
    }

    private static void Print(string stage, int done, TimeSpan elapsed)
    {
        using var process = Process.GetCurrentProcess();
        var live = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {elapsed.TotalSeconds,6:F0} s {stage,-8} {done,7} workflows  managed heap {live / 1048576.0,7:F1} MB  RSS {process.WorkingSet64 / 1048576.0,7:F1} MB"));
    }
}
