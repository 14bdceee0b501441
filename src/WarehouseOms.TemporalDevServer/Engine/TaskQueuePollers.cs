using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Who polled which task queue and when, for DescribeTaskQueue. Recorded as each poll arrives, apart from
/// the dispatch itself; like Temporal, a poller not seen for five minutes is forgotten.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private static readonly TimeSpan PollerTtl = TimeSpan.FromMinutes(5);

    private readonly Dictionary<(string Namespace, string TaskQueue, TaskQueueType Type), Dictionary<string, DateTime>> pollers = [];

    /// <summary>Under the lock: a deleted namespace's task queues and pollers (a poll still waiting there times out empty).</summary>
    private void ForgetQueuesOf(string ns)
    {
        ForgetTaskQueueConfigsOf(ns);
        foreach (var key in queues.Keys.Where(k => k.Namespace == ns).ToList())
        {
            queues.Remove(key);
        }

        foreach (var key in pollers.Keys.Where(k => k.Namespace == ns).ToList())
        {
            pollers.Remove(key);
        }

        foreach (var key in nexusQueues.Keys.Where(k => k.Namespace == ns).ToList())
        {
            nexusQueues.Remove(key);
        }
    }

    /// <summary>Records the poller, and the deployment version it belongs to when it polls as a versioned worker.</summary>
    public void RecordPoll(string ns, string taskQueue, TaskQueueType type, string identity, Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? deployment = null)
    {
        using (gate.Enter())
        {
            var key = (Ns(ns), taskQueue, type);
            if (!pollers.TryGetValue(key, out var seen))
            {
                seen = [];
                pollers[key] = seen;
            }

            seen[identity ?? string.Empty] = Clock.Now;
            workerDeployments.RecordPoll(key.Item1, taskQueue, type, deployment, Clock.Now);
            DeploymentsChanged();
        }
    }

    /// <summary>
    /// Each task queue here is one partition (Temporal's root partition, named as the queue), owned by this engine at
    /// <paramref name="ownerAddress"/>; Temporal's matching answers with one entry per partition of each type.
    /// </summary>
    public ListTaskQueuePartitionsResponse ListTaskQueuePartitions(ListTaskQueuePartitionsRequest request, string ownerAddress)
    {
        TaskQueueNames.Require(request.TaskQueue);
        var partition = new TaskQueuePartitionMetadata { Key = request.TaskQueue.Name, OwnerHostName = ownerAddress };
        return new ListTaskQueuePartitionsResponse
        {
            ActivityTaskQueuePartitions = { partition },
            WorkflowTaskQueuePartitions = { partition.Clone() },
        };
    }

    /// <summary>
    /// DescribeTaskQueue as Temporal's default mode answers it: recent pollers, the effective rate, the configuration
    /// (report_config), the backlog and rates per priority and merged (report_stats, not on a sticky queue), and the
    /// legacy status (include_task_queue_status).
    /// </summary>
    public DescribeTaskQueueResponse DescribeTaskQueue(DescribeTaskQueueRequest request)
    {
        // The default mode takes a partition's name too; the enhanced mode a whole queue only.
        TaskQueueNames.Require(request.TaskQueue, wholeQueue: request.ApiMode != DescribeTaskQueueMode.Unspecified);

        if (request.ReportStats && request.TaskQueue.Kind == TaskQueueKind.Sticky)
        {
            throw Errors.InvalidArgument("DescribeTaskQueue stats are only supported for the root partition");
        }

        var type = request.TaskQueueType == TaskQueueType.Unspecified ? TaskQueueType.Workflow : request.TaskQueueType;
        using (gate.Enter())
        {
            var response = new DescribeTaskQueueResponse();
            if (pollers.TryGetValue((Ns(request.Namespace), request.TaskQueue.Name, type), out var seen))
            {
                var cutoff = Clock.Now - PollerTtl;
                foreach (var (identity, last) in seen.Where(p => p.Value >= cutoff).OrderByDescending(p => p.Value))
                {
                    response.Pollers.Add(new PollerInfo { Identity = identity, LastAccessTime = Timestamp.FromDateTime(last), RatePerSecond = 100_000 });
                }
            }

            DescribeRateAndConfig(Ns(request.Namespace), request.TaskQueue.Name, type, request.ReportConfig, response);
            // A queue never used is described as empty, without creating it.
            var queue = queues.GetValueOrDefault((Ns(request.Namespace), request.TaskQueue.Name, type == TaskQueueType.Activity)) ?? new TaskQueueState();
            if (request.ReportStats)
            {
                var (whole, byPriority) = queue.Stats.Report(queue.Items, Clock.Now);
                response.Stats = whole;
                response.StatsByPriorityKey.Add(byPriority);
            }

            if (request.IncludeTaskQueueStatus)
            {
                response.TaskQueueStatus = new TaskQueueStatus
                {
                    BacklogCountHint = queue.Items.Count,
                    RatePerSecond = response.EffectiveRateLimit.RequestsPerSecond,
                    // One range of task IDs, as Temporal's first range lease hands out.
                    TaskIdBlock = new TaskIdBlock { StartId = 1, EndId = 100_000 },
                };
            }

            return response;
        }
    }
}
