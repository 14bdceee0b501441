using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.CommandLine;

/// <summary>
/// Turns a command line into a <see cref="ParsedCommandLine"/>, or throws <see cref="UsageException"/>.
/// System.CommandLine does the tokenizing, help, --version and completions; the values it returns are
/// validated here (with the messages of docs/cli.md), and repeated <c>--sku S [--qty N]</c> pairs are
/// read from its tokens in order.
/// </summary>
public static class CommandParser
{
    public const string DefaultCustomer = "CUST-001";
    public const string DefaultPickDevice = "scanner-1";
    public const string DefaultPackDevice = "pack-station-1";
    public const decimal DefaultPackageWeightKg = 1.2m;
    public static readonly TimeSpan DefaultApproveDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How to run the CLI from the repository, for usage hints.</summary>
    public const string Run = "dotnet run --project src/WarehouseOms.Cli --";

    private const string ExitCodesText =
        "Exit codes: 0 ok, 1 failed (message returned, order rejected/failed, query failed), 2 usage, 3 RabbitMQ unreachable, " +
        "4 Temporal unreachable, 5 workflow not found, 6 wait timed out.";

    /// <param name="environment">Settings and the seed starter's ASYNC / AUTO_APPROVE / ORDER_ID variables.</param>
    public static ParsedCommandLine Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);

        // "help [command...]" and a bare invocation keep meaning help, as before System.CommandLine.
        IReadOnlyList<string> tokens = args.Count == 0 ? ["--help"]
            : args[0] == "help" ? [.. args.Skip(1), "--help"]
            : args;

        var root = BuildRoot();
        var result = root.Parse(tokens, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var path = CommandPath(result.CommandResult);

        if (result.Action is HelpAction)
        {
            return new(new HelpCommand(path), Defaults(environment)) { Result = result };
        }

        if (result.Action is PrintVersionAction)
        {
            return new(new VersionCommand(), Defaults(environment)) { Result = result };
        }

        if (result.Errors.Count > 0)
        {
            // "Unrecognized command or argument 'x'" says more than the "Required command was not provided" that follows it.
            var error = result.Errors.OrderBy(e => e.Message.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0).First();
            throw new UsageException(error.Message, path);
        }

        if (result.Action is { } action and not ParseErrorAction)
        {
            return new(new BuiltInCommand(action.GetType().Name), Defaults(environment)) { Result = result };
        }

        var values = new Values(result);
        var settings = CliSettings.Resolve(values.Get, environment);
        var json = result.GetValue<bool>("--json");
        CliCommand command = path switch
        {
            null => new HelpCommand(null),
            "submit" => Submit(values, environment),
            "approve" => new ApproveCommand(values.Argument, values.Get("by") ?? "admin"),
            "cancel" => new CancelCommand(values.Argument, values.Get("reason") ?? "requested from the CLI"),
            "add-line" => AddLine(values),
            "pick" => new PickCommand(values.Argument, values.Get("device") ?? DefaultPickDevice, Lines(values, "pick")),
            "pack" => Pack(values),
            "deliver" => Deliver(values),
            "cart add" or "cart remove" => CartItems(values, path),
            "cart reset" => new CartResetCommand(values.Argument),
            "cart checkout" => new CartCheckoutCommand(values.Argument, values.Get("request-id")),
            "sku register" => RegisterSku(values),
            "sku retire" => new SkuRetireCommand(values.Argument),
            "query" => new QueryCommand(values.Argument, values.Get("query")),
            "show" => new ShowCommand(values.Argument),
            "errors list" => ErrorsList(values),
            "errors replay" => ErrorsReplay(values),
            "errors discard" => ErrorsDiscard(values),
            _ => throw new UsageException($"Unknown command '{path}'."),
        };
        return new(command, settings, json) { Result = result };
    }

    /// <summary>One line pointing at the help that fits a usage error.</summary>
    public static string Hint(string? command) =>
        command is null ? $"Run '{Run} --help' for the commands." : $"Run '{Run} {command} --help' for its usage.";

    /// <summary>The command tree; built per parse, so concurrent parses share nothing.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "WarehouseOms CLI: publishes inbound messages to RabbitMQ as an upstream system would, and inspects workflows " +
            "in Temporal. Signals reach workflows only through the service's consumers. " + ExitCodesText);

        foreach (var source in CliSettings.Sources)
        {
            var defaultText = source.Default.Length == 0 ? "none" : source.Default;
            root.Add(new Option<string>("--" + source.Option)
            {
                Description = $"{source.Meaning} (env {string.Join(" / ", source.Variables)}; default {defaultText})",
                HelpName = "value",
                Recursive = true,
            });
        }

        root.Add(new Option<bool>("--json") { Description = "Print machine-readable JSON (one object per line) instead of text", Recursive = true });

        var version = root.Options.OfType<VersionOption>().Single();
        version.Action = new PrintVersionAction();

        root.Add(Leaf(
            "submit",
            "Publish sample order(s) to oms.order-submitted (catalogue SKUs, a ship-to address); optionally auto-approve them, " +
            "then wait until each order awaits payment or the warehouse, or finishes, and print its status.",
            null,
            Text("--order-id", "ID", "Order ID (env ORDER_ID; default ORDER-<timestamp>-<xyz>); with --count N each gets -1..-N"),
            Text("--request-id", "R", "Request ID (default req-<orderId>: resubmitting the same order is deduplicated)"),
            Text("--customer", "C", $"Customer ID (default {DefaultCustomer})"),
            Sku("Order line SKU, repeatable (default two of WIDGET-RED, WIDGET-BLUE, GADGET, CABLE-USB, KIT-STARTER)"),
            Qty(),
            Price(),
            Text("--currency", "CODE", "ISO 4217 currency of a priced order (EUR, USD, JPY …); then give every --sku its --price"),
            Text("--count", "N", "Number of orders (default 1)"),
            Flag("--auto-approve", "Then publish payments.payment-approved {approvedBy:\"auto\"} (env AUTO_APPROVE=true)"),
            Text("--approve-delay", "SECONDS", "Seconds before the auto-approval (default 2)"),
            Flag("--async", "Return at once (env ASYNC=true)"),
            Text("--timeout", "SECONDS", "Seconds to wait (default 60; exit code 6 when exceeded)")));
        root.Add(Leaf(
            "approve",
            "Publish payments.payment-approved {orderId, approvedBy}.",
            "orderId",
            Text("--by", "NAME", "Who approved (default admin)")));
        root.Add(Leaf(
            "cancel",
            "Publish oms.order-cancellation-requested {orderId, reason}.",
            "orderId",
            Text("--reason", "R", "Why (default \"requested from the CLI\")")));
        root.Add(Leaf(
            "add-line",
            "Publish oms.order-line-added {orderId, sku, quantity, unitPrice?}: exactly one --sku (with --price for a priced order).",
            "orderId",
            Sku("The added line's SKU"),
            Qty(),
            Price()));
        root.Add(Leaf(
            "pick",
            "Publish wms.pick-completed {orderId, deviceId, lines}. Without --sku the lines are the order's own, read from its " +
            "fulfillment workflow in Temporal.",
            "orderId",
            Text("--device", "D", $"Device ID (default {DefaultPickDevice})"),
            Sku("Picked SKU, repeatable"),
            Qty()));
        root.Add(Leaf(
            "pack",
            "Publish wms.pack-completed {orderId, deviceId, packages} (packages PKG-<orderId>-<n>).",
            "orderId",
            Text("--device", "D", $"Device ID (default {DefaultPackDevice})"),
            Text("--packages", "N", "Number of packages, 1..100 (default 1)"),
            Text("--weight", "KG", "Weight of each package in kg (default 1.2)")));
        root.Add(Leaf(
            "deliver",
            "Publish sms.shipment-delivered {orderId, deliveredAt}.",
            "orderId",
            Text("--at", "TIMESTAMP", "When (default now, UTC), e.g. 2026-01-31T14:00:00Z")));

        var cart = new Command(
            "cart",
            "Cart messages: cart add, cart remove, cart reset, cart checkout. The cart is workflow cart-<customerId>; " +
            "checkout creates order ord-<requestId>.");
        cart.Add(Leaf("add", "Publish oms.cart-items-added {customerId, items}.", "customerId", Sku("Item SKU, repeatable, at least one"), Qty()));
        cart.Add(Leaf("remove", "Publish oms.cart-items-removed {customerId, items}.", "customerId", Sku("Item SKU, repeatable, at least one"), Qty()));
        cart.Add(Leaf("reset", "Publish oms.cart-reset {customerId}.", "customerId"));
        cart.Add(Leaf(
            "checkout",
            "Publish oms.cart-checked-out {customerId, requestId, shipTo}.",
            "customerId",
            Text("--request-id", "R", "Request ID (default a fresh one); the order is ord-<requestId>")));
        root.Add(cart);

        var sku = new Command("sku", "Item master messages: sku register, sku retire.");
        sku.Add(Leaf(
            "register",
            "Publish ims.sku-registered {sku, name, reorderPoint, reorderQuantity, components?}: registers or updates the SKU; " +
            "with --sku/--qty components it defines (or redefines) a kit.",
            "sku",
            Text("--name", "NAME", "Display name (default the SKU)"),
            Text("--reorder-point", "N", "Replenish when available stock falls below this (default 0; ignored for kits)"),
            Text("--reorder-quantity", "N", "How much a replenishment asks for (default 0; ignored for kits)"),
            Sku("Component SKU, repeatable: the SKU becomes a kit of these"),
            Qty()));
        sku.Add(Leaf("retire", "Publish ims.sku-retired {sku}: new orders for it are refused; stock and open orders are untouched.", "sku"));
        root.Add(sku);

        root.Add(Leaf(
            "query",
            "Run a Temporal query and print its JSON result. Default query by ID: order-fulfillment-* Snapshot, " +
            "order-intake-* Status, cart-* Get, replenishment-* Status. Other fulfillment queries: FulfillmentStatus, " +
            "CurrentStep, BlockingReason.",
            "workflowId",
            Text("--query", "NAME", "Query name (default by the workflow ID's prefix)")));
        root.Add(Leaf(
            "show",
            "Print the workflow's history, one event per line (ID, UTC time, type, detail), like `tctl workflow show`.",
            "workflowId"));

        var errors = new Command(
            "errors",
            "Error queues (warehouse-oms.<exchange>_error): errors list, errors replay, errors discard. The same code as the " +
            "console's: a replay moves a message back into its input queue (confirmed before it leaves the error queue).");
        var listed = new Command("list", "Without <queue>: every error queue and its depth. With it: its messages (key, reason, age, body), left in place.");
        listed.Add(new Argument<string>("queue") { Arity = ArgumentArity.ZeroOrOne, Description = "Error queue, full or short (wms.pick-completed, cart)" });
        listed.Add(Text("--limit", "N", "At most this many messages (default 100)"));
        errors.Add(listed);
        errors.Add(Leaf(
            "replay",
            "Move one message (--key) or every message now in the queue (--all) back into its input queue.",
            "queue",
            Text("--key", "K", "The message's key: its message_id, else sha256-<hex of the body> (as errors list prints)"),
            Flag("--all", "Every message now in the queue")));
        errors.Add(Leaf(
            "discard",
            "Delete one message from an error queue; prints it with your reason (keep the output as the record).",
            "queue",
            Text("--key", "K", "The message's key (as errors list prints)"),
            Text("--reason", "R", "Why it is discarded (required)")));
        root.Add(errors);
        return root;
    }

    private static string ErrorQueue(string name, string command) =>
        Operations.ErrorQueueCatalog.Resolve(name)
        ?? throw new UsageException($"'{name}' is not an error queue of the service; one of {string.Join(", ", Operations.ErrorQueueCatalog.ErrorQueues)}.", command);

    private static ErrorsListCommand ErrorsList(Values args)
    {
        var limit = Integer(args, "limit", "errors list") ?? 100;
        if (limit is < 1 or > 10_000)
        {
            throw new UsageException("--limit must be between 1 and 10000.", "errors list");
        }

        return new(args.OptionalArgument is { } queue ? ErrorQueue(queue, "errors list") : null, limit);
    }

    private static ErrorsReplayCommand ErrorsReplay(Values args)
    {
        var key = NullIfBlank(args.Get("key"));
        if ((key is null) == !args.Flag("all"))
        {
            throw new UsageException("'errors replay' needs exactly one of --key K or --all.", "errors replay");
        }

        return new(ErrorQueue(args.Argument, "errors replay"), key);
    }

    private static ErrorsDiscardCommand ErrorsDiscard(Values args) =>
        new(
            ErrorQueue(args.Argument, "errors discard"),
            NullIfBlank(args.Get("key")) ?? throw new UsageException("'errors discard' needs --key K.", "errors discard"),
            NullIfBlank(args.Get("reason")) ?? throw new UsageException("'errors discard' needs --reason R: the reason is the record of why it was deleted.", "errors discard"));

    private static Command Leaf(string name, string description, string? argument, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Add(option);
        }

        if (argument is not null)
        {
            // Optional to the parser so that a missing one is reported by name, as "'approve' needs <orderId>".
            var positional = new Argument<string>(argument) { Arity = ArgumentArity.ZeroOrOne };
            command.Add(positional);
            command.Validators.Add(result =>
            {
                if (result.GetResult(positional) is null)
                {
                    result.AddError($"'{CommandPath(result)}' needs <{argument}>.");
                }
            });
        }

        return command;
    }

    private static Option<string> Text(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static Option<string[]> Sku(string description) =>
        new("--sku") { HelpName = "S", Description = description };

    private static Option<string[]> Qty() =>
        new("--qty") { HelpName = "N", Description = "Quantity of the --sku before it (default 1)" };

    private static Option<string[]> Price() =>
        new("--price") { HelpName = "P", Description = "Unit price of the --sku before it, in the order's currency (e.g. 12.50)" };

    /// <summary>"submit", "cart add"; null for the root command.</summary>
    private static string? CommandPath(CommandResult? result)
    {
        var names = new List<string>();
        for (var current = result; current is not null && current.Command is not RootCommand; current = current.Parent as CommandResult)
        {
            names.Insert(0, current.Command.Name);
        }

        return names.Count == 0 ? null : string.Join(' ', names);
    }

    private static CliSettings Defaults(Func<string, string?> environment)
    {
        try
        {
            return CliSettings.Resolve(_ => null, environment);
        }
        catch (UsageException)
        {
            // Help and --version do not connect anywhere: a bad RABBITMQ_PORT must not hide them.
            return CliSettings.Resolve(_ => null, _ => null);
        }
    }

    private static SubmitCommand Submit(Values args, Func<string, string?> environment)
    {
        var count = Integer(args, "count", "submit") ?? 1;
        if (count is < 1 or > 10_000)
        {
            throw new UsageException("--count must be between 1 and 10000.", "submit");
        }

        return new SubmitCommand(
            OrderId: args.Get("order-id") ?? NullIfBlank(environment("ORDER_ID")),
            RequestId: args.Get("request-id"),
            CustomerId: args.Get("customer") ?? DefaultCustomer,
            Lines: Lines(args, "submit"),
            Count: count,
            AutoApprove: args.Flag("auto-approve") || IsTrue(environment("AUTO_APPROVE")),
            Async: args.Flag("async") || IsTrue(environment("ASYNC")),
            ApproveDelay: Seconds(args, "approve-delay", "submit") ?? DefaultApproveDelay,
            WaitTimeout: Seconds(args, "timeout", "submit") ?? DefaultWaitTimeout,
            Currency: args.Get("currency"));
    }

    private static AddLineCommand AddLine(Values args)
    {
        var lines = Lines(args, "add-line");
        if (lines.Count != 1)
        {
            throw new UsageException("'add-line' needs exactly one --sku (with --qty, default 1).", "add-line");
        }

        return new(args.Argument, lines[0].Sku!, lines[0].Quantity!.Value, lines[0].UnitPrice);
    }

    private static PackCommand Pack(Values args)
    {
        var packages = Integer(args, "packages", "pack") ?? 1;
        if (packages is < 1 or > 100)
        {
            throw new UsageException("--packages must be between 1 and 100.", "pack");
        }

        var weight = DefaultPackageWeightKg;
        if (args.Get("weight") is { } text && !decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out weight))
        {
            throw new UsageException($"--weight '{text}' is not a number of kilograms.", "pack");
        }

        return new(args.Argument, args.Get("device") ?? DefaultPackDevice, packages, weight);
    }

    private static DeliverCommand Deliver(Values args)
    {
        DateTimeOffset? at = null;
        if (args.Get("at") is { } text)
        {
            at = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new UsageException($"--at '{text}' is not a timestamp (e.g. 2026-01-31T14:00:00Z).", "deliver");
        }

        return new(args.Argument, at);
    }

    private static SkuRegisterCommand RegisterSku(Values args)
    {
        const string command = "sku register";
        var components = Lines(args, command);
        return new(
            args.Argument,
            args.Get("name") ?? args.Argument,
            Integer(args, "reorder-point", command) ?? 0,
            Integer(args, "reorder-quantity", command) ?? 0,
            components.Count == 0 ? null : components.Select(c => new SkuComponent(c.Sku, c.Quantity)).ToList());
    }

    private static CartItemsCommand CartItems(Values args, string command)
    {
        var items = Lines(args, command);
        if (items.Count == 0)
        {
            throw new UsageException($"'{command}' needs at least one --sku.", command);
        }

        return new CartItemsCommand(args.Argument, items, Remove: command == "cart remove");
    }

    /// <summary>
    /// Order lines from <c>--sku S [--qty N] [--price P]</c> groups in order of appearance, read from the parse's
    /// tokens (System.CommandLine collects each option's values separately); a --qty or --price applies to the
    /// --sku before it; the quantity defaults to 1, the price to none. Neither is checked for sign or precision:
    /// sending a bad one on purpose is how the error queue is demonstrated.
    /// </summary>
    private static List<OrderLine> Lines(Values args, string command)
    {
        var lines = new List<OrderLine>();
        var quantitySet = false;
        var priceSet = false;
        foreach (var (name, value) in args.Occurrences("--sku", "--qty", "--price"))
        {
            if (name == "--sku")
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw new UsageException("--sku needs a SKU.", command);
                }

                lines.Add(new OrderLine(value, 1));
                quantitySet = false;
                priceSet = false;
            }
            else if (name == "--price")
            {
                if (lines.Count == 0 || priceSet)
                {
                    throw new UsageException("Each --price must follow its own --sku.", command);
                }

                if (!decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price))
                {
                    throw new UsageException($"--price '{value}' is not a decimal number (e.g. 12.50).", command);
                }

                lines[^1] = lines[^1] with { UnitPrice = price };
                priceSet = true;
            }
            else
            {
                if (lines.Count == 0 || quantitySet)
                {
                    throw new UsageException("Each --qty must follow its own --sku.", command);
                }

                if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var quantity))
                {
                    throw new UsageException($"--qty '{value}' is not a whole number.", command);
                }

                lines[^1] = lines[^1] with { Quantity = quantity };
                quantitySet = true;
            }
        }

        return lines;
    }

    private static int? Integer(Values args, string option, string command) =>
        args.Get(option) is not { } text ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"--{option} '{text}' is not a whole number.", command);

    private static TimeSpan? Seconds(Values args, string option, string command) =>
        args.Get(option) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= 86_400 ? TimeSpan.FromSeconds(value)
        : throw new UsageException($"--{option} '{text}' is not a number of seconds.", command);

    private static bool IsTrue(string? value) =>
        value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("yes", StringComparison.OrdinalIgnoreCase));

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The parsed values of the chosen command, by option name without dashes.</summary>
    private sealed class Values(ParseResult result)
    {
        private readonly Command command = result.CommandResult.Command;

        /// <summary>The command's one positional argument (validated present by the parser).</summary>
        public string Argument => result.GetValue<string>(command.Arguments.Single().Name)!;

        /// <summary>The command's optional positional argument, or null.</summary>
        public string? OptionalArgument => NullIfBlank(result.GetValue<string>(command.Arguments.Single().Name));

        public string? Get(string name) =>
            Find(name) is Option<string> option ? result.GetValue(option) : null;

        public bool Flag(string name) => Find(name) is Option<bool> option && result.GetValue(option);

        /// <summary>Each occurrence of the named options with its value, in command-line order.</summary>
        public IEnumerable<(string Name, string Value)> Occurrences(params string[] names)
        {
            var tokens = result.Tokens;
            for (var i = 0; i < tokens.Count; i++)
            {
                if (tokens[i].Type == TokenType.Option && names.Contains(tokens[i].Value) && i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument)
                {
                    yield return (tokens[i].Value, tokens[i + 1].Value);
                }
            }
        }

        private Option? Find(string name)
        {
            for (Command? current = command; current is not null; current = Parent(current))
            {
                if (current.Options.FirstOrDefault(o => o.Name == "--" + name) is { } option)
                {
                    return option;
                }
            }

            return null;
        }

        private Command? Parent(Command child)
        {
            for (var current = result.CommandResult; current is not null; current = current.Parent as CommandResult)
            {
                if (current.Command == child)
                {
                    return (current.Parent as CommandResult)?.Command;
                }
            }

            return null;
        }
    }

    /// <summary>--version: this assembly's informational version (not the host's, which is what a test runs in).</summary>
    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(CommandParser).Assembly;
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString()
                ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine(version);
            return 0;
        }
    }
}
