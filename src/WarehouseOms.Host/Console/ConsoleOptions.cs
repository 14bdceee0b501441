namespace WarehouseOms.Host.Console;

/// <summary>
/// Section <c>Console</c>: who may see the operator console and the JSON reads that show customer data,
/// and who may act (replay, discard, retry). Keys are shared secrets, at least 16 characters.
/// </summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>Grants the read-only pages and JSON reads. Empty with an empty <see cref="OperatorKey"/>: reads are open (Development).</summary>
    public string ReadKey { get; set; } = string.Empty;

    /// <summary>Grants reads and the actions. Empty: every action is refused.</summary>
    public string OperatorKey { get; set; } = string.Empty;

    public bool ReadsAreOpen => ReadKey.Length == 0 && OperatorKey.Length == 0;
}
