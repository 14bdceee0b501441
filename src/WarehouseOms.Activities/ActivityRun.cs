using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Persistence.Changes;

namespace WarehouseOms.Activities;

/// <summary>
/// The identity of the running activity attempt, for logging and for deterministic outbound message IDs.
/// </summary>
internal readonly record struct ActivityRun(string WorkflowId, string WorkflowRunId, string ActivityId, int Attempt)
{
    public static ActivityRun Current
    {
        get
        {
            var info = ActivityExecutionContext.Current.Info;
            return new ActivityRun(info.WorkflowId ?? string.Empty, info.WorkflowRunId ?? string.Empty, info.ActivityId, info.Attempt);
        }
    }

    /// <summary>Who makes the changes of this attempt: the same for every attempt of the activity (see <see cref="ChangeOrigin.MessageIdFor"/>).</summary>
    public ChangeOrigin Origin => new(WorkflowId, WorkflowRunId, ActivityId);

    /// <summary>
    /// The log scope of the attempt; also tags the attempt's trace span with the business key (every
    /// activity names its order or SKU here, the span itself comes from <see cref="ActivityTracingInterceptor"/>).
    /// </summary>
    public IDisposable? BeginScope(ILogger logger, string key, string value)
    {
        ActivityTracing.TagBusinessKey(key, value);
        return logger.BeginScope(new Dictionary<string, object>
        {
            [key] = value,
            ["WorkflowId"] = WorkflowId,
            ["ActivityId"] = ActivityId,
            ["Attempt"] = Attempt,
        });
    }
}
