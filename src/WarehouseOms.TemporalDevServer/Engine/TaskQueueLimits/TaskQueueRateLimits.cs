using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;

namespace WarehouseOms.TemporalDevServer.Engine.TaskQueueLimits;

/// <summary>
/// Which dispatch rate applies to a task queue, as Temporal's rate limit manager decides it (one partition): the
/// rate set through UpdateTaskQueueConfig if any, else the one the last activity poll asked for
/// (max_tasks_per_second), else none; never above the system rate (admin.matchingNamespaceTaskqueueToPartitionDispatchRate,
/// 1,000), which Temporal reports as the source then.
/// </summary>
internal static class TaskQueueRateLimits
{
    public const double SystemRate = 1000;

    public static (double Rate, RateLimitSource Source) Effective(TaskQueueConfig? config, double? workerRate)
    {
        var (candidate, source) = config?.QueueRateLimit?.RateLimit is { } api
            ? (api.RequestsPerSecond, RateLimitSource.Api)
            : workerRate is { } worker ? (worker, RateLimitSource.Worker) : (double.PositiveInfinity, RateLimitSource.System);
        return candidate < SystemRate ? (candidate, source) : (SystemRate, RateLimitSource.System);
    }

    /// <summary>The rate dispatch is held to, or null when none was set (Temporal does not enforce the system rate alone).</summary>
    public static double? Enforced(TaskQueueConfig? config, double? workerRate) =>
        config?.QueueRateLimit?.RateLimit is null && workerRate is null ? null : Effective(config, workerRate).Rate;
}
