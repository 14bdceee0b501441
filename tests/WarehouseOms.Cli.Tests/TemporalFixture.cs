using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;
using WarehouseOms.Workflows;
using DevServer = WarehouseOms.TemporalDevServer.TemporalDevServer;

namespace WarehouseOms.Cli.Tests;

/// <summary>
/// The embedded dev server in-process with a worker for stand-in workflows: the CLI's Temporal side
/// (query, show, the submit wait) is tested against real gRPC without the whole service.
/// </summary>
public sealed class TemporalFixture : IAsyncLifetime
{
    public const string TaskQueue = "cli-tests";

    private DevServer? server;
    private TemporalWorker? worker;
    private Task? workerRun;
    private readonly CancellationTokenSource stop = new();

    public string Target => server?.Target ?? throw new InvalidOperationException("not started");

    public ITemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        server = await DevServer.StartAsync(new() { Port = 0 });
        Client = await TemporalClient.ConnectAsync(new(server.Target));
        worker = new TemporalWorker(
            Client,
            new TemporalWorkerOptions(TaskQueue)
                .AddWorkflow<StandInCartWorkflow>()
                .AddWorkflow<StandInFulfillmentWorkflow>()
                .AddWorkflow<StandInRejectingIntakeWorkflow>());
        workerRun = worker.ExecuteAsync(stop.Token);
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        if (workerRun is not null)
        {
            try
            {
                await workerRun;
            }
            catch (OperationCanceledException)
            {
            }
        }

        worker?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        stop.Dispose();
    }
}

public sealed record StandInCart(string CustomerId, int Items);

/// <summary>Answers the cart's "Get" query, so the CLI's default query for cart-* is exercised.</summary>
[Workflow("CliTests.Cart")]
public sealed class StandInCartWorkflow
{
    [WorkflowQuery("Get")]
    public StandInCart Get { get; private set; } = new("C-1", 2);

    [WorkflowRun]
    public Task RunAsync() => Workflow.WaitConditionAsync(() => false);
}

public sealed record StandInSnapshot(string OrderId, string Status, string CurrentStep, string? BlockingReason);

/// <summary>Reports RESERVED, then after a short timer waits for the pick, like the real fulfillment; never settles when told so.</summary>
[Workflow("CliTests.Fulfillment")]
public sealed class StandInFulfillmentWorkflow
{
    private string status = "RESERVED";
    private string step = "MarkOrderReserved";

    [WorkflowQuery(QueryNames.Snapshot)]
    public StandInSnapshot Snapshot => new(Workflow.Info.WorkflowId, status, step, null);

    [WorkflowRun]
    public async Task RunAsync(bool settle)
    {
        if (settle)
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(300));
            (status, step) = ("PICKING", "AwaitPick");
        }

        await Workflow.WaitConditionAsync(() => false);
    }
}

/// <summary>Fails as the real intake does for an invalid order.</summary>
[Workflow("CliTests.Intake")]
public sealed class StandInRejectingIntakeWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => throw new ApplicationFailureException("Order request is invalid: lines: required", "InvalidOrder", nonRetryable: true);
}
