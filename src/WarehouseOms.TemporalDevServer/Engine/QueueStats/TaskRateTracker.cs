namespace WarehouseOms.TemporalDevServer.Engine.QueueStats;

/// <summary>
/// Tasks per second over the last 30 s, as Temporal's matching task tracker measures them: seven 5 s buckets in a
/// ring; the rate is the buckets' total over the time they cover, never more than since the tracker started.
/// Guarded by the engine lock.
/// </summary>
internal sealed class TaskRateTracker(DateTime now)
{
    private static readonly TimeSpan BucketSize = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private const int Buckets = 7;

    private readonly long[] counts = new long[Buckets];
    private readonly DateTime started = now;
    private DateTime bucketStart = now;
    private int current;

    public void Increment(DateTime now)
    {
        Advance(now);
        counts[current]++;
    }

    public double Rate(DateTime now)
    {
        Advance(now);
        var elapsed = TimeSpan.FromTicks(Math.Min((now - bucketStart + Window).Ticks, (now - started).Ticks));
        return elapsed <= TimeSpan.Zero ? 0 : counts.Sum() / elapsed.TotalSeconds;
    }

    private void Advance(DateTime now)
    {
        var steps = (int)Math.Min(Buckets, Math.Max(0, (now - bucketStart).Ticks / BucketSize.Ticks));
        for (var i = 0; i < steps; i++)
        {
            current = (current + 1) % Buckets;
            counts[current] = 0;
        }

        if (steps > 0)
        {
            bucketStart += TimeSpan.FromTicks(BucketSize.Ticks * ((now - bucketStart).Ticks / BucketSize.Ticks));
        }
    }
}
