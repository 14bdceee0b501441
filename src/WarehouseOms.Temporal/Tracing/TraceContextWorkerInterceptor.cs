using Temporalio.Api.Common.V1;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace WarehouseOms.Temporal.Tracing;

/// <summary>
/// Worker side of trace propagation, for workflows: no spans are made in workflow code (it must replay
/// deterministically); the <see cref="TraceHeader.Name"/> header is only passed on, unchanged, from the
/// workflow's start (or, once one arrives, the latest signal that carried one: the message that caused the
/// next steps) to the activities, local activities, children and continue-as-new it schedules. Headers are
/// part of the history, so a replay passes on the same values. The activity span reads the header
/// (<see cref="TraceHeader.Extract"/>).
/// </summary>
public sealed class TraceContextWorkerInterceptor : IWorkerInterceptor
{
    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new Inbound(nextInterceptor);

    private sealed class Inbound(WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        private Payload? fromSignal;

        public Payload? Current => fromSignal ?? TraceHeader.Find(Workflow.Info.Headers);

        public override void Init(WorkflowOutboundInterceptor outbound) => base.Init(new Outbound(outbound, this));

        public override Task HandleSignalAsync(HandleSignalInput input)
        {
            if (TraceHeader.Find(input.Headers) is { } header)
            {
                fromSignal = header;
            }

            return base.HandleSignalAsync(input);
        }
    }

    private sealed class Outbound(WorkflowOutboundInterceptor next, Inbound inbound) : WorkflowOutboundInterceptor(next)
    {
        public override Task<TResult> ScheduleActivityAsync<TResult>(ScheduleActivityInput input) =>
            base.ScheduleActivityAsync<TResult>(input with { Headers = TraceHeader.With(input.Headers, inbound.Current) });

        public override Task<TResult> ScheduleLocalActivityAsync<TResult>(ScheduleLocalActivityInput input) =>
            base.ScheduleLocalActivityAsync<TResult>(input with { Headers = TraceHeader.With(input.Headers, inbound.Current) });

        public override Task<ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(StartChildWorkflowInput input) =>
            base.StartChildWorkflowAsync<TWorkflow, TResult>(input with { Headers = TraceHeader.With(input.Headers, inbound.Current) });

        public override ContinueAsNewException CreateContinueAsNewException(CreateContinueAsNewExceptionInput input) =>
            base.CreateContinueAsNewException(input with { Headers = TraceHeader.With(input.Headers, inbound.Current) });
    }
}
