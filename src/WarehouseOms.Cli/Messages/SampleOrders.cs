using System.Globalization;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.Messages;

/// <summary>
/// Valid sample data for the demo catalogue that the service seeds in Development
/// (<c>Persistence:SeedDemoData</c>), so a submitted sample order can actually be allocated.
/// </summary>
public static class SampleOrders
{
    public static readonly IReadOnlyList<string> Catalogue = ["WIDGET-RED", "WIDGET-BLUE", "GADGET", "CABLE-USB", "KIT-STARTER"];

    public static readonly ShipTo ShipTo = new("Ada Lovelace", "1 Main St", "Springfield", "12345", "US");

    /// <summary>A fresh order ID in the seed starter's style (ORDER-&lt;timestamp&gt;), unique enough for repeated runs.</summary>
    public static string NewOrderId(DateTimeOffset now) =>
        $"ORDER-{now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}-{Random.Shared.Next(0x1000):x3}";

    /// <summary>The request ID of an order: derived, so resubmitting the same order ID is the same request (one intake).</summary>
    public static string RequestIdFor(string orderId) => $"req-{orderId}";

    /// <summary>Default lines: two catalogue SKUs, varied by <paramref name="index"/> so a --count batch touches all of them.</summary>
    public static IReadOnlyList<OrderLine> DefaultLines(int index) =>
    [
        new(Catalogue[index % Catalogue.Count], 2),
        new(Catalogue[(index + 2) % Catalogue.Count], 1),
    ];

    /// <summary>
    /// The <paramref name="index"/>-th (0-based) order of a submit batch. A batch of one keeps the order ID
    /// as given; larger batches number them "-1", "-2", ... (request IDs likewise).
    /// </summary>
    public static OrderSubmitted Create(SubmitCommand command, int index, string baseOrderId)
    {
        ArgumentNullException.ThrowIfNull(command);
        var suffix = command.Count > 1 ? $"-{(index + 1).ToString(CultureInfo.InvariantCulture)}" : string.Empty;
        var orderId = baseOrderId + suffix;
        var requestId = command.RequestId is { } given ? given + suffix : RequestIdFor(orderId);
        var lines = command.Lines.Count > 0 ? command.Lines : DefaultLines(index);
        return new OrderSubmitted(requestId, orderId, command.CustomerId, lines, ShipTo, command.Currency);
    }
}
