namespace WarehouseOms.Cli.CommandLine;

/// <summary>The command line is wrong; the message says how. <see cref="Command"/> names the command whose help applies.</summary>
public sealed class UsageException(string message, string? command = null) : Exception(message)
{
    public string? Command { get; } = command;
}
