using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>Standalone activity executions (ADR 0051): start, poll for the outcome, describe, cancel, terminate, delete, list, count; the operator commands by activity ID.</summary>
internal sealed partial class WorkflowServiceHandlers
{
    public static void BindStandaloneActivities(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<StartActivityExecutionRequest, StartActivityExecutionResponse>("StartActivityExecution",
            (s, r, c) => Task.FromResult(s.Engine.StartActivityExecution(r)));
        b.Unary<PollActivityExecutionRequest, PollActivityExecutionResponse>("PollActivityExecution",
            (s, r, c) => s.Engine.PollActivityExecutionAsync(r, Deadline(c), c.CancellationToken));
        b.Unary<DescribeActivityExecutionRequest, DescribeActivityExecutionResponse>("DescribeActivityExecution",
            (s, r, c) => s.Engine.DescribeActivityExecutionAsync(r, Deadline(c), c.CancellationToken));
        b.Unary<RequestCancelActivityExecutionRequest, RequestCancelActivityExecutionResponse>("RequestCancelActivityExecution", (s, r, c) =>
        {
            s.Engine.RequestCancelActivityExecution(r);
            return Task.FromResult(new RequestCancelActivityExecutionResponse());
        });
        b.Unary<TerminateActivityExecutionRequest, TerminateActivityExecutionResponse>("TerminateActivityExecution", (s, r, c) =>
        {
            s.Engine.TerminateActivityExecution(r);
            return Task.FromResult(new TerminateActivityExecutionResponse());
        });
        b.Unary<DeleteActivityExecutionRequest, DeleteActivityExecutionResponse>("DeleteActivityExecution", (s, r, c) =>
        {
            s.Engine.DeleteActivityExecution(r);
            return Task.FromResult(new DeleteActivityExecutionResponse());
        });
        b.Unary<ListActivityExecutionsRequest, ListActivityExecutionsResponse>("ListActivityExecutions",
            (s, r, c) => Task.FromResult(s.Engine.ListActivityExecutions(r)));
        b.Unary<CountActivityExecutionsRequest, CountActivityExecutionsResponse>("CountActivityExecutions",
            (s, r, c) => Task.FromResult(s.Engine.CountActivityExecutions(r)));
        b.Unary<PauseActivityExecutionRequest, PauseActivityExecutionResponse>("PauseActivityExecution", (s, r, c) =>
        {
            s.Engine.PauseActivityExecution(r);
            return Task.FromResult(new PauseActivityExecutionResponse());
        });
        b.Unary<UnpauseActivityExecutionRequest, UnpauseActivityExecutionResponse>("UnpauseActivityExecution", (s, r, c) =>
        {
            s.Engine.UnpauseActivityExecution(r);
            return Task.FromResult(new UnpauseActivityExecutionResponse());
        });
        b.Unary<ResetActivityExecutionRequest, ResetActivityExecutionResponse>("ResetActivityExecution", (s, r, c) =>
        {
            s.Engine.ResetActivityExecution(r);
            return Task.FromResult(new ResetActivityExecutionResponse());
        });
        b.Unary<UpdateActivityExecutionOptionsRequest, UpdateActivityExecutionOptionsResponse>("UpdateActivityExecutionOptions",
            (s, r, c) => Task.FromResult(s.Engine.UpdateActivityExecutionOptions(r)));
    }
}
