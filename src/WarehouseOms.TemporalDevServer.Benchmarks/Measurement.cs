using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>Result of one phase: how many operations finished in how long, with per-operation latencies.</summary>
/// <remarks>
/// <see cref="CpuTime"/> is this process's CPU time during the phase (server, SDK client and worker all
/// run here): CPU per operation does not depend on what else the machine is doing, so it gives the
/// throughput ceiling the code would reach with every core to itself.
/// </remarks>
public sealed record Measurement(string Phase, string Unit, int Requested, int Completed, int Failed, TimeSpan Elapsed, TimeSpan CpuTime, double[] LatenciesMs)
{
    /// <summary>Workflow tasks handed out during the phase (in-process servers).</summary>
    public TaskCounts Tasks { get; init; } = new();

    /// <summary>The server process's CPU time during the phase, when it runs out of process.</summary>
    public TimeSpan? ServerCpuTime { get; init; }

    public double ServerCpuMsPerOperation => Completed == 0 || ServerCpuTime is not { } server ? double.NaN : server.TotalMilliseconds / Completed;

    public double PerSecond => Completed / Elapsed.TotalSeconds;

    public double CpuMsPerOperation => Completed == 0 ? double.NaN : CpuTime.TotalMilliseconds / Completed;

    /// <summary>Operations per second if the process (and the server's, when it runs apart) had all cores of the machine.</summary>
    public double CpuBoundCeiling => Environment.ProcessorCount * 1000 / (CpuMsPerOperation + (ServerCpuTime is null ? 0 : ServerCpuMsPerOperation));

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(p / 100 * LatenciesMs.Length) - 1;
        return LatenciesMs[Math.Clamp(index, 0, LatenciesMs.Length - 1)];
    }

    public string Format() => string.Format(
        CultureInfo.InvariantCulture,
        "{0,-40} {1,6}/{2,-6} {3,3} failed {4,8:F1} {5}/s  p50 {6,7:F2} ms  p95 {7,7:F2} ms  p99 {8,7:F2} ms  ({9:F1} s)  cpu {10:F2} ms/op, ceiling {11:F0}/s{12}",
        Phase, Completed, Requested, Failed, PerSecond, Unit, Percentile(50), Percentile(95), Percentile(99), Elapsed.TotalSeconds,
        CpuMsPerOperation, CpuBoundCeiling,
        ServerCpuTime is null ? string.Empty : string.Format(CultureInfo.InvariantCulture, "; server process {0:F2} ms/op", ServerCpuMsPerOperation));

    /// <summary>
    /// Runs <paramref name="operation"/> for indexes 0..count-1 with <paramref name="concurrency"/> callers,
    /// timing each call; stops handing out new indexes when <paramref name="budget"/> is spent.
    /// </summary>
    public static async Task<Measurement> RunAsync(
        string phase, string unit, int count, int concurrency, TimeSpan budget, Func<int, Task> operation)
    {
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        var next = -1;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        async Task CallerAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count && total.Elapsed < budget)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation(index);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    if (Interlocked.Increment(ref failures) <= 3)
                    {
                        await Console.Error.WriteLineAsync($"{phase}: operation {index} failed: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(CallerAsync)));
        total.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return new(phase, unit, count, sorted.Length, failures, total.Elapsed, cpu, sorted);
    }
}

/// <summary>Workflow tasks handed out, with full histories and on sticky queues, and the history they carried.</summary>
public sealed record TaskCounts(long FullTasks = 0, long FullEvents = 0, long FullBytes = 0, long StickyTasks = 0, long StickyEvents = 0, long StickyBytes = 0)
{
    public long Total => FullTasks + StickyTasks;

    public static TaskCounts Of(WorkflowTaskStatistics? s) => s is null
        ? new()
        : new(s.FullHistoryTasks, s.FullHistoryEvents, s.FullHistoryBytes, s.StickyTasks, s.StickyEvents, s.StickyBytes);

    public static TaskCounts operator -(TaskCounts a, TaskCounts b) =>
        new(a.FullTasks - b.FullTasks, a.FullEvents - b.FullEvents, a.FullBytes - b.FullBytes, a.StickyTasks - b.StickyTasks, a.StickyEvents - b.StickyEvents, a.StickyBytes - b.StickyBytes);

    public static TaskCounts operator +(TaskCounts a, TaskCounts b) =>
        new(a.FullTasks + b.FullTasks, a.FullEvents + b.FullEvents, a.FullBytes + b.FullBytes, a.StickyTasks + b.StickyTasks, a.StickyEvents + b.StickyEvents, a.StickyBytes + b.StickyBytes);

    public string Describe() => string.Format(
        CultureInfo.InvariantCulture,
        "{0} with full history ({1:F1} events, {2:F0} bytes each), {3} sticky ({4:F1} events, {5:F0} bytes each)",
        FullTasks, Per(FullEvents, FullTasks), Per(FullBytes, FullTasks), StickyTasks, Per(StickyEvents, StickyTasks), Per(StickyBytes, StickyTasks));

    private static double Per(long amount, long tasks) => tasks == 0 ? 0 : (double)amount / tasks;
}
