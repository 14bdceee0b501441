using System.Runtime.InteropServices;
using WarehouseOms.TemporalDevServer;

// Command lines understood (so that the SDK's WorkflowEnvironment can launch this with ExistingPath):
//   WarehouseOms.TemporalDevServer [--port P] [--ip IP] [--namespace N] [--time-skipping]
//   WarehouseOms.TemporalDevServer server start-dev --port P --namespace N --ip IP ...   (Temporal CLI form)
//   WarehouseOms.TemporalDevServer <port>                                               (test-server form)
var options = CommandLine.Parse(args);
using var stop = new CancellationTokenSource();

// Ctrl+C, SIGTERM (docker, process managers) and SIGQUIT all mean "stop cleanly"; cancelling the
// default action keeps the runtime from exiting before the server has shut down.
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);
using var onQuit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, RequestStop);

await using (var server = await TemporalDevServer.StartAsync(options, stop.Token))
{
    Console.WriteLine($"Temporal dev server listening on {server.Target} (namespace {server.Namespace}{(options.TimeSkipping ? ", time skipping" : string.Empty)})");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // A stop signal: fall through to a clean shutdown.
    }
}

Console.WriteLine("Temporal dev server stopped");
