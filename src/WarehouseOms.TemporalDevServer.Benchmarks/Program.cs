using System.Diagnostics;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Benchmarks;

// Throughput benchmark of the embedded dev server, measured through the real Temporalio SDK.
// Not a test: it prints figures, it asserts only correctness (every result right, no signal lost).
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

if (options.Soak > 0)
{
    var allRight = true;
    foreach (var store in options.Stores)
    {
        allRight &= await Soak.RunAsync(options, store);
    }

    return allRight ? 0 : 1;
}

var wall = Stopwatch.StartNew();
var suites = new List<(string Store, List<Measurement> Results)>();
var problems = new List<string>();
foreach (var store in Enumerable.Range(0, options.Rounds).SelectMany(_ => options.Stores))
{
    await using var server = await ServerHost.StartAsync(options, store);
    Console.WriteLine($"{server.Description}, " +
        $"{Environment.ProcessorCount} cores, concurrency {options.Concurrency}, " +
        $"pollers {options.WorkflowTaskPollers} workflow / {options.ActivityTaskPollers} activity");
    var (results, problem) = await RunSuiteAsync(server, options);
    suites.Add((store, results));
    if (problem.Length > 0)
    {
        problems.Add($"{store}: {problem}");
    }

    Console.WriteLine();
    foreach (var measurement in results)
    {
        Console.WriteLine(measurement.Format());
    }

    Console.WriteLine();
}

var perStore = suites.GroupBy(s => s.Store).ToDictionary(g => g.Key, g => g.Select(s => s.Results.Single(r => r.Unit == "wf")).ToList());
var eagerPerStore = suites.GroupBy(s => s.Store).ToDictionary(g => g.Key, g => g.SelectMany(s => s.Results.Where(r => r.Unit == "eager wf")).ToList());
foreach (var (store, rounds) in perStore)
{
    Console.WriteLine($"{store,-13} one-activity workflows/s by round: {string.Join(", ", rounds.Select(r => r.PerSecond.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}; " +
        $"CPU per workflow (this process) {rounds.Average(r => r.CpuMsPerOperation):F2} ms" +
        (rounds.All(r => r.ServerCpuTime is not null) ? $", server process {rounds.Average(r => r.ServerCpuMsPerOperation):F2} ms" : string.Empty) +
        $"; ceiling on {Environment.ProcessorCount} dedicated cores {rounds.Average(r => r.CpuBoundCeiling):F0}/s");
    var tasks = rounds.Aggregate(new TaskCounts(), (sum, r) => sum + r.Tasks);
    if (tasks.Total > 0)
    {
        Console.WriteLine($"{string.Empty,-13} workflow tasks: {tasks.Describe()}; CPU per workflow task {rounds.Sum(r => r.CpuTime.TotalMilliseconds) / tasks.Total:F2} ms");
    }

    if (eagerPerStore[store] is { Count: > 0 } eager)
    {
        Console.WriteLine($"{store,-13} with eager start, by round: {string.Join(", ", eager.Select(r => r.PerSecond.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}; " +
            $"CPU per workflow (this process) {eager.Average(r => r.CpuMsPerOperation):F2} ms");
    }
}

if (perStore.TryGetValue("memory", out var stickyRounds) && perStore.TryGetValue(BenchmarkOptions.FullHistories, out var fullRounds))
{
    double CpuPerTask(List<Measurement> rounds) => rounds.Sum(r => r.CpuTime.TotalMilliseconds) / Math.Max(1, rounds.Aggregate(new TaskCounts(), (sum, r) => sum + r.Tasks).Total);
    double BytesPerTask(List<Measurement> rounds) => rounds.Aggregate(new TaskCounts(), (sum, r) => sum + r.Tasks) is var t && t.Total > 0 ? (double)(t.FullBytes + t.StickyBytes) / t.Total : double.NaN;
    Console.WriteLine($"sticky queues save per workflow task: {BytesPerTask(fullRounds) - BytesPerTask(stickyRounds):F0} history bytes " +
        $"({BytesPerTask(fullRounds):F0} → {BytesPerTask(stickyRounds):F0}), {CpuPerTask(fullRounds) - CpuPerTask(stickyRounds):F2} ms CPU " +
        $"({CpuPerTask(fullRounds):F2} → {CpuPerTask(stickyRounds):F2} ms, server + SDK in this process)");
}

if (perStore.TryGetValue("memory", out var eagerRounds) && perStore.TryGetValue(BenchmarkOptions.QueuedActivities, out var queuedRounds))
{
    Console.WriteLine($"eager activity dispatch: {eagerRounds.Average(r => r.PerSecond):F1} vs {queuedRounds.Average(r => r.PerSecond):F1} one-activity workflows/s, " +
        $"{eagerRounds.Average(r => r.CpuMsPerOperation):F2} vs {queuedRounds.Average(r => r.CpuMsPerOperation):F2} ms CPU per workflow (on vs off, mean over rounds, server + SDK in this process)");
}

if (perStore.TryGetValue("memory", out var inMemory) && perStore.TryGetValue("postgres", out var durable))
{
    var ratio = durable.Average(r => r.PerSecond) / inMemory.Average(r => r.PerSecond);
    Console.WriteLine($"PostgreSQL store / in-memory store (mean over rounds): {ratio:P0} of the in-memory throughput (goal ≥ 50 %); " +
        "PostgreSQL's own CPU is not in the per-workflow figure");
}

Console.WriteLine($"load average at the end {LoadAverage()}; total run {wall.Elapsed.TotalSeconds:F1} s");
if (problems.Count > 0)
{
    Console.WriteLine($"CORRECTNESS PROBLEM: {string.Join("; ", problems)}");
    return 1;
}

return 0;

static async Task<(List<Measurement> Results, string Problem)> RunSuiteAsync(ServerHost server, BenchmarkOptions options)
{
    var client = server.Client;
    var results = new List<Measurement>();
    var runId = Guid.NewGuid().ToString("N")[..8];

    // With the server in its own process, its CPU over a phase is read beside this process's (SDK client and worker).
    async Task<Measurement> WithServerCpu(Func<Task<Measurement>> phase)
    {
        var before = ServerCpu();
        var measurement = await phase();
        return before is { } start && ServerCpu() is { } end ? measurement with { ServerCpuTime = end - start } : measurement;
    }

    TimeSpan? ServerCpu()
    {
        if (server.ServerProcess is not { } process)
        {
            return null;
        }

        process.Refresh();
        return process.TotalProcessorTime;
    }

    // Baseline 1: the cheapest round trip through the same SDK connection (no state touched).
    results.Add(await WithServerCpu(() => Measurement.RunAsync(
        "baseline: GetSystemInfo round trip", "calls", options.Pings, options.Concurrency, options.PhaseBudget,
        _ => client.Connection.WorkflowService.GetSystemInfoAsync(new GetSystemInfoRequest()))));

    // Baseline 2: workflow starts alone, no worker, so the cost of the start path is visible.
    var idleQueue = $"bench-idle-{runId}";
    results.Add(await WithServerCpu(() => Measurement.RunAsync(
        "baseline: StartWorkflow, no worker", "starts", options.RawStarts, options.Concurrency, options.PhaseBudget,
        i => client.StartWorkflowAsync(
            (OneActivityWorkflow wf) => wf.RunAsync(i), new($"bench-raw-{runId}-{i}", idleQueue)))));

    var taskQueue = $"bench-{runId}";
    using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
    {
        MaxConcurrentWorkflowTaskPolls = options.WorkflowTaskPollers,
        MaxConcurrentActivityTaskPolls = options.ActivityTaskPollers,
        DisableWorkflowTracingEventListener = options.DisableTracingListener,
    }.AddWorkflow<OneActivityWorkflow>().AddWorkflow<SignalCounterWorkflow>().AddActivity(BenchmarkActivities.Increment));

    var wrongResults = 0;
    var signalCountMismatch = string.Empty;
    await worker.ExecuteAsync(async () =>
    {
        async Task RunOneAsync(string prefix, int i, bool eagerStart = false)
        {
            var result = await client.ExecuteWorkflowAsync(
                (OneActivityWorkflow wf) => wf.RunAsync(i), new($"{prefix}-{runId}-{i}", taskQueue) { RequestEagerStart = eagerStart });
            if (result != i + 1)
            {
                Interlocked.Increment(ref wrongResults);
            }
        }

        if (options.Warmup > 0)
        {
            // Half of them started eagerly, so that both measured phases start warm.
            await Measurement.RunAsync("warm-up", "wf", options.Warmup, options.Concurrency, options.PhaseBudget, i => RunOneAsync("bench-warm", i, eagerStart: i % 2 == 1));
        }

        var tasksBefore = TaskCounts.Of(server.WorkflowTasks);
        var workflowsFrom = DateTime.UtcNow;
        var workflows = await WithServerCpu(() => Measurement.RunAsync(
            "one-activity workflow, start → result", "wf", options.Workflows, options.Concurrency, options.PhaseBudget,
            i => RunOneAsync("bench-wf", i)));
        results.Add(workflows with { Tasks = TaskCounts.Of(server.WorkflowTasks) - tasksBefore });

        results.AddRange(await MeasureListsAsync(client, options, runId, workflowsFrom, DateTime.UtcNow));

        // The same workflows started eagerly (request_eager_execution; after the lists, which measure the phase
        // before): the start's response carries the first workflow task to this process's worker, one poll fewer.
        results.Add(await WithServerCpu(() => Measurement.RunAsync(
            "one-activity workflow, eager start", "eager wf", options.Workflows, options.Concurrency, options.PhaseBudget,
            i => RunOneAsync("bench-eager", i, eagerStart: true))));

        // Signals spread over a few workflows so both per-workflow ordering and cross-workflow
        // parallelism are exercised; the counts come back as the workflows' results.
        var targets = Math.Clamp(options.Concurrency / 16, 1, 8);
        var handles = new List<WorkflowHandle<SignalCounterWorkflow, int>>();
        for (var t = 0; t < targets; t++)
        {
            handles.Add(await client.StartWorkflowAsync(
                (SignalCounterWorkflow wf) => wf.RunAsync(), new($"bench-signals-{runId}-{t}", taskQueue)));
        }

        var signals = await WithServerCpu(() => Measurement.RunAsync(
            $"signal (to {targets} workflows)", "signals", options.Signals, options.Concurrency, options.PhaseBudget,
            i => handles[i % targets].SignalAsync(wf => wf.IncrementAsync())));
        results.Add(signals);
        var counted = 0;
        foreach (var handle in handles)
        {
            await handle.SignalAsync(wf => wf.FinishAsync());
            counted += await handle.GetResultAsync();
        }

        if (counted != signals.Completed)
        {
            signalCountMismatch = $"signals acknowledged {signals.Completed}, counted by workflows {counted}";
        }
    });

    var problem = wrongResults > 0 || signalCountMismatch.Length > 0 || results.Any(r => r.Failed > 0)
        ? $"wrong workflow results {wrongResults}; {signalCountMismatch}; failed operations {results.Sum(r => r.Failed)}"
        : string.Empty;
    return (results, problem);
}

// List phases over the runs the phases before left (raw starts, warm-up, workflows): each query an index can narrow
// (a start-time window, a workflow ID prefix) next to one with the same matches that none can (ExecutionTime equals
// StartTime for these runs; a WorkflowId range), so the pair shows what the index saves. One page of 100 each; the
// window holds about 5 % of the runs, the prefix (workflows 12, 120–129, 1200–1299) about 3 %.
static async Task<List<Measurement>> MeasureListsAsync(ITemporalClient client, BenchmarkOptions options, string runId, DateTime from, DateTime to)
{
    var windowStart = from + ((to - from) * 0.45);
    var window = $"BETWEEN '{windowStart:yyyy-MM-ddTHH:mm:ss.fffffffZ}' AND '{windowStart + ((to - from) * 0.05):yyyy-MM-ddTHH:mm:ss.fffffffZ}'";
    var prefix = $"bench-wf-{runId}-12";
    var phases = new (string Name, string Query)[]
    {
        ("baseline: list by ExecutionTime window (no index)", $"ExecutionTime {window}"),
        ("list by StartTime window (start-time index)", $"StartTime {window}"),
        ("baseline: list by WorkflowId range (no index)", $"WorkflowId >= '{prefix}' AND WorkflowId < 'bench-wf-{runId}-13'"),
        ("list by WorkflowId STARTS_WITH (prefix index)", $"WorkflowId STARTS_WITH '{prefix}'"),
    };
    var measured = new List<Measurement>();
    foreach (var (name, query) in phases)
    {
        measured.Add(await Measurement.RunAsync(name, "lists", options.Lists, options.Concurrency, options.PhaseBudget,
            _ => client.Connection.WorkflowService.ListWorkflowExecutionsAsync(new() { Namespace = client.Options.Namespace, Query = query, PageSize = 100 })));
    }

    // Counts (ADR 0064): one the store can answer from its columns next to the same count with a condition it cannot
    // (ExecutionTime is set on every run), which reads every completed run.
    var counts = new (string Name, string Query)[]
    {
        ("baseline: count completed, with a filter", "ExecutionStatus = 'Completed' AND ExecutionTime IS NOT NULL"),
        ("count completed (columns only)", "ExecutionStatus = 'Completed'"),
    };
    foreach (var (name, query) in counts)
    {
        measured.Add(await Measurement.RunAsync(name, "counts", options.Lists, options.Concurrency, options.PhaseBudget,
            _ => client.Connection.WorkflowService.CountWorkflowExecutionsAsync(new() { Namespace = client.Options.Namespace, Query = query })));
    }

    return measured;
}

// Other processes share the machine; the load average says how much they took (Linux only).
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
