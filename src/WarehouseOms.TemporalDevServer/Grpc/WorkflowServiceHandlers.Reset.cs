using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>Workflow reset and the operator's activity RPCs (pause, unpause, reset, update options).</summary>
internal sealed partial class WorkflowServiceHandlers
{
    public static void BindResetAndActivityOperations(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<ResetWorkflowExecutionRequest, ResetWorkflowExecutionResponse>("ResetWorkflowExecution", (s, r, c) => Task.FromResult(s.ResetWorkflow(r)));
        b.Unary<PauseActivityRequest, PauseActivityResponse>("PauseActivity", (s, r, c) => Task.FromResult(s.PauseActivity(r)));
        b.Unary<UnpauseActivityRequest, UnpauseActivityResponse>("UnpauseActivity", (s, r, c) => Task.FromResult(s.UnpauseActivity(r)));
        b.Unary<ResetActivityRequest, ResetActivityResponse>("ResetActivity", (s, r, c) => Task.FromResult(s.ResetActivity(r)));
        b.Unary<UpdateActivityOptionsRequest, UpdateActivityOptionsResponse>("UpdateActivityOptions", (s, r, c) => Task.FromResult(s.UpdateActivityOptions(r)));
    }

    private ResetWorkflowExecutionResponse ResetWorkflow(ResetWorkflowExecutionRequest request) => engine.ResetWorkflow(request);

    private PauseActivityResponse PauseActivity(PauseActivityRequest request)
    {
        engine.PauseActivity(request);
        return new PauseActivityResponse();
    }

    private UnpauseActivityResponse UnpauseActivity(UnpauseActivityRequest request)
    {
        engine.UnpauseActivity(request);
        return new UnpauseActivityResponse();
    }

    private ResetActivityResponse ResetActivity(ResetActivityRequest request)
    {
        engine.ResetActivity(request);
        return new ResetActivityResponse();
    }

    private UpdateActivityOptionsResponse UpdateActivityOptions(UpdateActivityOptionsRequest request) =>
        new() { ActivityOptions = engine.UpdateActivityOptions(request) };
}
