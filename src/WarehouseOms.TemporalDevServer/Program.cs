using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WarehouseOms.TemporalDevServer;

// Command lines understood (so that the SDK's WorkflowEnvironment can launch this with ExistingPath):
//   WarehouseOms.TemporalDevServer [--port P] [--ip IP] [--namespace N] [--time-skipping]
//                                  [--db <PostgreSQL connection string> [--db-schema S]] [--retention 24h]
//                                  [--log-level debug|info|warn|error|never]
//   WarehouseOms.TemporalDevServer server start-dev --port P --namespace N --ip IP ...   (Temporal CLI form)
//   WarehouseOms.TemporalDevServer <port>                                               (test-server form)
TemporalDevServerOptions options;
LogLevel logLevel;
try
{
    options = CommandLine.Parse(args, out logLevel);
}
catch (CommandLineException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var stop = new CancellationTokenSource();

// Ctrl+C, SIGTERM (docker, process managers) and SIGQUIT all mean "stop cleanly"; cancelling the
// default action keeps the runtime from exiting before the server has shut down.
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

// A parent that started us with SIGINT/SIGQUIT ignored (a background job of a non-interactive shell) must not
// make those signals ineffective: .NET keeps an inherited ignore, the Temporal CLI does not (Go un-ignores a
// signal it is asked to notify). Back to the default first, so the registrations below take them.
if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
{
    InheritedSignals.Unignore();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);
using var onQuit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, RequestStop);
// ASP.NET Core's and gRPC's per-request lines (four for every RPC, one for every error status a client is
// answered with) are noise and cost CPU on the hot path: warnings only.
var frameworkLevel = logLevel > LogLevel.Warning ? logLevel : LogLevel.Warning;
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => console.SingleLine = true)
    .SetMinimumLevel(logLevel)
    .AddFilter("Microsoft.AspNetCore", frameworkLevel)
    .AddFilter("Grpc.AspNetCore", frameworkLevel));

TemporalDevServer server;
try
{
    server = await TemporalDevServer.StartAsync(options, stop.Token, loggerFactory);
}
catch (EmbeddedEngineOwnedElsewhereException ex)
{
    Console.Error.WriteLine(ex.Message + " Stop that engine first, or point clients at it.");
    return 3;
}

await using (server)
{
    Console.WriteLine($"Temporal dev server listening on {server.Target} (namespace {server.Namespace}{(options.TimeSkipping ? ", time skipping" : string.Empty)}; state: {server.StoreDescription})");
    using var either = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, server.Faulted);
    try
    {
        await Task.Delay(Timeout.Infinite, either.Token);
    }
    catch (OperationCanceledException)
    {
        // A stop signal (or a lost store): fall through to a clean shutdown.
    }
}

Console.WriteLine("Temporal dev server stopped");
return 0;
