namespace WarehouseOms.Cli.CommandLine;

public sealed record RabbitMqSettings(string Host, int Port, string Username, string Password, string VirtualHost, Uri? Uri = null)
{
    /// <summary>Where the broker is, for messages; never shows the password.</summary>
    public string Describe() => Uri is { } uri ? $"{uri.Host}:{(uri.IsDefaultPort ? 5672 : uri.Port)}{uri.AbsolutePath}" : $"{Host}:{Port} (vhost {VirtualHost})";

    /// <summary>A CLI call is short: fail fast and say so instead of reconnecting in the background.</summary>
    public RabbitMQ.Client.ConnectionFactory CreateFactory()
    {
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            ClientProvidedName = "warehouse-oms-cli",
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        if (Uri is { } uri)
        {
            factory.Uri = uri;
        }
        else
        {
            factory.HostName = Host;
            factory.Port = Port;
            factory.UserName = Username;
            factory.Password = Password;
            factory.VirtualHost = VirtualHost;
        }

        return factory;
    }
}

public sealed record TemporalSettings(string Address, string Namespace);

/// <summary>
/// Connection settings: an option wins over an environment variable, which wins over the defaults
/// (a local broker with the service's user and vhost of rabbitmq/definitions.json, as scripts/run.sh uses and the service's embedded Temporal dev server on localhost:7233).
/// </summary>
public sealed record CliSettings(RabbitMqSettings RabbitMq, TemporalSettings Temporal)
{
    /// <summary>Option name → environment variable(s), first match wins. TEMPORAL_HOST is the seed starter's name.</summary>
    public static readonly IReadOnlyList<(string Option, string[] Variables, string Default, string Meaning)> Sources =
    [
        ("rabbitmq-host", ["RABBITMQ_HOST"], "localhost", "RabbitMQ host"),
        ("rabbitmq-port", ["RABBITMQ_PORT"], "5672", "RabbitMQ port"),
        ("rabbitmq-user", ["RABBITMQ_USER"], "warehouse-oms", "RabbitMQ user"),
        ("rabbitmq-password", ["RABBITMQ_PASSWORD"], "warehouse-oms", "RabbitMQ password"),
        ("rabbitmq-vhost", ["RABBITMQ_VHOST"], "warehouse-oms", "RabbitMQ virtual host"),
        ("rabbitmq-uri", ["RABBITMQ_URI"], string.Empty, "amqp://user:pass@host:port/vhost; replaces the five above"),
        ("temporal-address", ["TEMPORAL_ADDRESS", "TEMPORAL_HOST"], "localhost:7233", "Temporal frontend host:port"),
        ("namespace", ["TEMPORAL_NAMESPACE"], "default", "Temporal namespace"),
    ];

    public static IEnumerable<string> OptionNames => Sources.Select(s => s.Option);

    /// <param name="option">The value given on the command line for an option name (without dashes), or null.</param>
    public static CliSettings Resolve(Func<string, string?> option, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(environment);

        string Get(string name)
        {
            var source = Sources.Single(s => s.Option == name);
            return option(name)
                ?? source.Variables.Select(environment).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))
                ?? source.Default;
        }

        var portText = Get("rabbitmq-port");
        if (!int.TryParse(portText, out var port) || port is <= 0 or > 65535)
        {
            throw new UsageException($"RabbitMQ port '{portText}' is not a port number.");
        }

        Uri? uri = null;
        var uriText = Get("rabbitmq-uri");
        if (uriText.Length > 0 && (!Uri.TryCreate(uriText, UriKind.Absolute, out uri) || uri.Scheme is not ("amqp" or "amqps")))
        {
            throw new UsageException($"RabbitMQ URI '{uriText}' is not an amqp:// or amqps:// URI.");
        }

        return new CliSettings(
            new RabbitMqSettings(Get("rabbitmq-host"), port, Get("rabbitmq-user"), Get("rabbitmq-password"), Get("rabbitmq-vhost"), uri),
            new TemporalSettings(Get("temporal-address"), Get("namespace")));
    }
}
