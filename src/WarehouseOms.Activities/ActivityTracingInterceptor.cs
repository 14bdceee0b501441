using Temporalio.Activities;
using Temporalio.Worker.Interceptors;
using WarehouseOms.Temporal.Tracing;

namespace WarehouseOms.Activities;

/// <summary>
/// A span around every activity attempt on the worker (<see cref="ActivityTracing"/>), with its outcome:
/// one place for all activities, including ones added later, instead of code in each of them.
/// </summary>
public sealed class ActivityTracingInterceptor : IWorkerInterceptor
{
    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new Inbound(nextInterceptor);

    private sealed class Inbound(ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            using var span = ActivityTracing.StartActivitySpan(
                ActivityExecutionContext.Current.Info, TraceHeader.Extract(input.Headers), TraceHeader.Extract(input.Headers, TraceHeader.LinkName));
            try
            {
                return await base.ExecuteActivityAsync(input).ConfigureAwait(false);
            }
            catch (Exception ex) when (span is not null)
            {
                ActivityTracing.RecordFailure(span, ex);
                throw;
            }
        }
    }
}
