using WarehouseOms.Cli;

// Ctrl+C cancels the current wait or publish instead of killing the process mid-write.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await CliApplication.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, cancellation.Token);
