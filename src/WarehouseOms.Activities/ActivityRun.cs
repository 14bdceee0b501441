using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;

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

    /// <summary>
    /// The outbound message ID for an event on <paramref name="exchange"/>: the same for every attempt
    /// of this activity (Temporal keeps the activity ID across retries), so a retry rewrites the same
    /// outbox row instead of a second event. The run ID is part of the name because activity IDs restart
    /// in every run (continue-as-new, a new run of a reused workflow ID).
    /// </summary>
    public Guid MessageIdFor(string exchange) =>
        DeterministicGuid.Create(DeterministicGuid.MessageNamespace, $"{WorkflowId}/{WorkflowRunId}/{ActivityId}/{exchange}");

    /// <summary>AMQP headers that let an operator trace an event back to the workflow that caused it.</summary>
    public IReadOnlyDictionary<string, string> Headers(string orderId) => Headers("orderId", orderId);

    /// <summary>The same headers for an event keyed by something other than an order (e.g. a SKU).</summary>
    public IReadOnlyDictionary<string, string> Headers(string key, string value) => new Dictionary<string, string>
    {
        [key] = value,
        ["workflowId"] = WorkflowId,
        ["activityId"] = ActivityId,
    };

    public IDisposable? BeginScope(ILogger logger, string orderId) => BeginScope(logger, "OrderId", orderId);

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

    /// <summary>Who made an order's change, for its history: this activity and the outbox message it wrote, if any.</summary>
    public OrderEventContext EventContext(Guid? messageId = null) => new(WorkflowId, ActivityId, messageId);
}
