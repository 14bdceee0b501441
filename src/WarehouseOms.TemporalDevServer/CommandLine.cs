using System.Globalization;
using Microsoft.Extensions.Logging;

namespace WarehouseOms.TemporalDevServer;

/// <summary>A command line this server cannot honour; the message says what to do instead.</summary>
internal sealed class CommandLineException(string message) : Exception(message);

/// <summary>Parses the three command-line forms; options it has no use for are ignored.</summary>
internal static class CommandLine
{
    public static TemporalDevServerOptions Parse(string[] args) => Parse(args, out _);

    /// <summary>
    /// Also the log level: the Temporal CLI's <c>--log-level debug|info|warn|error|never</c> (the SDK passes
    /// <c>warn</c> when it launches a dev server); the engine's own information by default.
    /// </summary>
    public static TemporalDevServerOptions Parse(string[] args, out LogLevel logLevel)
    {
        logLevel = LogLevel.Information;
        // Test-server form: a single port argument, time skipping starts locked.
        if (args.Length >= 1 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var testPort))
        {
            return new TemporalDevServerOptions
            {
                Port = testPort,
                TimeSkipping = true,
                StartLocked = true,
                ServeTestService = true,
            };
        }

        var options = new TemporalDevServerOptions { Port = 7233 };
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" or "-p" when value is not null:
                    options = options with { Port = int.Parse(value, CultureInfo.InvariantCulture) };
                    i++;
                    break;
                case "--ip" when value is not null:
                    options = options with { Ip = value == "localhost" ? "127.0.0.1" : value };
                    i++;
                    break;
                case "--namespace" or "-n" when value is not null:
                    options = options with { Namespace = value };
                    i++;
                    break;
                case "--time-skipping":
                    options = options with { TimeSkipping = true, ServeTestService = true };
                    break;
                case "--db" when value is not null:
                    options = options with { Storage = TemporalDevServerStorage.Postgres(value, options.Storage is PostgresStorage p ? p.Schema : PostgresStorage.DefaultSchema) };
                    i++;
                    break;
                case "--db-schema" when value is not null:
                    options = options with { Storage = options.Storage is PostgresStorage current ? current with { Schema = value } : throw new CommandLineException("--db-schema needs --db first") };
                    i++;
                    break;
                case "--retention" when value is not null:
                    options = options with { Retention = Durations.Parse(value) is { } retention && retention > TimeSpan.Zero ? retention : throw new CommandLineException($"--retention {value}: a positive duration, as 24h, 90m, 2s or 1.00:00:00") };
                    i++;
                    break;
                case "--log-level" when value is not null:
                    logLevel = value.ToLowerInvariant() switch
                    {
                        "debug" => LogLevel.Debug,
                        "info" => LogLevel.Information,
                        "warn" => LogLevel.Warning,
                        "error" => LogLevel.Error,
                        "never" => LogLevel.None,
                        _ => throw new CommandLineException($"--log-level {value}: one of debug, info, warn, error, never"),
                    };
                    i++;
                    break;
                case "--search-attribute" when value is not null:
                    options = options with { SearchAttributes = new Dictionary<string, Temporalio.Api.Enums.V1.IndexedValueType>(options.SearchAttributes) { [SearchAttributeName(value)] = SearchAttributeType(value) } };
                    i++;
                    break;
                case "--dynamic-config-value" when value is not null:
                    // KEY=VALUE, as the Temporal CLI takes it; the limit.* keys and system.enableActivityEagerExecution are honoured.
                    var split = value.IndexOf('=', StringComparison.Ordinal);
                    if (split > 0)
                    {
                        options = options.WithDynamicConfig(value[..split], value[(split + 1)..]);
                    }

                    i++;
                    break;
                case "--db-filename" or "-f":
                    // The Temporal CLI keeps its dev server in SQLite; this server keeps state in PostgreSQL only.
                    throw new CommandLineException(
                        "--db-filename (a SQLite file) is not supported: pass --db \"Host=...;Database=...;Username=...;Password=...\" to keep state in PostgreSQL, or nothing to keep it in memory.");
            }
        }

        return options;
    }

    // NAME=TYPE, the type as the Temporal CLI spells it (Keyword, Text, Int, Double, Bool, Datetime, KeywordList; any case).
    private static string SearchAttributeName(string value)
    {
        var name = value.Split('=', 2)[0];
        if (name.Length == 0 || !value.Contains('=', StringComparison.Ordinal))
        {
            throw new CommandLineException($"--search-attribute {value}: NAME=TYPE, e.g. CustomerId=Keyword");
        }

        return Engine.SearchAttributeRegistry.IsReserved(name)
            ? throw new CommandLineException($"--search-attribute {value}: {name} is reserved by the system")
            : name;
    }

    private static Temporalio.Api.Enums.V1.IndexedValueType SearchAttributeType(string value) =>
        Enum.TryParse<Temporalio.Api.Enums.V1.IndexedValueType>(value.Split('=', 2)[1], ignoreCase: true, out var type) &&
        type != Temporalio.Api.Enums.V1.IndexedValueType.Unspecified && Enum.IsDefined(type)
            ? type
            : throw new CommandLineException($"--search-attribute {value}: the type is one of Text, Keyword, Int, Double, Bool, Datetime, KeywordList");
}
