using System.Globalization;
using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.CommandLine;

/// <summary>
/// Turns a command line into a <see cref="ParsedCommandLine"/>, or throws <see cref="UsageException"/>.
/// Hand-written on purpose: a dozen small commands do not justify another package on the mirror.
/// </summary>
public static class CommandParser
{
    public const string DefaultCustomer = "CUST-001";
    public const string DefaultPickDevice = "scanner-1";
    public const string DefaultPackDevice = "pack-station-1";
    public const decimal DefaultPackageWeightKg = 1.2m;
    public static readonly TimeSpan DefaultApproveDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(60);

    private static readonly HashSet<string> Flags = ["help", "auto-approve", "async"];

    /// <param name="environment">Settings and the seed starter's ASYNC / AUTO_APPROVE / ORDER_ID variables.</param>
    public static ParsedCommandLine Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var all = ParsedArguments.Parse(args, Flags);
        var settings = CliSettings.Resolve(all, environment);
        if (all.Positionals.Count == 0 || all.Positionals[0] == "help")
        {
            return new(new HelpCommand(all.Positionals.Skip(1).FirstOrDefault()), settings);
        }

        var name = all.Positionals[0];
        var topic = name == "cart" && all.Positionals.Count > 1 ? $"cart {all.Positionals[1]}" : name;
        if (all.Has("help"))
        {
            return new(new HelpCommand(topic), settings);
        }

        var command = name switch
        {
            "submit" => Submit(Expect(all, 1, "submit", ["order-id", "request-id", "customer", "sku", "qty", "count", "auto-approve", "async", "approve-delay", "timeout"]), environment),
            "approve" => Approve(Expect(all, 1, "approve", ["by"])),
            "cancel" => Cancel(Expect(all, 1, "cancel", ["reason"])),
            "add-line" => AddLine(Expect(all, 1, "add-line", ["sku", "qty"])),
            "pick" => Pick(Expect(all, 1, "pick", ["device", "sku", "qty"])),
            "pack" => Pack(Expect(all, 1, "pack", ["device", "packages", "weight"])),
            "deliver" => Deliver(Expect(all, 1, "deliver", ["at"])),
            "cart" => Cart(all),
            "query" => Query(Expect(all, 1, "query", ["query"])),
            "show" => Show(Expect(all, 1, "show", [])),
            _ => throw new UsageException($"Unknown command '{name}'."),
        };
        return new(command, settings);
    }

    private static SubmitCommand Submit(ParsedArguments args, Func<string, string?> environment)
    {
        args.RequirePositionals("submit");
        var count = Integer(args, "count", "submit") ?? 1;
        if (count is < 1 or > 10_000)
        {
            throw new UsageException("--count must be between 1 and 10000.", "submit");
        }

        return new SubmitCommand(
            OrderId: args.Value("order-id") ?? NullIfBlank(environment("ORDER_ID")),
            RequestId: args.Value("request-id"),
            CustomerId: args.Value("customer") ?? DefaultCustomer,
            Lines: Lines(args, "submit"),
            Count: count,
            AutoApprove: args.Has("auto-approve") || IsTrue(environment("AUTO_APPROVE")),
            Async: args.Has("async") || IsTrue(environment("ASYNC")),
            ApproveDelay: Seconds(args, "approve-delay", "submit") ?? DefaultApproveDelay,
            WaitTimeout: Seconds(args, "timeout", "submit") ?? DefaultWaitTimeout);
    }

    private static ApproveCommand Approve(ParsedArguments args)
    {
        args.RequirePositionals("approve", "orderId");
        return new(args.Positionals[0], args.Value("by") ?? "admin");
    }

    private static CancelCommand Cancel(ParsedArguments args)
    {
        args.RequirePositionals("cancel", "orderId");
        return new(args.Positionals[0], args.Value("reason") ?? "requested from the CLI");
    }

    private static AddLineCommand AddLine(ParsedArguments args)
    {
        args.RequirePositionals("add-line", "orderId");
        var lines = Lines(args, "add-line");
        if (lines.Count != 1)
        {
            throw new UsageException("'add-line' needs exactly one --sku (with --qty, default 1).", "add-line");
        }

        return new(args.Positionals[0], lines[0].Sku!, lines[0].Quantity!.Value);
    }

    private static PickCommand Pick(ParsedArguments args)
    {
        args.RequirePositionals("pick", "orderId");
        return new(args.Positionals[0], args.Value("device") ?? DefaultPickDevice, Lines(args, "pick"));
    }

    private static PackCommand Pack(ParsedArguments args)
    {
        args.RequirePositionals("pack", "orderId");
        var packages = Integer(args, "packages", "pack") ?? 1;
        if (packages is < 1 or > 100)
        {
            throw new UsageException("--packages must be between 1 and 100.", "pack");
        }

        var weight = DefaultPackageWeightKg;
        if (args.Value("weight") is { } text && !decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out weight))
        {
            throw new UsageException($"--weight '{text}' is not a number of kilograms.", "pack");
        }

        return new(args.Positionals[0], args.Value("device") ?? DefaultPackDevice, packages, weight);
    }

    private static DeliverCommand Deliver(ParsedArguments args)
    {
        args.RequirePositionals("deliver", "orderId");
        DateTimeOffset? at = null;
        if (args.Value("at") is { } text)
        {
            at = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new UsageException($"--at '{text}' is not a timestamp (e.g. 2026-01-31T14:00:00Z).", "deliver");
        }

        return new(args.Positionals[0], at);
    }

    private static CliCommand Cart(ParsedArguments all)
    {
        var sub = all.Positionals.Count > 1 ? all.Positionals[1] : throw new UsageException("'cart' needs add, remove, reset or checkout.", "cart");
        switch (sub)
        {
            case "add":
            case "remove":
            {
                var args = Expect(all, 2, $"cart {sub}", ["sku", "qty"]);
                args.RequirePositionals($"cart {sub}", "customerId");
                var items = Lines(args, $"cart {sub}");
                if (items.Count == 0)
                {
                    throw new UsageException($"'cart {sub}' needs at least one --sku.", $"cart {sub}");
                }

                return new CartItemsCommand(args.Positionals[0], items, Remove: sub == "remove");
            }

            case "reset":
            {
                var args = Expect(all, 2, "cart reset", []);
                args.RequirePositionals("cart reset", "customerId");
                return new CartResetCommand(args.Positionals[0]);
            }

            case "checkout":
            {
                var args = Expect(all, 2, "cart checkout", ["request-id"]);
                args.RequirePositionals("cart checkout", "customerId");
                return new CartCheckoutCommand(args.Positionals[0], args.Value("request-id"));
            }

            default:
                throw new UsageException($"Unknown cart command '{sub}'.", "cart");
        }
    }

    private static QueryCommand Query(ParsedArguments args)
    {
        args.RequirePositionals("query", "workflowId");
        return new(args.Positionals[0], args.Value("query"));
    }

    private static ShowCommand Show(ParsedArguments args)
    {
        args.RequirePositionals("show", "workflowId");
        return new(args.Positionals[0]);
    }

    /// <summary>Drops the command words and rejects options the command does not know (connection options are always allowed).</summary>
    private static ParsedArguments Expect(ParsedArguments all, int commandWords, string command, string[] options)
    {
        all.RejectUnknownOptions(options.Concat(CliSettings.OptionNames).Append("help").ToHashSet(StringComparer.Ordinal), command);
        return all.SkipPositionals(commandWords);
    }

    /// <summary>
    /// Order lines from <c>--sku S [--qty N]</c> pairs in order of appearance; a --qty applies to the --sku
    /// before it and defaults to 1. Quantities are not checked for sign: sending a bad one on purpose is
    /// how the error queue is demonstrated.
    /// </summary>
    private static List<OrderLine> Lines(ParsedArguments args, string command)
    {
        var lines = new List<OrderLine>();
        var quantitySet = false;
        foreach (var option in args.Options)
        {
            if (option.Name == "sku")
            {
                if (string.IsNullOrWhiteSpace(option.Value))
                {
                    throw new UsageException("--sku needs a SKU.", command);
                }

                lines.Add(new OrderLine(option.Value, 1));
                quantitySet = false;
            }
            else if (option.Name == "qty")
            {
                if (lines.Count == 0 || quantitySet)
                {
                    throw new UsageException("Each --qty must follow its own --sku.", command);
                }

                if (!int.TryParse(option.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var quantity))
                {
                    throw new UsageException($"--qty '{option.Value}' is not a whole number.", command);
                }

                lines[^1] = lines[^1] with { Quantity = quantity };
                quantitySet = true;
            }
        }

        return lines;
    }

    private static int? Integer(ParsedArguments args, string option, string command) =>
        args.Value(option) is not { } text ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"--{option} '{text}' is not a whole number.", command);

    private static TimeSpan? Seconds(ParsedArguments args, string option, string command) =>
        args.Value(option) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= 86_400 ? TimeSpan.FromSeconds(value)
        : throw new UsageException($"--{option} '{text}' is not a number of seconds.", command);

    private static bool IsTrue(string? value) =>
        value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("yes", StringComparison.OrdinalIgnoreCase));

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
