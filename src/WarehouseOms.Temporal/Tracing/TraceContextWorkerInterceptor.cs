using Temporalio.Api.Common.V1;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace WarehouseOms.Temporal.Tracing;

/// <summary>
/// Worker side of trace propagation, for workflows: no spans are made in workflow code (it must replay
/// deterministically); headers are only passed on, unchanged. The workflow start's <see cref="TraceHeader.Name"/>
/// goes to the activities, local activities, children and continue-as-new it schedules, so one order is one
/// trace from the message that started it; the latest signal's goes to activities as <see cref="TraceHeader.LinkName"/>
/// (the message that caused the step, linked from the activity span). Headers are part of the history, so a
/// replay passes on the same values. The activity span reads them (<see cref="TraceHeader.Extract"/>).
/// </summary>
public sealed class TraceContextWorkerInterceptor : IWorkerInterceptor
{
    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new Inbound(nextInterceptor);

    private sealed class Inbound(WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        public Payload? Start => TraceHeader.Find(Workflow.Info.Headers);

        public Payload? LatestSignal { get; private set; }

        public override void Init(WorkflowOutboundInterceptor outbound) => base.Init(new Outbound(outbound, this));

        public override Task HandleSignalAsync(HandleSignalInput input)
        {
            if (TraceHeader.Find(input.Headers) is { } header)
            {
                LatestSignal = header;
            }

            return base.HandleSignalAsync(input);
        }
    }

    private sealed class Outbound(WorkflowOutboundInterceptor next, Inbound inbound) : WorkflowOutboundInterceptor(next)
    {
        public override Task<TResult> ScheduleActivityAsync<TResult>(ScheduleActivityInput input) =>
            base.ScheduleActivityAsync<TResult>(input with { Headers = ForActivity(input.Headers) });

        public override Task<TResult> ScheduleLocalActivityAsync<TResult>(ScheduleLocalActivityInput input) =>
            base.ScheduleLocalActivityAsync<TResult>(input with { Headers = ForActivity(input.Headers) });

        public override Task<ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(StartChildWorkflowInput input) =>
            base.StartChildWorkflowAsync<TWorkflow, TResult>(input with { Headers = TraceHeader.With(input.Headers, inbound.Start) });

        public override ContinueAsNewException CreateContinueAsNewException(CreateContinueAsNewExceptionInput input) =>
            base.CreateContinueAsNewException(input with { Headers = TraceHeader.With(input.Headers, inbound.Start) });

        private IDictionary<string, Payload>? ForActivity(IDictionary<string, Payload>? headers) =>
            TraceHeader.With(TraceHeader.With(headers, inbound.Start), inbound.LatestSignal, TraceHeader.LinkName);
    }
}
