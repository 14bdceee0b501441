using Serilog;
using WarehouseOms.Host;

// Everything is wired in WarehouseOmsHost (one extension per module), shared with the integration tests.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    await using var app = await WarehouseOmsHost.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    Log.Fatal(ex, "WarehouseOms stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
