using System.Globalization;
using System.Runtime.InteropServices;

namespace WarehouseOms.Benchmarks;

/// <summary>The printed results: the machine, one table row per phase, and order latency over raw latency.</summary>
public static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Cores, CPU model, OS, runtime: the figures mean nothing without them.</summary>
    public static string Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores ({model ?? RuntimeInformation.ProcessArchitecture.ToString()}), " +
            $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    /// <summary>Other processes share the machine (builds, tests); the 1-minute load average says how much (Linux only).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    public static void Print(IReadOnlyList<Measurement> results)
    {
        const string Format = "{0,-44} {1,11} {2,6} {3,7} {4,7} {5,14} {6,9} {7,9} {8,9} {9,9} {10,9} {11,9}";
        Console.WriteLine(string.Format(Invariant, Format,
            "phase", "ok/total", "failed", "timeout", "unrun", "throughput", "p50 ms", "p95 ms", "p99 ms", "max ms", "elapsed", "cpu ms/op"));
        foreach (var m in results)
        {
            Console.WriteLine(string.Format(Invariant, Format,
                m.Phase, $"{m.Completed}/{m.Requested}", m.Failed, m.TimedOut, m.NotStarted,
                string.Create(Invariant, $"{m.PerSecond:F1} {m.Unit}/s"),
                Ms(m.Percentile(50)), Ms(m.Percentile(95)), Ms(m.Percentile(99)), Ms(m.Percentile(100)),
                string.Create(Invariant, $"{m.Elapsed.TotalSeconds:F2} s"), Ms(m.CpuMsPerOperation)));
        }
    }

    /// <summary>How many raw broker round trips one order costs in latency, percentile by percentile.</summary>
    public static void PrintRatio(Measurement order, Measurement raw)
    {
        string Ratio(double p) => string.Create(Invariant, $"p{p:F0} ×{order.Percentile(p) / raw.Percentile(p):F0}");
        Console.WriteLine($"order latency / raw latency: {Ratio(50)}, {Ratio(95)}, {Ratio(99)}; " +
            string.Create(Invariant, $"throughput raw/order ×{raw.PerSecond / order.PerSecond:F0}"));
    }

    /// <summary>
    /// CPU per operation hardly depends on what else runs, so it gives the rate this process could reach
    /// with every core to itself: an upper bound, since PostgreSQL and RabbitMQ need CPU too.
    /// </summary>
    public static void PrintCpuCeiling(Measurement m) => Console.WriteLine(string.Create(Invariant,
        $"{m.Phase}: {m.CpuMsPerOperation:F0} ms CPU per operation in this process (service, Temporal, clients) → " +
        $"≤ {Environment.ProcessorCount * 1000 / m.CpuMsPerOperation:F0} {m.Unit}/s on {Environment.ProcessorCount} cores, PostgreSQL and RabbitMQ not counted"));

    private static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString(value < 100 ? "F2" : "F0", Invariant);
}
