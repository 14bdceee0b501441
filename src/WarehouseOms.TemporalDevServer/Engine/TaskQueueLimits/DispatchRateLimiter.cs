namespace WarehouseOms.TemporalDevServer.Engine.TaskQueueLimits;

/// <summary>
/// A task queue's dispatch rate, as Temporal's matcher limits it: a GCRA with one second of burst, so that from
/// idle 1 + rate tasks may go at once and then one every 1/rate seconds; a rate of 0 lets nothing go. A rate change
/// keeps what was used, clipped to one interval plus the burst ahead. Guarded by the engine lock.
/// </summary>
internal sealed class DispatchRateLimiter(double rate)
{
    private static readonly TimeSpan Burst = TimeSpan.FromSeconds(1);
    private const double Never = 1e-9;

    // The theoretical arrival time of the next task: it may go once now >= ready - burst.
    private DateTime ready = DateTime.MinValue;

    public double Rate { get; private set; } = rate;

    private TimeSpan Interval => TimeSpan.FromTicks((long)(TimeSpan.TicksPerSecond / Rate));

    public void SetRate(double value, DateTime now)
    {
        Rate = value;
        if (value > Never && ready > now + Interval + Burst)
        {
            ready = now + Interval + Burst;
        }
    }

    /// <summary>When the next task may go (at the latest now); null: never, at this rate.</summary>
    public DateTime? ReadyAt(DateTime now)
    {
        if (Rate <= Never)
        {
            return null;
        }

        var at = ready == DateTime.MinValue ? now : ready - Burst;
        return at <= now ? now : at;
    }

    /// <summary>Whether a task may go now.</summary>
    public bool CanGo(DateTime now) => ReadyAt(now) is { } at && at <= now;

    /// <summary>Takes the right for one task to go now, if it has come.</summary>
    public bool TryConsume(DateTime now)
    {
        if (!CanGo(now))
        {
            return false;
        }

        ready = (ready > now ? ready : now) + Interval;
        return true;
    }
}
