namespace WarehouseOms.Benchmarks;

/// <summary>
/// One phase's outcome: per-operation latencies of the operations that succeeded, and how many failed,
/// timed out at the end of the budget, or were never started because the budget ran out.
/// </summary>
/// <remarks>
/// <see cref="CpuTime"/> is this process's CPU time during the phase. The service, its Temporal dev
/// server and the benchmark's clients all run here (PostgreSQL and RabbitMQ do not), so it tells how
/// much of the machine the .NET side took, whatever else was running.
/// </remarks>
public sealed record Measurement(
    string Phase, string Unit, int Requested, double[] LatenciesMs, int Failed, int TimedOut, TimeSpan Elapsed, TimeSpan CpuTime)
{
    public int Completed => LatenciesMs.Length;

    public int NotStarted => Requested - Completed - Failed - TimedOut;

    public double PerSecond => Completed / Elapsed.TotalSeconds;

    public double CpuMsPerOperation => Completed == 0 ? double.NaN : CpuTime.TotalMilliseconds / Completed;

    public bool AllCompleted => Completed == Requested;

    /// <summary>Nearest-rank percentile of the sorted latencies.</summary>
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(p / 100 * LatenciesMs.Length) - 1;
        return LatenciesMs[Math.Clamp(index, 0, LatenciesMs.Length - 1)];
    }
}
