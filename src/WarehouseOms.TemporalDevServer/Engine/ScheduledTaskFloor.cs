namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// When a task of Temporal's timer queue (a user timer, a timeout, a retry backoff, a start delay) really fires.
/// Temporal's queue reader, each time it reads (when one of these tasks comes due, fired or already stale), lets
/// no new task fall behind what it read: its task key generator moves a task due before the read time plus
/// <c>history.timerProcessorMaxTimeShift</c> (1 s) to just after it. So on a busy server a sub-second timer fires
/// up to a second late, and one of a second or more on time. Not thread-safe: the engine calls it under its lock.
/// </summary>
/// <param name="start">When the engine started: the queue reads once at start, as Temporal's does when its shard loads.</param>
internal sealed class ScheduledTaskFloor(TimeSpan maxTimeShift, DateTime start)
{
    private static readonly TimeSpan Precision = TimeSpan.FromMilliseconds(1); // Temporal's ScheduledTaskMinPrecision

    // The due times of the tasks placed so far and not yet come due: each is a read of the queue when it comes due
    // (a cancelled task too, which never fires; one that fires reads again at its real time through Read).
    private readonly PriorityQueue<byte, DateTime> comingDue = new();
    private DateTime floor = start + maxTimeShift;

    /// <summary>When a task due at <paramref name="due"/>, scheduled at <paramref name="now"/>, fires.</summary>
    /// <param name="stored">
    /// A task that already had its time before a restart: Temporal's key generator placed it when it was created, and
    /// the reader fires a persisted task at its key (at once if overdue); only new tasks are moved.
    /// </param>
    public DateTime Place(DateTime now, DateTime due, bool stored = false)
    {
        if (maxTimeShift <= TimeSpan.Zero)
        {
            return due;
        }

        while (comingDue.TryPeek(out _, out var read) && read <= now)
        {
            comingDue.Dequeue();
            if (read + maxTimeShift > floor)
            {
                floor = read + maxTimeShift;
            }
        }

        if (!stored && due < floor)
        {
            due = floor + Precision;
        }

        comingDue.Enqueue(0, due);
        return due;
    }

    /// <summary>
    /// A task fired at <paramref name="now"/>: the queue read then, which may be later than its due time on a loaded
    /// machine (Temporal's reader takes its watermark from the time of the read, not from the task's key).
    /// </summary>
    public void Read(DateTime now)
    {
        if (maxTimeShift > TimeSpan.Zero && now + maxTimeShift > floor)
        {
            floor = now + maxTimeShift;
        }
    }
}
