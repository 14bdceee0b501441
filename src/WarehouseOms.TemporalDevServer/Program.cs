using WarehouseOms.TemporalDevServer;

// Command lines understood (so that the SDK's WorkflowEnvironment can launch this with ExistingPath):
//   WarehouseOms.TemporalDevServer [--port P] [--ip IP] [--namespace N] [--time-skipping]
//   WarehouseOms.TemporalDevServer server start-dev --port P --namespace N --ip IP ...   (Temporal CLI form)
//   WarehouseOms.TemporalDevServer <port>                                               (test-server form)
var options = CommandLine.Parse(args);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

await using (var server = await TemporalDevServer.StartAsync(options, stop.Token))
{
    Console.WriteLine($"Temporal dev server listening on {server.Target} (namespace {server.Namespace}{(options.TimeSkipping ? ", time skipping" : string.Empty)})");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // Ctrl+C or SIGTERM: fall through to a clean shutdown.
    }
}

Console.WriteLine("Temporal dev server stopped");
