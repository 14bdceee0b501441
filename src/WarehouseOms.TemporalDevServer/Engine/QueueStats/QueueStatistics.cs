using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.TaskQueue.V1;

namespace WarehouseOms.TemporalDevServer.Engine.QueueStats;

/// <summary>
/// One task queue's DescribeTaskQueue statistics, as Temporal's matching keeps them: add and dispatch rates per
/// priority key (the task's own key, unset as the default), and the backlog per priority level (1–5) it has held,
/// the default level always; the whole queue's stats are their merge (counts and rates summed, the oldest age).
/// Guarded by the engine lock.
/// </summary>
internal sealed class QueueStatistics
{
    private const int Levels = 5;

    private readonly Dictionary<int, (TaskRateTracker Added, TaskRateTracker Dispatched)> rates = [];
    private readonly SortedSet<int> backlogLevels = [Priorities.DefaultKey];

    public void Added(int priorityKey, DateTime now) => Trackers(priorityKey, now).Added.Increment(now);

    public void Dispatched(int priorityKey, DateTime now) => Trackers(priorityKey, now).Dispatched.Increment(now);

    /// <summary>A task waits in the backlog at this key: its level is reported from now on, as Temporal's subqueue is.</summary>
    public void Backlogged(int priorityKey) => backlogLevels.Add(Level(priorityKey));

    public (TaskQueueStats Whole, Dictionary<int, TaskQueueStats> ByPriority) Report(TaskBacklog backlog, DateTime now)
    {
        var byPriority = new Dictionary<int, TaskQueueStats>();
        foreach (var level in backlogLevels)
        {
            byPriority[level] = new TaskQueueStats { ApproximateBacklogAge = Duration.FromTimeSpan(TimeSpan.Zero) };
        }

        foreach (var (key, count, oldest) in backlog.ByLevel(Level))
        {
            var stats = byPriority[key] = byPriority.GetValueOrDefault(key) ?? new TaskQueueStats();
            stats.ApproximateBacklogCount = count;
            stats.ApproximateBacklogAge = Duration.FromTimeSpan(now - oldest);
        }

        foreach (var (key, (added, dispatched)) in rates)
        {
            var stats = byPriority[key] = byPriority.GetValueOrDefault(key) ?? new TaskQueueStats();
            stats.TasksAddRate = (float)added.Rate(now);
            stats.TasksDispatchRate = (float)dispatched.Rate(now);
        }

        var whole = new TaskQueueStats();
        foreach (var stats in byPriority.Values)
        {
            whole.ApproximateBacklogCount += stats.ApproximateBacklogCount;
            whole.TasksAddRate += stats.TasksAddRate;
            whole.TasksDispatchRate += stats.TasksDispatchRate;
            var age = stats.ApproximateBacklogAge?.ToTimeSpan() ?? TimeSpan.Zero;
            if (whole.ApproximateBacklogAge is null || age > whole.ApproximateBacklogAge.ToTimeSpan())
            {
                whole.ApproximateBacklogAge = Duration.FromTimeSpan(age);
            }
        }

        return (whole, byPriority);
    }

    /// <summary>Matching's subqueue for a key: an unset key at the default level, the rest clamped to 1–5.</summary>
    public static int Level(int priorityKey) => Math.Clamp(priorityKey, 1, Levels);

    private (TaskRateTracker Added, TaskRateTracker Dispatched) Trackers(int priorityKey, DateTime now)
    {
        if (!rates.TryGetValue(priorityKey, out var trackers))
        {
            trackers = (new TaskRateTracker(now), new TaskRateTracker(now));
            rates[priorityKey] = trackers;
        }

        return trackers;
    }
}
