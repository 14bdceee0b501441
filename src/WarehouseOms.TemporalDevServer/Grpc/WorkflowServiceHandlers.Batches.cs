using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>Batch operation RPCs: start, stop, describe, list.</summary>
internal sealed partial class WorkflowServiceHandlers
{
    public static void BindBatches(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<StartBatchOperationRequest, StartBatchOperationResponse>("StartBatchOperation", (s, r, c) =>
        {
            s.Engine.StartBatchOperation(r);
            return Task.FromResult(new StartBatchOperationResponse());
        });
        b.Unary<StopBatchOperationRequest, StopBatchOperationResponse>("StopBatchOperation", (s, r, c) =>
        {
            s.Engine.StopBatchOperation(r);
            return Task.FromResult(new StopBatchOperationResponse());
        });
        b.Unary<DescribeBatchOperationRequest, DescribeBatchOperationResponse>("DescribeBatchOperation", (s, r, c) => Task.FromResult(s.Engine.DescribeBatchOperation(r)));
        b.Unary<ListBatchOperationsRequest, ListBatchOperationsResponse>("ListBatchOperations", (s, r, c) => Task.FromResult(s.Engine.ListBatchOperations(r)));
    }
}
