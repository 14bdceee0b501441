using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>A worker that goes away mid-order (deploy, crash): the next one carries on from the history.</summary>
[Collection(FulfillmentCollection.Name)]
public sealed class WorkerRestartTests(LocalServerFixture server) : WorkflowTest(server.Environment)
{
    [Fact]
    public async Task RunAsync_WorkerGoneWhileAwaitingPick_NextWorkerFinishesWithoutRedoingSteps()
    {
        var handle = await RunWithWorkerAsync(async () =>
        {
            var started = await StartFulfillmentAsync(Fulfillment());
            await WaitForStepAsync(started, "AwaitPick");
            return started;
        });
        var doneBeforeRestart = Path().ToList();

        // No worker polls now: the server keeps the signals in the history.
        await SignalPickAsync(handle, "pick-1");
        await SignalPackAsync(handle, "pack-1");
        await SignalDeliveredAsync(handle, "delivered-1");

        var result = await RunWithWorkerAsync(() => handle.GetResultAsync());

        Assert.Equal("COMPLETED", result.Status);
        Assert.Equal(HappyPath.Take(UpToPickWave), doneBeforeRestart);
        Assert.Equal(HappyPath, Path());
    }
}
