using System.CommandLine;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Cli.Commands;

namespace WarehouseOms.Cli;

/// <summary>
/// The whole program behind Main, with its environment passed in so that tests run it in-process:
/// parse, run, and turn every expected failure into one "error:" line and its exit code.
/// </summary>
public static class CliApplication
{
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        Func<string, string?> environment,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ParsedCommandLine parsed;
        try
        {
            parsed = CommandParser.Parse(args, environment);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            await error.WriteLineAsync(CommandParser.Hint(ex.Command)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (parsed.Command is HelpCommand or VersionCommand or BuiltInCommand)
        {
            // System.CommandLine's own actions: help, --version, completions.
            return await parsed.Result!.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await using var runner = new CommandRunner(parsed.Settings, output) { Json = parsed.Json };
            return await runner.RunAsync(parsed.Command, cancellationToken).ConfigureAwait(false);
        }
        catch (CliFailure ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex)
        {
            // Unexpected (e.g. the broker closed the channel on a bad declaration): one line, no stack trace.
            await error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
