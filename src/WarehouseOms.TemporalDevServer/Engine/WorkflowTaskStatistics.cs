namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>What workflow tasks cost on the wire: tasks handed out and history events sent, full vs sticky (for the benchmark).</summary>
public sealed class WorkflowTaskStatistics
{
    private long fullTasks;
    private long fullEvents;
    private long stickyTasks;
    private long stickyEvents;

    public long FullHistoryTasks => Interlocked.Read(ref fullTasks);

    public long FullHistoryEvents => Interlocked.Read(ref fullEvents);

    public long StickyTasks => Interlocked.Read(ref stickyTasks);

    public long StickyEvents => Interlocked.Read(ref stickyEvents);

    internal void Record(int events, bool sticky)
    {
        if (sticky)
        {
            Interlocked.Increment(ref stickyTasks);
            Interlocked.Add(ref stickyEvents, events);
        }
        else
        {
            Interlocked.Increment(ref fullTasks);
            Interlocked.Add(ref fullEvents, events);
        }
    }
}
