using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Smoke;

/// <summary>
/// Without sticky queues every workflow task carries the full history; the worker must still keep its
/// cached run (no replay from scratch per task), or every workflow costs one instance per task.
/// </summary>
public sealed class WorkerCacheSmokeTests
{
    private static int instances;

    [Fact(Timeout = 60_000)]
    public async Task FullHistoryTasks_CachedRun_WorkflowInstantiatedOncePerRun()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        await using var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 }, deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(server.Target));
        var taskQueue = $"cache-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(
            client,
            new TemporalWorkerOptions(taskQueue).AddWorkflow<ThreeStepWorkflow>().AddActivity(ThreeStepWorkflow.Step));

        const int runs = 10;
        await worker.ExecuteAsync(
            async () =>
            {
                var handles = await Task.WhenAll(Enumerable.Range(0, runs).Select(i => client.StartWorkflowAsync(
                    (ThreeStepWorkflow wf) => wf.RunAsync(),
                    new WorkflowOptions($"cache-{i}-{Guid.NewGuid():N}", taskQueue))));
                await Task.WhenAll(handles.Select(h => h.GetResultAsync(rpcOptions: new() { CancellationToken = deadline.Token })));
            },
            deadline.Token);

        Assert.Equal(runs, Volatile.Read(ref instances));
    }

    [Workflow]
    public sealed class ThreeStepWorkflow
    {
        public ThreeStepWorkflow() => Interlocked.Increment(ref instances);

        [Activity]
        public static int Step(int n) => n + 1;

        [WorkflowRun]
        public async Task<int> RunAsync()
        {
            var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
            var n = 0;
            for (var i = 0; i < 3; i++)
            {
                n = await Workflow.ExecuteActivityAsync(() => Step(n), options);
            }

            return n;
        }
    }
}
