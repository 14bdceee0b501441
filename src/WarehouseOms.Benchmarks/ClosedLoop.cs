using System.Collections.Concurrent;
using System.Diagnostics;

namespace WarehouseOms.Benchmarks;

/// <summary>An operation's own verdict that it failed (e.g. the service emitted order-failed); not a crash.</summary>
public sealed class OperationFailedException(string message) : Exception(message);

/// <summary>
/// Closed-loop load: <c>concurrency</c> workers, each starts its next operation only when the previous one
/// is observed done. In-flight work is therefore bounded, and latency means "under this concurrency", not
/// "behind a queue of everything published up front".
/// </summary>
public static class ClosedLoop
{
    /// <summary>
    /// Runs <paramref name="operation"/>(worker, index, budget token) for indexes 0..count-1; the operation
    /// returns its own latency (it knows when the outcome was observed). When the budget is spent the token
    /// is cancelled: in-flight operations count as timed out, the rest as not started.
    /// </summary>
    public static async Task<Measurement> RunAsync(
        string phase,
        string unit,
        int count,
        int concurrency,
        TimeSpan budget,
        Func<int, int, CancellationToken, Task<TimeSpan>> operation,
        CancellationToken cancellationToken)
    {
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var timedOut = 0;
        var next = -1;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget);
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();

        async Task WorkerAsync(int worker)
        {
            int index;
            while (!deadline.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    latencies.Add((await operation(worker, index, deadline.Token)).TotalMilliseconds);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    Interlocked.Increment(ref timedOut);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A few examples are enough to diagnose; the count is in the table.
                    if (Interlocked.Increment(ref failed) <= 3)
                    {
                        await Console.Error.WriteLineAsync($"{phase}: #{index} failed: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(w => Task.Run(() => WorkerAsync(w), CancellationToken.None)));
        total.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        process.Refresh();
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return new(phase, unit, count, sorted, failed, timedOut, total.Elapsed, process.TotalProcessorTime - cpuBefore);
    }
}
