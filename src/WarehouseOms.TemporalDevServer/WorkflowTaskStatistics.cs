namespace WarehouseOms.TemporalDevServer;

/// <summary>
/// What workflow tasks cost on the wire: tasks handed out with the full history, and tasks handed to a
/// sticky queue with only the new events, with the events and history bytes they carried (for the benchmark).
/// </summary>
public sealed class WorkflowTaskStatistics
{
    private long fullTasks;
    private long fullEvents;
    private long fullBytes;
    private long stickyTasks;
    private long stickyEvents;
    private long stickyBytes;

    public long FullHistoryTasks => Interlocked.Read(ref fullTasks);

    public long FullHistoryEvents => Interlocked.Read(ref fullEvents);

    public long FullHistoryBytes => Interlocked.Read(ref fullBytes);

    public long StickyTasks => Interlocked.Read(ref stickyTasks);

    public long StickyEvents => Interlocked.Read(ref stickyEvents);

    public long StickyBytes => Interlocked.Read(ref stickyBytes);

    internal void Record(long events, long bytes, bool sticky)
    {
        if (sticky)
        {
            Interlocked.Increment(ref stickyTasks);
            Interlocked.Add(ref stickyEvents, events);
            Interlocked.Add(ref stickyBytes, bytes);
        }
        else
        {
            Interlocked.Increment(ref fullTasks);
            Interlocked.Add(ref fullEvents, events);
            Interlocked.Add(ref fullBytes, bytes);
        }
    }
}
