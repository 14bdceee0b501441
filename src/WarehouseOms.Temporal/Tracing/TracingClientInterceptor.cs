using System.Diagnostics;
using Temporalio.Client;
using Temporalio.Client.Interceptors;

namespace WarehouseOms.Temporal.Tracing;

/// <summary>
/// Client side of trace propagation: a span per workflow start and signal (source <see cref="SourceName"/>,
/// child of the consume span of the message that caused it) whose context goes into the Temporal header
/// <see cref="TraceHeader.Name"/>. Without a current trace (telemetry off) nothing is added.
/// </summary>
public sealed class TracingClientInterceptor : IClientInterceptor
{
    public const string SourceName = "WarehouseOms.Temporal";

    private static readonly ActivitySource Source = new(SourceName);

    public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new Outbound(nextInterceptor);

    private sealed class Outbound(ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
    {
        public override async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
        {
            var name = input.Options.StartSignal is not null ? $"SignalWithStartWorkflow:{input.Workflow}" : $"StartWorkflow:{input.Workflow}";
            using var span = StartSpan(name, input.Options.Id);
            try
            {
                return await base.StartWorkflowAsync<TWorkflow, TResult>(input with { Headers = WithTrace(input.Headers) }).ConfigureAwait(false);
            }
            catch (Exception ex) when (span is not null)
            {
                Fail(span, ex);
                throw;
            }
        }

        public override async Task SignalWorkflowAsync(SignalWorkflowInput input)
        {
            using var span = StartSpan($"SignalWorkflow:{input.Signal}", input.Id);
            try
            {
                await base.SignalWorkflowAsync(input with { Headers = WithTrace(input.Headers) }).ConfigureAwait(false);
            }
            catch (Exception ex) when (span is not null)
            {
                Fail(span, ex);
                throw;
            }
        }

        private static Activity? StartSpan(string name, string? workflowId) =>
            Source.StartActivity(name, ActivityKind.Client)?.SetTag("workflow.id", workflowId);

        private static IDictionary<string, Temporalio.Api.Common.V1.Payload>? WithTrace(IDictionary<string, Temporalio.Api.Common.V1.Payload>? headers) =>
            TraceHeader.TraceParentOf(Activity.Current) is { } traceParent ? TraceHeader.With(headers, TraceHeader.Encode(traceParent)) : headers;

        private static void Fail(Activity span, Exception exception)
        {
            span.SetStatus(ActivityStatusCode.Error, exception.Message);
            span.AddException(exception);
        }
    }
}
