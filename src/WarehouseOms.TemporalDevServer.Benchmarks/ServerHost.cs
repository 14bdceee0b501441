using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Temporalio.Client;
using Temporalio.Testing;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>The server being measured and a client connected to it.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly IAsyncDisposable? owned;

    private ServerHost(ITemporalClient client, string description, IAsyncDisposable? owned, WorkflowTaskStatistics? workflowTasks = null, Process? serverProcess = null)
    {
        Client = client;
        Description = description;
        this.owned = owned;
        WorkflowTasks = workflowTasks;
        ServerProcess = serverProcess;
    }

    public ITemporalClient Client { get; }

    /// <summary>Workflow tasks handed out and what they carried (in-process servers only).</summary>
    public WorkflowTaskStatistics? WorkflowTasks { get; }

    public string Description { get; }

    /// <summary>Runs the durable store was read for because a call named them (in-process servers only).</summary>
    public long? StoreReadBacks => (owned as Owned)?.Server.StoreReadBacks;

    /// <summary>The server's own process when it runs out of process (its CPU is measured beside this one's).</summary>
    public Process? ServerProcess { get; }

    public static async Task<ServerHost> StartAsync(BenchmarkOptions options, string store)
    {
        if (options.Target is { } target)
        {
            var client = await TemporalClient.ConnectAsync(new(target) { Namespace = "default" });
            return new(client, $"external server at {target}", owned: null);
        }

        if (!options.OutOfProcess)
        {
            var scratch = store == "postgres" ? await ScratchSchema.CreateAsync(options.Database) : null;
            var storage = scratch is null ? TemporalDevServerStorage.InMemory : TemporalDevServerStorage.Postgres(options.Database, scratch.Name);
            // "memory-full": sticky queues off, every workflow task carries the full history (the comparison).
            var sticky = store != BenchmarkOptions.FullHistories;
            // "memory-queued": eager activity dispatch off, every activity through its task queue (the comparison).
            var eager = store != BenchmarkOptions.QueuedActivities;
            var serverOptions = new TemporalDevServerOptions
            {
                Port = 0, TimeSkipping = false, Storage = storage, StickyTaskQueues = sticky, ActivityEagerExecution = eager, Retention = options.Retention,
            };
            var server = await TemporalDevServer.StartAsync(options.TimerShift is { } configured ? serverOptions with { TimerMaxTimeShift = configured } : serverOptions);
            var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
            return new(client, $"in-process dev server at {server.Target}, state: {server.StoreDescription}, sticky queues {(sticky ? "on" : "off")}, eager activities {(eager ? "on" : "off")}{ShiftNote(options)}",
                new Owned(server, scratch), server.WorkflowTasks);
        }

        // The dev server executable started the way the SDK's test environment starts it.
        var executable = options.ServerExecutable ?? LocateExecutable();
        var environment = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new()
            {
                ExistingPath = executable,
                StartupTimeout = TimeSpan.FromSeconds(30),
                ExtraArgs = options.TimerShift is { } shift
                    ? ["--dynamic-config-value", $"history.timerProcessorMaxTimeShift={(int)shift.TotalMilliseconds}ms"]
                    : null,
            },
        });
        return new(environment.Client, $"dev server process {options.ServerExecutable ?? Path.GetFileName(executable)}{ShiftNote(options)}", environment, serverProcess: ChildProcess(executable));
    }

    public async ValueTask DisposeAsync()
    {
        ServerProcess?.Dispose();
        if (owned is not null)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>The server, then its scratch schema.</summary>
    private sealed class Owned(TemporalDevServer server, ScratchSchema? scratch) : IAsyncDisposable
    {
        public TemporalDevServer Server => server;

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            if (scratch is not null)
            {
                await scratch.DisposeAsync();
            }
        }
    }

    private static string ShiftNote(BenchmarkOptions options) =>
        options.TimerShift is { } shift ? $", timer shift {shift.TotalMilliseconds} ms" : string.Empty;

    /// <summary>This process's child running <paramref name="executable"/> (Linux /proc; null elsewhere or when not found).</summary>
    private static Process? ChildProcess(string executable)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                // stat: "pid (comm) state ppid …"; comm may hold spaces or parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (parent == Environment.ProcessId && File.ReadAllText(Path.Combine(directory, "cmdline")).StartsWith(executable, StringComparison.Ordinal))
                {
                    return Process.GetProcessById(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
            {
                // A process that ended while being read, or one not ours to read.
            }
        }

        return null;
    }

    /// <summary>The apphost the project reference copies next to this program.</summary>
    private static string LocateExecutable()
    {
        const string name = "WarehouseOms.TemporalDevServer";
        var appHost = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? name + ".exe" : name;
        var directory = Path.GetDirectoryName(Assembly.Load(new AssemblyName(name)).Location) ?? AppContext.BaseDirectory;
        var path = Path.Combine(directory, appHost);
        return File.Exists(path) ? path : throw new FileNotFoundException("dev server apphost not found", path);
    }
}
