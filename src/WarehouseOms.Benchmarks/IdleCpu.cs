using System.Diagnostics;

namespace WarehouseOms.Benchmarks;

/// <summary>
/// CPU this process burns with no work at all (pollers, timers, the dev server's housekeeping): without
/// it, CPU per order cannot be told apart from a background cost that would be paid anyway.
/// </summary>
public static class IdleCpu
{
    /// <summary>Milliseconds of CPU per second of wall time while nothing is sent.</summary>
    public static async Task<double> MeasureAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(duration, cancellationToken);
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalMilliseconds / wall.Elapsed.TotalSeconds;
    }
}
