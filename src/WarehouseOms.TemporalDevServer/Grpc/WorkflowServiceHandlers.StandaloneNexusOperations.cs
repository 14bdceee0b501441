using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>Standalone Nexus operation executions (ADR 0054): start, poll for the outcome, describe, cancel, terminate, delete, list, count.</summary>
internal sealed partial class WorkflowServiceHandlers
{
    public static void BindStandaloneNexusOperations(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<StartNexusOperationExecutionRequest, StartNexusOperationExecutionResponse>("StartNexusOperationExecution",
            (s, r, c) => Task.FromResult(s.Engine.StartNexusOperationExecution(r)));
        b.Unary<PollNexusOperationExecutionRequest, PollNexusOperationExecutionResponse>("PollNexusOperationExecution",
            (s, r, c) => s.Engine.PollNexusOperationExecutionAsync(r, Deadline(c), c.CancellationToken));
        b.Unary<DescribeNexusOperationExecutionRequest, DescribeNexusOperationExecutionResponse>("DescribeNexusOperationExecution",
            (s, r, c) => s.Engine.DescribeNexusOperationExecutionAsync(r, Deadline(c), c.CancellationToken));
        b.Unary<RequestCancelNexusOperationExecutionRequest, RequestCancelNexusOperationExecutionResponse>("RequestCancelNexusOperationExecution", (s, r, c) =>
        {
            s.Engine.RequestCancelNexusOperationExecution(r);
            return Task.FromResult(new RequestCancelNexusOperationExecutionResponse());
        });
        b.Unary<TerminateNexusOperationExecutionRequest, TerminateNexusOperationExecutionResponse>("TerminateNexusOperationExecution", (s, r, c) =>
        {
            s.Engine.TerminateNexusOperationExecution(r);
            return Task.FromResult(new TerminateNexusOperationExecutionResponse());
        });
        b.Unary<DeleteNexusOperationExecutionRequest, DeleteNexusOperationExecutionResponse>("DeleteNexusOperationExecution", (s, r, c) =>
        {
            s.Engine.DeleteNexusOperationExecution(r);
            return Task.FromResult(new DeleteNexusOperationExecutionResponse());
        });
        b.Unary<ListNexusOperationExecutionsRequest, ListNexusOperationExecutionsResponse>("ListNexusOperationExecutions",
            (s, r, c) => Task.FromResult(s.Engine.ListNexusOperationExecutions(r)));
        b.Unary<CountNexusOperationExecutionsRequest, CountNexusOperationExecutionsResponse>("CountNexusOperationExecutions",
            (s, r, c) => Task.FromResult(s.Engine.CountNexusOperationExecutions(r)));
    }
}
