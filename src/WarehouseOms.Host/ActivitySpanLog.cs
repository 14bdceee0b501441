using System.Diagnostics;
using WarehouseOms.Activities;

namespace WarehouseOms.Host;

/// <summary>
/// Subscribes to the activity spans (<see cref="ActivityTracing.SourceName"/>) so that they are recorded
/// without an exporter: log events written inside an activity then carry its trace and span IDs (Serilog
/// takes them from <see cref="Activity.Current"/>; one trace per workflow run), and every finished span is
/// logged at Debug under <c>WarehouseOms.Activities.Spans</c> with its tags. An OpenTelemetry exporter,
/// when added, listens alongside.
/// </summary>
public sealed partial class ActivitySpanLog(ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    public const string Category = "WarehouseOms.Activities.Spans";

    private readonly ILogger logger = loggerFactory.CreateLogger(Category);
    private ActivityListener? listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActivityTracing.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        listener?.Dispose();
        listener = null;
    }

    private void OnStopped(Activity span)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var (name, orderId, workflowId, attempt, ms) = (span.DisplayName, span.GetTagItem(ActivityTracing.OrderIdTag),
            span.GetTagItem(ActivityTracing.WorkflowIdTag), span.GetTagItem(ActivityTracing.AttemptTag), span.Duration.TotalMilliseconds);
        if (span.Status == ActivityStatusCode.Error)
        {
            LogFailedSpan(logger, name, orderId, workflowId, attempt, ms, span.GetTagItem(ActivityTracing.ErrorTypeTag), span.StatusDescription);
        }
        else
        {
            LogSpan(logger, name, orderId, workflowId, attempt, ms);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Span {SpanName} for order {OrderId} ({WorkflowId}, attempt {Attempt}) ok in {DurationMs:0.0} ms")]
    private static partial void LogSpan(ILogger logger, string spanName, object? orderId, object? workflowId, object? attempt, double durationMs);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Span {SpanName} for order {OrderId} ({WorkflowId}, attempt {Attempt}) failed in {DurationMs:0.0} ms: {ErrorType} {Error}")]
    private static partial void LogFailedSpan(
        ILogger logger, string spanName, object? orderId, object? workflowId, object? attempt, double durationMs, object? errorType, string? error);
}
