namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>The full gRPC names of the Temporal services the engine hosts (routes and health statuses).</summary>
internal static class ServiceNames
{
    public const string WorkflowService = "temporal.api.workflowservice.v1.WorkflowService";
    public const string OperatorService = "temporal.api.operatorservice.v1.OperatorService";
}
