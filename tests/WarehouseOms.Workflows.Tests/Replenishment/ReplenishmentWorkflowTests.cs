using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.Workflows.Replenishment;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests.Replenishment;

[CollectionDefinition(Name)]
public sealed class ReplenishmentCollection : ICollectionFixture<TimeSkippingServerFixture>
{
    public const string Name = "Replenishment workflow on the time-skipping server";
}

/// <summary>Stand-ins for the IMS replenishment activities: record each call with the contract's names.</summary>
public sealed class ReplenishmentStubs
{
    private readonly Lock sync = new();
    private readonly List<string> calls = [];

    public static readonly DateTimeOffset RequestedAt = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (sync)
            {
                return [.. calls];
            }
        }
    }

    public ReplenishmentOverdueInput? Overdue { get; private set; }

    [Activity(ReplenishmentActivityNames.RequestReplenishment)]
    public Task<ReplenishmentRequested> RequestAsync(RequestReplenishmentInput input)
    {
        Record(ReplenishmentActivityNames.RequestReplenishment);
        return Task.FromResult(new ReplenishmentRequested(input.Sku, 3, 10, 50, RequestedAt));
    }

    [Activity(ReplenishmentActivityNames.MarkReplenishmentOverdue)]
    public Task OverdueAsync(ReplenishmentOverdueInput input)
    {
        Overdue = input;
        Record(ReplenishmentActivityNames.MarkReplenishmentOverdue);
        return Task.CompletedTask;
    }

    private void Record(string name)
    {
        lock (sync)
        {
            calls.Add(name);
        }
    }
}

[Collection(ReplenishmentCollection.Name)]
public sealed class ReplenishmentWorkflowTests(TimeSkippingServerFixture server)
{
    private static readonly TimeSpan OverdueAfter = TimeSpan.FromHours(6);

    private readonly string taskQueue = $"replenishment-{Guid.NewGuid():N}";
    private readonly string sku = $"SKU-{Guid.NewGuid():N}"[..16];
    private readonly ReplenishmentStubs stubs = new();

    private ITemporalClient Client => server.Environment.Client;

    [Fact]
    public Task RunAsync_NoStockWithinOverdueTime_EscalatesKeepsWaitingAndCompletesOnReceipt() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartAsync();
        await WaitForStageAsync(handle, "REQUESTED");
        Assert.Equal([ReplenishmentActivityNames.RequestReplenishment], stubs.Calls);

        await server.Environment.DelayAsync(OverdueAfter + TimeSpan.FromMinutes(1));
        var overdue = await WaitForStageAsync(handle, "OVERDUE");
        Assert.NotNull(overdue.EscalatedAt);
        Assert.Equal(new ReplenishmentOverdueInput(sku, ReplenishmentStubs.RequestedAt), stubs.Overdue);

        // Escalated, yet still waiting: more time passes without a second escalation.
        await server.Environment.DelayAsync(OverdueAfter * 3);
        Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);

        await handle.SignalAsync(ReplenishmentSignalNames.StockReceived, [new StockReceivedSignal("msg-1", "rcpt-1", sku, 50)]);
        var result = await handle.GetResultAsync();

        Assert.Equal(new ReplenishmentResult(sku, "rcpt-1", 50, ReplenishmentStubs.RequestedAt, Escalated: true), result);
        Assert.Equal(
            [ReplenishmentActivityNames.RequestReplenishment, ReplenishmentActivityNames.MarkReplenishmentOverdue],
            stubs.Calls);
    });

    [Fact]
    public Task RunAsync_StockBeforeOverdue_CompletesWithoutEscalation() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartAsync();
        await WaitForStageAsync(handle, "REQUESTED");

        // A receipt for another SKU does not answer this replenishment.
        await handle.SignalAsync(ReplenishmentSignalNames.StockReceived, [new StockReceivedSignal("msg-0", "rcpt-0", "OTHER-SKU", 5)]);
        await handle.SignalAsync(ReplenishmentSignalNames.StockReceived, [new StockReceivedSignal("msg-1", "rcpt-1", sku, 20)]);
        var result = await handle.GetResultAsync();

        Assert.Equal("rcpt-1", result.ReceiptId);
        Assert.False(result.Escalated);
        Assert.Equal([ReplenishmentActivityNames.RequestReplenishment], stubs.Calls);
    });

    [Fact]
    public Task Start_SecondForSameSkuWhileRunning_RejectedAndFirstUnaffected() => RunWithWorkerAsync(async () =>
    {
        var handle = await StartAsync();
        await WaitForStageAsync(handle, "REQUESTED");

        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(StartAsync);

        await handle.SignalAsync(ReplenishmentSignalNames.StockReceived, [new StockReceivedSignal("msg-1", "rcpt-1", sku, 20)]);
        Assert.Equal("rcpt-1", (await handle.GetResultAsync()).ReceiptId);
        Assert.Equal([ReplenishmentActivityNames.RequestReplenishment], stubs.Calls);

        // Once it completed, the next shortage of the SKU may start a new replenishment.
        var next = await StartAsync();
        Assert.NotEqual(handle.ResultRunId, next.ResultRunId);
        await WaitForStageAsync(next, "REQUESTED");
        await next.SignalAsync(ReplenishmentSignalNames.StockReceived, [new StockReceivedSignal("msg-2", "rcpt-2", sku, 20)]);
        Assert.Equal("rcpt-2", (await next.GetResultAsync()).ReceiptId);
    });

    private Task<WorkflowHandle<ReplenishmentWorkflow, ReplenishmentResult>> StartAsync()
    {
        var input = new ReplenishmentInput(sku, "test", new ReplenishmentOptions(OverdueAfter));
        return Client.StartWorkflowAsync((ReplenishmentWorkflow wf) => wf.RunAsync(input), ReplenishmentWorkflow.StartOptions(sku, taskQueue));
    }

    private static Task<ReplenishmentStatus> WaitForStageAsync(WorkflowHandle<ReplenishmentWorkflow, ReplenishmentResult> handle, string stage) =>
        Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Status), s => s.Stage == stage, $"replenishment stage {stage}", TimeSpan.FromSeconds(60));

    private async Task RunWithWorkerAsync(Func<Task> body)
    {
        using var worker = new TemporalWorker(
            Client,
            new TemporalWorkerOptions(taskQueue).AddWorkflow<ReplenishmentWorkflow>().AddAllActivities(stubs));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await worker.ExecuteAsync(body, deadline.Token);
    }
}
