using System.Text;

namespace WarehouseOms.Cli.CommandLine;

/// <summary>The --help texts: one overview and one page per command.</summary>
public static class HelpText
{
    private const string Run = "dotnet run --project src/WarehouseOms.Cli --";

    private static readonly Dictionary<string, string> Commands = new(StringComparer.Ordinal)
    {
        ["submit"] = """
            submit [--order-id ID] [--request-id R] [--customer C] [--sku S [--qty N]]... [--count N]
                   [--auto-approve] [--async] [--approve-delay SECONDS] [--timeout SECONDS]
              Publish sample order(s) to oms.order-submitted (catalogue SKUs, a ship-to address).
              --order-id      default ORDER-<timestamp>-<xyz> (env ORDER_ID); with --count N each gets -1..-N
              --request-id    default req-<orderId>: resubmitting the same order is deduplicated
              --customer      default CUST-001
              --sku/--qty     lines, repeatable, --qty applies to the --sku before it (default 1);
                              default two of WIDGET-RED, WIDGET-BLUE, GADGET, CABLE-USB, KIT-STARTER
              --auto-approve  then publish payments.payment-approved {approvedBy:"auto"} (env AUTO_APPROVE=true)
              --approve-delay seconds before the auto-approval (default 2)
              --async         return at once (env ASYNC=true); otherwise wait until the order awaits
                              payment or the warehouse, or finishes, and print its status
              --timeout       seconds to wait (default 60; exit code 6 when exceeded)
            """,
        ["approve"] = """
            approve <orderId> [--by NAME]
              Publish payments.payment-approved {orderId, approvedBy} (default approvedBy "admin").
            """,
        ["cancel"] = """
            cancel <orderId> [--reason R]
              Publish oms.order-cancellation-requested {orderId, reason}.
            """,
        ["add-line"] = """
            add-line <orderId> --sku S [--qty N]
              Publish oms.order-line-added {orderId, sku, quantity}.
            """,
        ["pick"] = """
            pick <orderId> [--device D] [--sku S [--qty N]]...
              Publish wms.pick-completed {orderId, deviceId, lines} (default device scanner-1).
              Without --sku the lines are the order's own, read from its fulfillment workflow in Temporal.
            """,
        ["pack"] = """
            pack <orderId> [--device D] [--packages N] [--weight KG]
              Publish wms.pack-completed {orderId, deviceId, packages} (default pack-station-1,
              one package PKG-<orderId>-1 of 1.2 kg).
            """,
        ["deliver"] = """
            deliver <orderId> [--at TIMESTAMP]
              Publish sms.shipment-delivered {orderId, deliveredAt} (default now, UTC).
            """,
        ["cart"] = """
            cart add <customerId> --sku S [--qty N]...     oms.cart-items-added {customerId, items}
            cart remove <customerId> --sku S [--qty N]...  oms.cart-items-removed {customerId, items}
            cart reset <customerId>                        oms.cart-reset {customerId}
            cart checkout <customerId> [--request-id R]    oms.cart-checked-out {customerId, requestId, shipTo}
              The cart is workflow cart-<customerId>; checkout creates order ord-<requestId>.
            """,
        ["query"] = """
            query <workflowId> [--query NAME]
              Run a Temporal query and print its JSON result. Default query by ID:
              order-fulfillment-* Snapshot, order-intake-* Status, cart-* Get, replenishment-* Status.
              Other fulfillment queries: FulfillmentStatus, CurrentStep, BlockingReason.
            """,
        ["show"] = """
            show <workflowId>
              Print the workflow's history, one event per line (ID, UTC time, type, detail), like
              `tctl workflow show`.
            """,
    };

    private static readonly string Connection = $"""
        Connection (option, else environment variable, else default):
        {string.Join(Environment.NewLine, CliSettings.Sources.Select(s => $"  --{s.Option,-18} {string.Join(" / ", s.Variables),-33} {(s.Default.Length == 0 ? "(none)" : s.Default),-15} {s.Meaning}"))}

        Exit codes: 0 ok, 1 failed (message returned, order rejected/failed, query failed), 2 usage,
                    3 RabbitMQ unreachable, 4 Temporal unreachable, 5 workflow not found, 6 wait timed out.
        """;

    /// <summary>The overview (topic null or unknown) or one command's page, each followed by the connection settings.</summary>
    public static string For(string? topic)
    {
        var text = new StringBuilder();
        var key = topic?.Split(' ')[0];
        if (key is not null && Commands.TryGetValue(key, out var page))
        {
            text.AppendLine($"usage (after `{Run}`):");
            text.AppendLine(page.TrimEnd());
        }
        else
        {
            text.AppendLine("WarehouseOms CLI: publishes inbound messages to RabbitMQ as an upstream system would, and");
            text.AppendLine("inspects workflows in Temporal. Signals reach workflows only through the service's consumers.");
            text.AppendLine();
            text.AppendLine($"usage: {Run} <command> [arguments] [--help]");
            text.AppendLine();
            // Synopsis lines only: the unindented ones.
            foreach (var line in Commands.Values.SelectMany(body => body.Split('\n')).Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])))
            {
                text.AppendLine("  " + line.TrimEnd());
            }
        }

        text.AppendLine();
        text.Append(Connection);
        text.AppendLine();
        return text.ToString();
    }

    /// <summary>One line pointing at the help that fits a usage error.</summary>
    public static string Hint(string? command) =>
        command is null ? $"Run '{Run} --help' for the commands." : $"Run '{Run} {command} --help' for its usage.";
}
