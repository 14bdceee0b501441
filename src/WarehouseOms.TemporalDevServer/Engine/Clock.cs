namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The one source of time for the server. Virtual time follows the wall clock plus an offset; with time
/// skipping, the offset jumps to the next timer whenever the engine reports that nothing is in flight.
/// Timer callbacks run on the clock's thread while holding the engine lock.
/// </summary>
internal sealed class Clock : IDisposable
{
    private readonly EngineGate gate;
    private readonly Func<bool> isIdle;
    private readonly Action<Exception> callbackFailed;
    private readonly PriorityQueue<TimerHandle, (DateTime Due, long Seq)> timers = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;
    private TimeSpan offset;
    private long sequence;

    /// <param name="callbackFailed">Told of a timer callback that threw: a bug must not stop the clock (and the process).</param>
    public Clock(EngineGate gate, bool timeSkipping, Func<bool> isIdle, Action<Exception> callbackFailed)
    {
        this.gate = gate;
        this.isIdle = isIdle;
        this.callbackFailed = callbackFailed;
        TimeSkipping = timeSkipping;
        thread = new Thread(Run) { IsBackground = true, Name = "temporal-dev-clock" };
        thread.Start();
    }

    public bool TimeSkipping { get; }

    /// <summary>Time never goes backwards: monotonic over the wall clock plus the skipped offset.</summary>
    public DateTime Now => DateTime.UtcNow + offset;

    public TimerHandle Schedule(TimeSpan delay, Action callback) =>
        ScheduleAt(Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay), callback);

    /// <summary>Fires at <paramref name="due"/>; a due time in the past (e.g. while the engine was down) fires at once.</summary>
    public TimerHandle ScheduleAt(DateTime due, Action callback)
    {
        var handle = new TimerHandle(due, callback);
        timers.Enqueue(handle, (handle.Due, Interlocked.Increment(ref sequence)));
        Poke();
        return handle;
    }

    /// <summary>Asks the clock thread to look again (a timer was added or the engine became idle).</summary>
    public void Poke() => wake.Release();

    private void Run()
    {
        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            using (gate.Enter())
            {
                wait = FireDue();
            }

            try
            {
                wake.Wait(wait, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Fires every due timer; with time skipping jumps ahead while idle. Returns how long to sleep.
    private TimeSpan FireDue()
    {
        while (true)
        {
            while (timers.TryPeek(out var head, out _) && head.Cancelled)
            {
                timers.Dequeue();
            }

            if (!timers.TryPeek(out var next, out _))
            {
                return Timeout.InfiniteTimeSpan;
            }

            var now = Now;
            if (next.Due > now)
            {
                if (TimeSkipping && isIdle())
                {
                    offset += next.Due - now;
                }
                else
                {
                    var wait = next.Due - now;
                    // With time skipping, re-check idleness often: the engine pokes, but be safe.
                    return TimeSkipping && wait > TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : wait;
                }
            }

            timers.Dequeue();
            if (!next.Cancelled)
            {
                next.Cancel();
                gate.NextTransaction();
                try
                {
                    next.Callback();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    callbackFailed(ex);
                }
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        thread.Join(TimeSpan.FromSeconds(2));
        stop.Dispose();
        wake.Dispose();
    }
}

internal sealed class TimerHandle(DateTime due, Action callback)
{
    public DateTime Due { get; } = due;

    public Action Callback { get; } = callback;

    public bool Cancelled { get; private set; }

    public void Cancel() => Cancelled = true;
}
