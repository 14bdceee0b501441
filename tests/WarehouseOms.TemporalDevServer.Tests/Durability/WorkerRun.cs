using Temporalio.Client;
using Temporalio.Worker;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>A worker polling in the background for one test; disposing it stops it and waits.</summary>
public sealed class WorkerRun : IAsyncDisposable
{
    private readonly TemporalWorker worker;
    private readonly CancellationTokenSource stop;
    private readonly Task running;

    private WorkerRun(ITemporalClient client, TemporalWorkerOptions options, CancellationToken cancellationToken)
    {
        worker = new TemporalWorker(client, options);
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        running = worker.ExecuteAsync(stop.Token);
    }

    public static WorkerRun Start(ITemporalClient client, TemporalWorkerOptions options, CancellationToken cancellationToken) =>
        new(client, options, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // The worker stops when its token is cancelled.
        }

        worker.Dispose();
        stop.Dispose();
    }
}

/// <summary>A scratch store, the engine process on it, and a client: the setup every crash test starts from.</summary>
public sealed class DurableEngine : IAsyncDisposable
{
    private DurableEngine(DurableStore store, EngineProcess process, ITemporalClient client)
    {
        Store = store;
        Process = process;
        Client = client;
    }

    public DurableStore Store { get; }

    public EngineProcess Process { get; }

    public ITemporalClient Client { get; }

    public static async Task<DurableEngine> StartAsync(CancellationToken cancellationToken, params string[] extraArgs)
    {
        var store = await DurableStore.CreateAsync();
        var process = new EngineProcess(store.ConnectionString, extraArgs);
        await process.StartAsync(cancellationToken);
        var client = await TemporalClient.ConnectAsync(new(process.Target));
        return new DurableEngine(store, process, client);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await Store.DisposeAsync();
    }
}
