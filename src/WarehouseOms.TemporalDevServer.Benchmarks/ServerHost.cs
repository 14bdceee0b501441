using System.Reflection;
using System.Runtime.InteropServices;
using Temporalio.Client;
using Temporalio.Testing;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>The server being measured and a client connected to it.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly IAsyncDisposable? owned;

    private ServerHost(ITemporalClient client, string description, IAsyncDisposable? owned, WorkflowTaskStatistics? workflowTasks = null)
    {
        Client = client;
        Description = description;
        this.owned = owned;
        WorkflowTasks = workflowTasks;
    }

    public ITemporalClient Client { get; }

    /// <summary>Workflow tasks handed out and what they carried (in-process servers only).</summary>
    public WorkflowTaskStatistics? WorkflowTasks { get; }

    public string Description { get; }

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
        var executable = LocateExecutable();
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
        return new(environment.Client, $"dev server process {Path.GetFileName(executable)}{ShiftNote(options)}", environment);
    }

    public async ValueTask DisposeAsync()
    {
        if (owned is not null)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>The server, then its scratch schema.</summary>
    private sealed class Owned(TemporalDevServer server, ScratchSchema? scratch) : IAsyncDisposable
    {
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
