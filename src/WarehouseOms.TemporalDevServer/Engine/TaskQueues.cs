using Google.Protobuf;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Lightweight work waiting for a poller: the response is built at hand-off, from current state.</summary>
internal abstract record WorkItem(Execution Execution);

internal sealed record WorkflowTaskItem(Execution Execution, long ScheduledEventId, int Attempt) : WorkItem(Execution);

internal sealed record ActivityTaskItem(Execution Execution, long ScheduledEventId, int Attempt) : WorkItem(Execution);

internal sealed record LegacyQueryItem(Execution Execution, PendingQuery Query) : WorkItem(Execution);

internal sealed class Poller(string identity)
{
    public string Identity { get; } = identity;

    public TaskCompletionSource<IMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed class TaskQueueState
{
    public Queue<WorkItem> Items { get; } = new();

    public LinkedList<Poller> Pollers { get; } = new();
}

internal sealed partial class WorkflowEngine
{
    // Long polls answer before the SDK's own deadline (70 s) with an all-default message = "no task".
    private static readonly TimeSpan MaxPollWait = TimeSpan.FromSeconds(60);

    private TaskQueueState Queue(string ns, string name, bool activity)
    {
        var key = (Ns(ns), name, activity);
        if (!queues.TryGetValue(key, out var queue))
        {
            queue = new TaskQueueState();
            queues[key] = queue;
        }

        return queue;
    }

    /// <summary>Hands an item to a waiting poller, or queues it. Called under the lock.</summary>
    private void Dispatch(string ns, string taskQueue, bool activity, WorkItem item)
    {
        var queue = Queue(ns, taskQueue, activity);
        while (queue.Pollers.First is { } first)
        {
            queue.Pollers.RemoveFirst();
            var response = Build(item, first.Value.Identity);
            if (response is null)
            {
                return; // stale: nothing to deliver
            }

            if (first.Value.Completion.TrySetResult(response))
            {
                return;
            }
        }

        queue.Items.Enqueue(item);
    }

    private IMessage? Build(WorkItem item, string identity) => item switch
    {
        WorkflowTaskItem wft => BuildWorkflowTask(wft, identity),
        LegacyQueryItem query => BuildLegacyQuery(query),
        ActivityTaskItem activity => BuildActivityTask(activity, identity),
        _ => null,
    };

    private async Task<T> PollAsync<T>(string ns, string taskQueue, bool activity, string identity, DateTime? deadline, CancellationToken ct)
        where T : class, IMessage, new()
    {
        Poller poller;
        lock (gate)
        {
            var queue = Queue(ns, taskQueue, activity);
            while (queue.Items.TryDequeue(out var item))
            {
                if (Build(item, identity) is T ready)
                {
                    return ready;
                }
            }

            poller = new Poller(identity);
            queue.Pollers.AddLast(poller);
        }

        var wait = MaxPollWait;
        if (deadline is { } d)
        {
            var untilDeadline = d - DateTime.UtcNow - TimeSpan.FromSeconds(1);
            if (untilDeadline < wait)
            {
                wait = untilDeadline < TimeSpan.Zero ? TimeSpan.Zero : untilDeadline;
            }
        }

        await Waits.CompletionOrTimeoutAsync(poller.Completion.Task, wait, ct).ConfigureAwait(false);

        lock (gate)
        {
            if (poller.Completion.Task.IsCompletedSuccessfully)
            {
                return (T)poller.Completion.Task.Result;
            }

            poller.Completion.TrySetCanceled(CancellationToken.None);
            Queue(ns, taskQueue, activity).Pollers.Remove(poller);
        }

        // No task: an all-default message (core treats "equals default" as "nothing to do").
        return new T();
    }
}
