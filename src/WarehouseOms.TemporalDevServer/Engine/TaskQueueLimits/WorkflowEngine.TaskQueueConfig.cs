using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.TaskQueueLimits;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Task queue configuration (UpdateTaskQueueConfig) and the dispatch rate of activity task queues, as Temporal's
/// frontend validates it and its matching service applies it: the API-set queue rate limit wins over the rate the
/// last activity poll asked for; when either is set, activity tasks go to pollers no faster than it (a rate of 0
/// holds them all); eager activities, never offered to the queue, are not limited. The fairness settings are kept
/// and reported, not applied. A configuration is stored with the PostgreSQL store, as Temporal keeps it in the task
/// queue's user data; the rate a worker asked for is not, as in Temporal.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const int MaxConfigTextLength = 1000;
    private const int MaxFairnessWeightOverrides = 1000;
    private const int MaxFairnessKeyLength = 64;

    private readonly Dictionary<(string Namespace, string Name, TaskQueueType Type), TaskQueueConfig> taskQueueConfigs = [];
    private readonly HashSet<(string Namespace, string Name, TaskQueueType Type)> dirtyTaskQueueConfigs = [];

    public UpdateTaskQueueConfigResponse UpdateTaskQueueConfig(UpdateTaskQueueConfigRequest r)
    {
        ValidateConfigUpdate(r);
        TaskQueueNames.RequireFamily(r.TaskQueue);
        using (gate.Enter())
        {
            var key = (Ns(r.Namespace), r.TaskQueue, r.TaskQueueType);
            var config = taskQueueConfigs.TryGetValue(key, out var existing) ? existing.Clone() : new TaskQueueConfig();
            if (r.UpdateQueueRateLimit is { } queueLimit)
            {
                config.QueueRateLimit = RateLimitConfigOf(queueLimit, r.Identity);
            }

            if (r.UpdateFairnessKeyRateLimitDefault is { } keyLimit)
            {
                config.FairnessKeysRateLimitDefault = RateLimitConfigOf(keyLimit, r.Identity);
            }

            MergeFairnessWeights(config, r);
            taskQueueConfigs[key] = config;
            if (store.IsDurable)
            {
                dirtyTaskQueueConfigs.Add(key);
                changeSeq++;
            }

            if (r.TaskQueueType == TaskQueueType.Activity)
            {
                ActivityRateChanged(key.Item1, r.TaskQueue);
            }

            return new UpdateTaskQueueConfigResponse { Config = config.Clone() };
        }
    }

    /// <summary>
    /// Under the lock, as an activity poll arrives: the rate it asks for (none if it sends no metadata) is the
    /// worker-set rate now, as the last poll's is in Temporal.
    /// </summary>
    private void RecordWorkerRate(string ns, string taskQueue, double? maxTasksPerSecond)
    {
        var queue = Queue(ns, taskQueue, activity: true);
        if (queue.WorkerRate != maxTasksPerSecond)
        {
            queue.WorkerRate = maxTasksPerSecond;
            ActivityRateChanged(Ns(ns), taskQueue);
        }
    }

    // Under the lock: DescribeTaskQueue's rate and, when asked for, the configuration.
    private void DescribeRateAndConfig(string ns, string taskQueue, TaskQueueType type, bool reportConfig, DescribeTaskQueueResponse response)
    {
        taskQueueConfigs.TryGetValue((ns, taskQueue, type), out var config);
        var workerRate = type == TaskQueueType.Activity && queues.TryGetValue((ns, taskQueue, true), out var queue) ? queue.WorkerRate : null;
        var (rate, source) = TaskQueueRateLimits.Effective(config, workerRate);
        response.EffectiveRateLimit = new DescribeTaskQueueResponse.Types.EffectiveRateLimit { RequestsPerSecond = (float)rate, RateLimitSource = source };
        if (reportConfig && config is not null)
        {
            response.Config = config.Clone();
        }
    }

    // Under the lock: the activity queue's limiter follows the configuration and the worker-set rate; what waits is served.
    private void ActivityRateChanged(string ns, string taskQueue)
    {
        var queue = Queue(ns, taskQueue, activity: true);
        taskQueueConfigs.TryGetValue((ns, taskQueue, TaskQueueType.Activity), out var config);
        var rate = TaskQueueRateLimits.Enforced(config, queue.WorkerRate);
        if (rate is null)
        {
            queue.Limiter = null;
        }
        else if (queue.Limiter is null)
        {
            queue.Limiter = new DispatchRateLimiter(rate.Value);
        }
        else
        {
            queue.Limiter.SetRate(rate.Value, Clock.Now);
        }

        queue.RateWakeup?.Cancel();
        queue.RateWakeup = null;
        ServeRateLimited(ns, taskQueue, queue);
    }

    /// <summary>
    /// Under the lock: queued tasks of a rate-limited queue go to waiting pollers, in order, as far as the rate allows;
    /// a wake-up is armed for the next one. Without a limiter everything that can be matched is.
    /// </summary>
    private void ServeRateLimited(string ns, string taskQueue, TaskQueueState queue)
    {
        for (var node = queue.Pollers.First; node is not null && queue.Items.Count > 0;)
        {
            var next = node.Next;
            if (queue.Limiter?.CanGo(Clock.Now) == false)
            {
                ArmRateWakeup(ns, taskQueue, queue);
                return;
            }

            if (TakeFor(ns, taskQueue, activity: true, queue, node.Value.Version) is { } item)
            {
                queue.Limiter?.TryConsume(Clock.Now);
                queue.Pollers.Remove(node);
                if (!node.Value.Completion.TrySetResult(item))
                {
                    Backlog(queue, item); // the poll went away meanwhile
                }
            }

            node = next;
        }
    }

    private void ArmRateWakeup(string ns, string taskQueue, TaskQueueState queue)
    {
        if (queue.RateWakeup is not null || queue.Limiter?.ReadyAt(Clock.Now) is not { } at)
        {
            return; // already armed, or a rate of 0: only a configuration change lets tasks go
        }

        queue.RateWakeup = Clock.ScheduleAt(at, () =>
        {
            queue.RateWakeup = null;
            ServeRateLimited(ns, taskQueue, queue);
        });
    }

    private static RateLimitConfig RateLimitConfigOf(UpdateTaskQueueConfigRequest.Types.RateLimitUpdate update, string identity) => new()
    {
        RateLimit = update.RateLimit?.Clone(),
        Metadata = new ConfigMetadata { Reason = update.Reason, UpdateIdentity = identity, UpdateTime = Timestamp.FromDateTime(DateTime.UtcNow) },
    };

    // As Temporal's mergeFairnessWeightOverrides: unset keys go, set keys are written; a result past the limit is refused.
    private static void MergeFairnessWeights(TaskQueueConfig config, UpdateTaskQueueConfigRequest r)
    {
        if (config.FairnessWeightOverrides.Count == 0)
        {
            config.FairnessWeightOverrides.Add(r.SetFairnessWeightOverrides);
            return;
        }

        foreach (var key in r.UnsetFairnessWeightOverrides)
        {
            config.FairnessWeightOverrides.Remove(key);
        }

        foreach (var (key, weight) in r.SetFairnessWeightOverrides)
        {
            config.FairnessWeightOverrides[key] = weight;
        }

        if (config.FairnessWeightOverrides.Count > MaxFairnessWeightOverrides)
        {
            throw Errors.InvalidArgument("fairness weight overrides update rejected: exceeding maximum key size");
        }
    }

    // Temporal's frontend checks, in its order and with its messages.
    private static void ValidateConfigUpdate(UpdateTaskQueueConfigRequest r)
    {
        if (string.IsNullOrEmpty(r.TaskQueue))
        {
            throw Errors.InvalidArgument("TaskQueue is not set on request.");
        }

        if (r.UpdateQueueRateLimit?.RateLimit is not null && r.TaskQueueType == TaskQueueType.Workflow)
        {
            throw Errors.InvalidArgument("Setting rate limit on workflow task queues is not allowed.");
        }

        ValidateRateLimit(r.UpdateQueueRateLimit, "UpdateQueueRateLimit");
        if (r.UpdateFairnessKeyRateLimitDefault?.RateLimit is not null && r.TaskQueueType == TaskQueueType.Workflow)
        {
            throw Errors.InvalidArgument("Setting fairness key rate limit on workflow task queues is not allowed.");
        }

        ValidateRateLimit(r.UpdateFairnessKeyRateLimitDefault, "UpdateFairnessKeyRateLimitDefault");
        if (r.Identity.Length > MaxConfigTextLength)
        {
            throw Errors.InvalidArgument($"Identity field too long (max {MaxConfigTextLength} characters).");
        }

        var set = r.SetFairnessWeightOverrides;
        var unset = r.UnsetFairnessWeightOverrides;
        if (set.Count + unset.Count > MaxFairnessWeightOverrides)
        {
            throw Errors.InvalidArgument($"too many fairness weight overrides in request: got {set.Count + unset.Count}, maximum {MaxFairnessWeightOverrides}");
        }

        foreach (var key in set.Keys.Concat(unset))
        {
            if (key.Length == 0)
            {
                throw Errors.InvalidArgument("fairness weight override key must not be empty");
            }

            if (key.Length > MaxFairnessKeyLength)
            {
                throw Errors.InvalidArgument("fairness key length exceeds limit");
            }
        }

        foreach (var (key, weight) in set)
        {
            if (weight <= 0)
            {
                throw Errors.InvalidArgument($"invalid fairness weight weight for key \"{key}\": must be greater than zero");
            }

            if (unset.Contains(key))
            {
                throw Errors.InvalidArgument($"fairness weight override key \"{key}\" present in both set and unset lists");
            }
        }
    }

    private static void ValidateRateLimit(UpdateTaskQueueConfigRequest.Types.RateLimitUpdate? update, string label)
    {
        if (update?.RateLimit is null)
        {
            return;
        }

        if (update.RateLimit.RequestsPerSecond < 0)
        {
            throw Errors.InvalidArgument($"RequestsPerSecond for {label} rate limit must be non-negative.");
        }

        if (update.Reason.Length > MaxConfigTextLength)
        {
            throw Errors.InvalidArgument($"{label}.Reason field too long (max {MaxConfigTextLength} characters).");
        }
    }

    // ---- durability ----

    /// <summary>Under the lock: every changed configuration, as stored.</summary>
    private List<TaskQueueConfigChange> TakeDirtyTaskQueueConfigs()
    {
        var changes = dirtyTaskQueueConfigs.Select(k => new TaskQueueConfigChange(k.Namespace, StoredTaskQueueConfig.KeyOf(k.Name, k.Type),
            taskQueueConfigs.TryGetValue(k, out var config) ? new StoredTaskQueueConfig(k.Namespace, k.Name, k.Type, config).ToBytes() : null)).ToList();
        dirtyTaskQueueConfigs.Clear();
        return changes;
    }

    private async Task RestoreTaskQueueConfigsAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadTaskQueueConfigsAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var bytes in stored)
            {
                var entry = StoredTaskQueueConfig.FromBytes(bytes);
                namespaces.Ensure(entry.Namespace);
                taskQueueConfigs[(entry.Namespace, entry.Name, entry.Type)] = entry.Config;
                if (entry.Type == TaskQueueType.Activity)
                {
                    ActivityRateChanged(entry.Namespace, entry.Name);
                }
            }
        }
    }

    // Under the lock: a deleted namespace's configurations go (the store deletes their rows with the namespace's).
    private void ForgetTaskQueueConfigsOf(string ns)
    {
        foreach (var key in taskQueueConfigs.Keys.Where(k => k.Namespace == ns).ToList())
        {
            taskQueueConfigs.Remove(key);
            dirtyTaskQueueConfigs.Remove(key);
        }
    }
}

/// <summary>A task queue configuration as stored: its queue and the configuration, the protobuf as bytes.</summary>
internal sealed record StoredTaskQueueConfig(string Namespace, string Name, TaskQueueType Type, TaskQueueConfig Config)
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new ProtobufBytesConverterFactory() } };

    /// <summary>The store's key of a queue's configuration: its type and name.</summary>
    public static string KeyOf(string name, TaskQueueType type) => $"{(int)type}:{name}";

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static StoredTaskQueueConfig FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<StoredTaskQueueConfig>(bytes, Json) ?? throw new InvalidDataException("empty task queue configuration record");
}
