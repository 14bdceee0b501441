using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.CommandLine;

// What the user asked for, already validated; one record per command. Empty line lists mean "use the
// sample / the order's own lines" (see SampleOrders and the command runners).

public abstract record CliCommand;

/// <summary>Help for a command (<paramref name="Topic"/> its path, e.g. "cart add"; null for the overview).</summary>
public sealed record HelpCommand(string? Topic) : CliCommand;

/// <summary>--version.</summary>
public sealed record VersionCommand : CliCommand;

/// <summary>Another of System.CommandLine's own actions (a [suggest] completion directive, say), run as it is.</summary>
public sealed record BuiltInCommand(string Name) : CliCommand;

/// <param name="OrderId">Null: a fresh sample ID. With <paramref name="Count"/> &gt; 1 each order gets a "-{n}" suffix.</param>
/// <param name="RequestId">Null: derived from the order ID, so resubmitting the same order is deduplicated.</param>
/// <param name="Currency">ISO 4217 code of a priced order (every line then carries a --price); null: unpriced.</param>
public sealed record SubmitCommand(
    string? OrderId,
    string? RequestId,
    string CustomerId,
    IReadOnlyList<OrderLine> Lines,
    int Count,
    bool AutoApprove,
    bool Async,
    TimeSpan ApproveDelay,
    TimeSpan WaitTimeout,
    string? Currency = null) : CliCommand;

public sealed record ApproveCommand(string OrderId, string ApprovedBy) : CliCommand;

public sealed record CancelCommand(string OrderId, string Reason) : CliCommand;

/// <param name="UnitPrice">In the order's currency; null for an unpriced order.</param>
public sealed record AddLineCommand(string OrderId, string Sku, int Quantity, decimal? UnitPrice = null) : CliCommand;

/// <param name="Lines">Empty: report the order's own lines, read from its fulfillment workflow.</param>
public sealed record PickCommand(string OrderId, string DeviceId, IReadOnlyList<OrderLine> Lines) : CliCommand;

public sealed record PackCommand(string OrderId, string DeviceId, int PackageCount, decimal WeightKg) : CliCommand;

/// <param name="DeliveredAt">Null: now.</param>
public sealed record DeliverCommand(string OrderId, DateTimeOffset? DeliveredAt) : CliCommand;

public sealed record CartItemsCommand(string CustomerId, IReadOnlyList<OrderLine> Items, bool Remove) : CliCommand;

public sealed record CartResetCommand(string CustomerId) : CliCommand;

/// <param name="RequestId">Null: a fresh one. The order created by checkout is "ord-{requestId}".</param>
public sealed record CartCheckoutCommand(string CustomerId, string? RequestId) : CliCommand;

/// <param name="QueryName">Null: the default query for the workflow's kind (see WorkflowKinds).</param>
public sealed record QueryCommand(string WorkflowId, string? QueryName) : CliCommand;

public sealed record ShowCommand(string WorkflowId) : CliCommand;

/// <summary>
/// A parsed command line: the command, where the broker and Temporal are, and whether to print JSON.
/// <see cref="Result"/> is System.CommandLine's parse, which runs help, --version and completions.
/// </summary>
public sealed record ParsedCommandLine(CliCommand Command, CliSettings Settings, bool Json = false)
{
    public System.CommandLine.ParseResult? Result { get; init; }
}

/// <param name="Queue">Null: every error queue with its depth; else the messages of this one (resolved full name).</param>
public sealed record ErrorsListCommand(string? Queue, int Limit) : CliCommand;

/// <param name="Key">Null: every message now in the queue (--all).</param>
public sealed record ErrorsReplayCommand(string Queue, string? Key) : CliCommand;

public sealed record ErrorsDiscardCommand(string Queue, string Key, string Reason) : CliCommand;

/// <summary>ims.sku-registered; components null: a stocked item.</summary>
public sealed record SkuRegisterCommand(string Sku, string Name, int ReorderPoint, int ReorderQuantity, IReadOnlyList<SkuComponent>? Components) : CliCommand;

public sealed record SkuRetireCommand(string Sku) : CliCommand;
