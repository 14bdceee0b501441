namespace WarehouseOms.Cli.CommandLine;

/// <summary>One option as it appeared on the command line; <see cref="Value"/> is null for a flag.</summary>
public sealed record CliOption(string Name, string? Value);

/// <summary>
/// The tokens of a command line split into positional arguments and options. Options keep their order
/// because meaning depends on it: each <c>--qty</c> belongs to the <c>--sku</c> before it.
/// </summary>
public sealed class ParsedArguments
{
    private ParsedArguments(IReadOnlyList<string> positionals, IReadOnlyList<CliOption> options)
    {
        Positionals = positionals;
        Options = options;
    }

    public IReadOnlyList<string> Positionals { get; }

    public IReadOnlyList<CliOption> Options { get; }

    /// <summary>
    /// Splits <paramref name="args"/>. Accepts <c>--name value</c>, <c>--name=value</c> and, for the names in
    /// <paramref name="flags"/>, a bare <c>--name</c>; <c>-h</c> means <c>--help</c>; after <c>--</c> every token is positional.
    /// </summary>
    public static ParsedArguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flags);
        var positionals = new List<string>();
        var options = new List<CliOption>();
        var onlyPositionals = false;
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (onlyPositionals || !token.StartsWith('-') || token == "-")
            {
                positionals.Add(token);
                continue;
            }

            if (token == "--")
            {
                onlyPositionals = true;
                continue;
            }

            if (token is "-h" or "-?")
            {
                options.Add(new CliOption("help", null));
                continue;
            }

            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new UsageException($"Unknown option '{token}' (options are spelled --name).");
            }

            var name = token[2..];
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                options.Add(new CliOption(name[..equals], name[(equals + 1)..]));
            }
            else if (flags.Contains(name))
            {
                options.Add(new CliOption(name, null));
            }
            else if (i + 1 < args.Count)
            {
                // The next token is the value even when it starts with '-': "--qty -1" must reach validation.
                options.Add(new CliOption(name, args[++i]));
            }
            else
            {
                throw new UsageException($"Option --{name} needs a value.");
            }
        }

        return new ParsedArguments(positionals, options);
    }

    /// <summary>The same arguments without the first <paramref name="count"/> positionals (the command words).</summary>
    public ParsedArguments SkipPositionals(int count) => new(Positionals.Skip(count).ToList(), Options);

    public bool Has(string name) => Options.Any(o => o.Name == name);

    /// <summary>The last value given for <paramref name="name"/> (later options override earlier ones), or null.</summary>
    public string? Value(string name) => Options.LastOrDefault(o => o.Name == name)?.Value;

    /// <summary>Throws when an option is not one of <paramref name="allowed"/>, so that a typo is never silently ignored.</summary>
    public void RejectUnknownOptions(IReadOnlySet<string> allowed, string command)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (Options.FirstOrDefault(o => !allowed.Contains(o.Name)) is { } unknown)
        {
            throw new UsageException($"'{command}' does not take --{unknown.Name}.", command);
        }
    }

    /// <summary>Throws unless exactly <paramref name="names"/>.Length positional arguments are present.</summary>
    public void RequirePositionals(string command, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (Positionals.Count < names.Length)
        {
            throw new UsageException($"'{command}' needs <{names[Positionals.Count]}>.", command);
        }

        if (Positionals.Count > names.Length)
        {
            throw new UsageException($"'{command}' got an unexpected argument '{Positionals[names.Length]}'.", command);
        }
    }
}
