namespace WarehouseOms.Cli;

/// <summary>Process exit codes, distinct per cause so that scripts can react (documented in docs/cli.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The operation failed: message returned by the broker, order rejected or failed, query failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    public const int BrokerUnavailable = 3;

    public const int TemporalUnavailable = 4;

    public const int WorkflowNotFound = 5;

    /// <summary>submit (without --async) gave up waiting for the order to settle.</summary>
    public const int Timeout = 6;
}

/// <summary>An expected failure with a message for the user and the exit code to end with; no stack trace is printed.</summary>
public sealed class CliFailure(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
