namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// When a task of Temporal's timer queue (a user timer, a timeout, a retry backoff, a start delay) really fires.
/// Each time one of the shard's queue readers reads, Temporal's task key manager sets the least fire time a new
/// timer task may have to the read time plus <c>history.timerProcessorMaxTimeShift</c> (1 s), and its key generator
/// moves a task due before that to just after it. The timer queue reads when one of its tasks comes due (fired or
/// already stale); the immediate queues (transfer, visibility) read whenever a transaction gave them a task: a
/// workflow or activity task to dispatch, a run started or closed. So on a server that is doing anything a
/// sub-second timer fires up to a second late, and one of a second or more on time. Not thread-safe: the engine calls
/// it under its lock.
/// </summary>
/// <param name="start">When the engine started: the queues read once at start, as Temporal's do when the shard loads.</param>
internal sealed class ScheduledTaskFloor(TimeSpan maxTimeShift, DateTime start)
{
    private static readonly TimeSpan Precision = TimeSpan.FromMilliseconds(1); // Temporal's ScheduledTaskMinPrecision

    // The due times of the tasks placed so far and not yet come due: each is a read of the queue when it comes due
    // (a cancelled task too, which never fires; one that fires reads again at its real time through Read).
    private readonly PriorityQueue<byte, DateTime> comingDue = new();
    private DateTime floor = start + maxTimeShift;

    // The latest immediate task and its transaction: its queue reads after that transaction commits, so it moves
    // only the tasks of later transactions.
    private DateTime immediateAt;
    private long immediateTransaction = -1;

    /// <summary>When a task due at <paramref name="due"/>, placed at <paramref name="now"/> by <paramref name="transaction"/>, fires.</summary>
    /// <param name="stored">
    /// A task that already had its time before a restart: Temporal's key generator placed it when it was created, and
    /// the reader fires a persisted task at its key (at once if overdue); only new tasks are moved.
    /// </param>
    public DateTime Place(DateTime now, DateTime due, long transaction, bool stored = false)
    {
        if (maxTimeShift <= TimeSpan.Zero)
        {
            return due;
        }

        ReadAfterEarlierImmediateTasks(transaction);
        while (comingDue.TryPeek(out _, out var read) && read <= now)
        {
            comingDue.Dequeue();
            Read(read);
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

    /// <summary>
    /// <paramref name="transaction"/> gave an immediate queue a task at <paramref name="now"/> (a workflow or activity
    /// task to dispatch, a run started or closed): that queue reads once the transaction is done.
    /// </summary>
    public void ImmediateTask(DateTime now, long transaction)
    {
        if (maxTimeShift <= TimeSpan.Zero)
        {
            return;
        }

        ReadAfterEarlierImmediateTasks(transaction);
        immediateAt = now;
        immediateTransaction = transaction;
    }

    private void ReadAfterEarlierImmediateTasks(long transaction)
    {
        if (immediateTransaction >= 0 && immediateTransaction != transaction)
        {
            Read(immediateAt);
            immediateTransaction = -1;
        }
    }
}
