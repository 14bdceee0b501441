using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace WarehouseOms.Activities;

/// <summary>
/// Trace spans of activity executions: one span per attempt, started by <see cref="ActivityTracingInterceptor"/>
/// and tagged with the business key by <c>ActivityRun.BeginScope</c>. Nothing is recorded unless a listener
/// (the Host's span log, an OpenTelemetry exporter, a test) subscribes to <see cref="SourceName"/>.
/// </summary>
public static class ActivityTracing
{
    public const string SourceName = "WarehouseOms.Activities";

    public const string OrderIdTag = "order.id";
    public const string WorkflowIdTag = "workflow.id";
    public const string WorkflowRunIdTag = "workflow.run_id";
    public const string WorkflowTypeTag = "workflow.type";
    public const string ActivityTypeTag = "activity.type";
    public const string ActivityIdTag = "activity.id";
    public const string TaskQueueTag = "task_queue";
    public const string AttemptTag = "attempt";
    public const string ErrorTypeTag = "error.type";

    public static ActivitySource Source { get; } = new(SourceName, typeof(ActivityTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts the span of one activity attempt, or null when nobody listens. Its parent is
    /// <paramref name="propagated"/>, the context of the message that caused the workflow's current step
    /// (the Temporal trace header, ADR 0022), so consume → start → activities → relay publish is one trace.
    /// Without it the parent is derived from the workflow run, so every activity of one run (allocate, pick
    /// wave, shipment, …) still lands in one trace. <paramref name="causedBy"/>, the latest signal's context,
    /// becomes a link: the message that caused this step.
    /// </summary>
    public static Activity? StartActivitySpan(ActivityInfo info, ActivityContext? propagated = null, ActivityContext? causedBy = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var name = $"RunActivity:{info.ActivityType}";
        var parent = propagated ?? (Activity.Current is null ? ContextOfRun(info.WorkflowId, info.WorkflowRunId) : null);
        var links = causedBy is { } cause ? new[] { new ActivityLink(cause) } : null;
        var span = parent is { } context
            ? Source.StartActivity(name, ActivityKind.Internal, context, links: links)
            : Source.StartActivity(name, ActivityKind.Internal, parentContext: default, links: links);
        span?.SetTag(ActivityTypeTag, info.ActivityType)
            .SetTag(ActivityIdTag, info.ActivityId)
            .SetTag(WorkflowIdTag, info.WorkflowId)
            .SetTag(WorkflowRunIdTag, info.WorkflowRunId)
            .SetTag(WorkflowTypeTag, info.WorkflowType)
            .SetTag(TaskQueueTag, info.TaskQueue)
            .SetTag(AttemptTag, info.Attempt);
        return span;
    }

    /// <summary>Marks the span failed with the exception as an event; the error type is Temporal's when it has one.</summary>
    public static void RecordFailure(Activity span, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(span);
        ArgumentNullException.ThrowIfNull(exception);
        span.SetStatus(ActivityStatusCode.Error, exception.Message);
        span.SetTag(ErrorTypeTag, exception is ApplicationFailureException { ErrorType: { } type } ? type : exception.GetType().Name);
        span.AddException(exception);
    }

    /// <summary>Tags the current activity span with a business key: <c>OrderId</c> → <c>order.id</c>, <c>Sku</c> → <c>sku</c>.</summary>
    internal static void TagBusinessKey(string key, string value)
    {
        if (Activity.Current is { Source.Name: SourceName } span && !string.IsNullOrEmpty(value))
        {
            span.SetTag(ToTagName(key), value);
        }
    }

    private static string ToTagName(string key)
    {
        var name = new StringBuilder(key.Length + 4);
        foreach (var c in key)
        {
            if (char.IsUpper(c) && name.Length > 0)
            {
                name.Append('.');
            }

            name.Append(char.ToLowerInvariant(c));
        }

        return name.ToString();
    }

    private static ActivityContext? ContextOfRun(string? workflowId, string? runId)
    {
        if (string.IsNullOrEmpty(workflowId))
        {
            return null;
        }

        // Same run, same trace ID; the parent span itself is never recorded (it stands for the workflow run).
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{workflowId}/{runId}"));
        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(hash.AsSpan(0, 16)),
            ActivitySpanId.CreateFromBytes(hash.AsSpan(16, 8)),
            ActivityTraceFlags.Recorded,
            isRemote: true);
    }
}
