using System.Diagnostics;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.TimeSkipping;

/// <summary>
/// Issue 2: time skipping "as a library option". The only test here that starts the server through its
/// own library API (there is no SDK equivalent); everything after that is plain SDK client and worker,
/// with no test-service calls: an unlocked time-skipping server skips on its own.
/// </summary>
public sealed class LibraryTimeSkippingTests
{
    [Fact(Timeout = 90_000)]
    public async Task TimeSkippingOption_FourHourTimer_SkippedWithoutTestService()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var server = await TemporalDevServer.StartAsync(
            new TemporalDevServerOptions { Port = 0, TimeSkipping = true }, deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
        var taskQueue = $"tq-library-skip-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<TimerWorkflow>());

        var wall = Stopwatch.StartNew();
        var reading = await worker.ExecuteAsync(
            () => client.ExecuteWorkflowAsync(
                (TimerWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(4).TotalSeconds),
                new($"library-skip-{Guid.NewGuid():N}", taskQueue)),
            deadline.Token);
        wall.Stop();

        Assert.True(reading.After - reading.Before >= TimeSpan.FromHours(4), $"workflow clock moved {reading.After - reading.Before}");
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(30), $"a skipped 4-hour timer took {wall.Elapsed} of wall time");
    }
}
