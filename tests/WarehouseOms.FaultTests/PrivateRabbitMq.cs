using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace WarehouseOms.FaultTests;

/// <summary>
/// A RabbitMQ node of these tests alone (the Debian rabbitmq-server, its own node name, AMQP and distribution
/// ports, mnesia and log directories under /tmp, no plugins; as the rabbitmq user when the tests run as root), so
/// that restarting it disturbs nobody else. Stopped for real (<c>rabbitmqctl stop</c>) and started again on the
/// same data: durable queues and persistent messages survive.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string User = "rabbitmq";
    private readonly string node = $"wo-fault-{Guid.NewGuid():N}"[..17] + "@localhost";
    private readonly int distributionPort = LocalPorts.Free();
    private string directory = string.Empty;
    private Process? server;
    private StringBuilder output = new();

    public int Port { get; } = LocalPorts.Free();

    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    private static string? RunAs => OsProcess.IsRoot ? User : null;

    private Dictionary<string, string> Environment => new()
    {
        // The node's cookie is the rabbitmq user's (~/.erlang.cookie), for rabbitmqctl as for the server.
        ["HOME"] = OsProcess.IsRoot ? "/var/lib/rabbitmq" : System.Environment.GetEnvironmentVariable("HOME") ?? "/tmp",
        ["RABBITMQ_NODENAME"] = node,
        ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf"),
        // Not the machine's: scripts/deps.sh puts the shared broker's loopback listener (port 5672) in
        // /etc/rabbitmq/conf.d and its Erlang settings in /etc/rabbitmq/rabbitmq-env.conf, which every node
        // reads by default; a private node that read them would try to take the shared broker's port.
        ["RABBITMQ_CONFIG_FILES"] = Path.Combine(directory, "conf.d"),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbitmq.pid"),
    };

    public async Task InitializeAsync()
    {
        directory = await OsProcess.TempDirectoryAsync("wo-fault-mq", null);
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].");
        Directory.CreateDirectory(Path.Combine(directory, "conf.d"));
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq-env.conf"), string.Empty);
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), $"listeners.tcp.default = {Port}\nmax_message_size = 1048576\n");
        if (OsProcess.IsRoot)
        {
            await OsProcess.RunAsync(null, "chown", ["-R", User, directory]);
        }

        await StartAsync();
    }

    public async Task StartAsync()
    {
        server = OsProcess.Start(RunAs, "/usr/lib/rabbitmq/bin/rabbitmq-server", [], Environment, out output);
        // Waits for the pid file, then for the broker application to run.
        await CtlAsync("wait", Path.Combine(directory, "rabbitmq.pid"), "--timeout", "120");
    }

    /// <summary>A real stop: the node closes every connection and exits.</summary>
    public async Task StopAsync()
    {
        await CtlAsync("stop");
        if (server is not null)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await server.WaitForExitAsync(limit.Token);
            server.Dispose();
            server = null;
        }
    }

    /// <summary>Messages ready in <paramref name="queue"/> (0 when it does not exist).</summary>
    public async Task<uint> MessageCountAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = Uri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            try
            {
                await StopAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                server.Kill(entireProcessTree: true);
            }
        }

        if (directory.Length > 0)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private Task<string> CtlAsync(params string[] arguments) =>
        OsProcess.RunAsync(RunAs, "/usr/lib/rabbitmq/bin/rabbitmqctl", ["-n", node, .. arguments], Environment, TimeSpan.FromMinutes(3));
}
