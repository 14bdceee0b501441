using System.Globalization;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>Command-line options; defaults keep a full run under a minute on a 2-core machine.</summary>
public sealed record BenchmarkOptions
{
    public int Workflows { get; init; } = 2000;
    public int Concurrency { get; init; } = 64;
    public int Signals { get; init; } = 2000;
    public int RawStarts { get; init; } = 2000;
    public int Pings { get; init; } = 5000;
    public int Lists { get; init; } = 300;
    public int Warmup { get; init; } = 200;
    public int WorkflowTaskPollers { get; init; } = 8;
    public int ActivityTaskPollers { get; init; } = 8;

    /// <summary>Upper bound per phase; a phase that runs out stops starting work and reports what it did.</summary>
    public TimeSpan PhaseBudget { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>Turn off the SDK's workflow tracing event listener (a determinism check that costs CPU).</summary>
    public bool DisableTracingListener { get; init; }

    /// <summary>Run the built dev server executable as a child process instead of in-process.</summary>
    public bool OutOfProcess { get; init; }

    /// <summary>Out of process: this executable instead of the built one (another build's, to compare like for like).</summary>
    public string? ServerExecutable { get; init; }

    /// <summary>host:port of a running server instead of the in-process one.</summary>
    public string? Target { get; init; }

    /// <summary>Rounds over the stores, interleaved (memory, postgres, memory, …), so warm-up favours neither.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>The in-memory store with sticky queues off: every workflow task carries the full history.</summary>
    public const string FullHistories = "memory-full";

    /// <summary>The in-memory store with eager activity dispatch off: every activity goes through its task queue.</summary>
    public const string QueuedActivities = "memory-queued";

    /// <summary>Stores to measure, one after the other in the same run: memory, memory-full (no sticky queues), memory-queued (no eager activities), postgres.</summary>
    public IReadOnlyList<string> Stores { get; init; } = ["memory", FullHistories, QueuedActivities, "postgres"];

    /// <summary>Soak mode: run this many one-activity workflows on one server per store, printing memory as it goes (0: off).</summary>
    public int Soak { get; init; }

    /// <summary>Soak mode: stop starting workflows after this long (per store).</summary>
    public TimeSpan SoakBudget { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Soak mode: how often memory is printed.</summary>
    public TimeSpan SoakReportEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The server's namespace retention (default: the dev server's, 24 hours).</summary>
    public TimeSpan Retention { get; init; } = new TemporalDevServerOptions().Retention;

    /// <summary>The server's history.timerProcessorMaxTimeShift (default: the dev server's, 1 s; 0 turns the shift off).</summary>
    public TimeSpan? TimerShift { get; init; }

    /// <summary>PostgreSQL for the durable store (a scratch schema is created and dropped there).</summary>
    public string Database { get; init; } =
        Environment.GetEnvironmentVariable("ConnectionStrings__WarehouseOms") ?? "Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms";

    public const string Usage =
        """
        WarehouseOms.TemporalDevServer.Benchmarks [options]
          --workflows N        one-activity workflows to run end to end (default 2000)
          --concurrency C      concurrent starters / callers in every phase (default 64)
          --signals N          signals to send (default 2000)
          --raw-starts N       StartWorkflowExecution calls with no worker, baseline (default 2000)
          --pings N            GetSystemInfo round trips, baseline (default 5000)
          --lists N            ListWorkflowExecutions (and CountWorkflowExecutions) calls per list phase (default 300): a
                               start-time window and a workflow ID prefix, each next to a query with the same matches
                               that no index narrows; a count of completed runs next to the same count with a filter
          --warmup N           workflows run before measuring (default 200)
          --wft-pollers N      worker workflow-task pollers (default 8)
          --activity-pollers N worker activity-task pollers (default 8)
          --phase-budget S     seconds a phase may take before it stops early (default 12)
          --no-tracing-listener  disable the SDK's workflow tracing event listener in the worker
          --out-of-process     start the built dev server executable (as WorkflowEnvironment does)
          --server-executable PATH  out of process, with this dev server executable (another build's)
          --target HOST:PORT   measure a running server instead of starting one in-process
          --rounds N           rounds over the stores, interleaved (default 2)
          --store memory|memory-full|memory-queued|postgres  measure only this store (default: all four in this order;
                               memory-full = in memory with sticky queues off, full histories on every task;
                               memory-queued = in memory with eager activity dispatch off)
          --db CONNECTION      PostgreSQL for the durable store (default: ConnectionStrings__WarehouseOms or the local one)
          --soak N             memory check instead: N one-activity workflows per store (memory, postgres unless --store),
                               printing managed heap and RSS every --soak-report S seconds (default 30)
          --soak-minutes M     soak: stop starting workflows after M minutes per store (default 15)
          --retention S        the server's namespace retention in seconds (default 24 h, the dev server's)
          --timer-shift-ms N   the server's timer queue shift, history.timerProcessorMaxTimeShift (default 1000; 0: off)
        """;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Count() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0
                ? n
                : throw new ArgumentException($"{name} must be positive");
            options = name switch
            {
                "--workflows" => options with { Workflows = Count() },
                "--concurrency" => options with { Concurrency = Count() },
                "--signals" => options with { Signals = Count() },
                "--raw-starts" => options with { RawStarts = Count() },
                "--pings" => options with { Pings = Count() },
                "--lists" => options with { Lists = Count() },
                "--warmup" => options with { Warmup = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) },
                "--wft-pollers" => options with { WorkflowTaskPollers = Count() },
                "--activity-pollers" => options with { ActivityTaskPollers = Count() },
                "--phase-budget" => options with { PhaseBudget = TimeSpan.FromSeconds(Count()) },
                "--target" => options with { Target = Value() },
                "--out-of-process" => options with { OutOfProcess = true },
                "--server-executable" => options with { OutOfProcess = true, ServerExecutable = ExistingFile(Value()) },
                "--no-tracing-listener" => options with { DisableTracingListener = true },
                "--store" => options with { Stores = [Store(Value())] },
                "--db" => options with { Database = Value() },
                "--rounds" => options with { Rounds = Count() },
                "--soak" => options with { Soak = Count(), Stores = options.Stores.Count == 1 ? options.Stores : ["memory", "postgres"] },
                "--soak-minutes" => options with { SoakBudget = TimeSpan.FromMinutes(Count()) },
                "--soak-report" => options with { SoakReportEvery = TimeSpan.FromSeconds(Count()) },
                "--retention" => options with { Retention = TimeSpan.FromSeconds(Count()) },
                "--timer-shift-ms" => options with { TimerShift = TimeSpan.FromMilliseconds(int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }

    private static string ExistingFile(string value) =>
        File.Exists(value) ? Path.GetFullPath(value) : throw new ArgumentException($"--server-executable: no file {value}");

    private static string Store(string value) =>
        value is "memory" or FullHistories or QueuedActivities or "postgres" ? value : throw new ArgumentException("--store is memory, memory-full, memory-queued or postgres");
}
