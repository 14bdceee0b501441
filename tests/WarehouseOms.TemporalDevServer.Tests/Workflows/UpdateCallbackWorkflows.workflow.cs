using NexusRpc;
using NexusRpc.Handlers;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Nexus;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>A bin's restocking, called over Nexus: each operation is an update of the bin's workflow.</summary>
[NexusService]
public interface IBinService
{
    [NexusOperation]
    int Restock(RestockRequest request);
}

/// <param name="BinId">The bin workflow's ID.</param>
/// <param name="Quantity">Added to the bin; 0 or less is refused by the validator, over 100 fails the update.</param>
/// <param name="UpdateId">The update's ID: callers naming the same one share one update.</param>
/// <param name="RunId">The bin's run, when the caller names one.</param>
public record RestockRequest(string BinId, int Quantity, string UpdateId, string? RunId = null);

/// <summary>The handler: the SDK's update operation, which waits for the update's acceptance and leaves the rest to its callback.</summary>
[NexusServiceHandler(typeof(IBinService))]
public sealed class BinService
{
    [NexusOperationHandler]
    public IOperationHandler<RestockRequest, int> Restock() =>
        TemporalOperationHandler.FromHandleFactory<RestockRequest, int>((context, client, request) =>
            client.StartWorkflowUpdateAsync<BinWorkflow, int>(
                request.BinId, w => w.RestockAsync(request.Quantity), new(WorkflowUpdateStage.Accepted) { Id = request.UpdateId }, request.RunId));
}

/// <summary>A bin's stock: restocked by updates, which wait while the bin is held; it closes, or goes on in a new run, when told.</summary>
[Workflow]
public sealed class BinWorkflow
{
    private int stock;
    private bool held;
    private string? ending;

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => ending is not null);
        if (ending == "continue-as-new")
        {
            throw Workflow.CreateContinueAsNewException((BinWorkflow w) => w.RunAsync());
        }

        return stock;
    }

    [WorkflowUpdate]
    public async Task<int> RestockAsync(int quantity)
    {
        await Workflow.WaitConditionAsync(() => !held);
        if (quantity > 100)
        {
            throw new ApplicationFailureException("bin overflow", errorType: "BinOverflow");
        }

        stock += quantity;
        return stock;
    }

    [WorkflowUpdateValidator(nameof(RestockAsync))]
    public void ValidateRestock(int quantity)
    {
        if (quantity <= 0)
        {
            throw new ApplicationFailureException("quantity must be positive");
        }
    }

    [WorkflowSignal]
    public Task HoldAsync(bool hold)
    {
        held = hold;
        return Task.CompletedTask;
    }

    /// <summary>"close" completes the run, "continue-as-new" goes on in a new one, whatever updates still wait.</summary>
    [WorkflowSignal]
    public Task EndAsync(string how)
    {
        ending = how;
        return Task.CompletedTask;
    }
}

/// <summary>The caller: one restock operation, its result or the failure as the workflow saw it (outer message, then the cause's type and message).</summary>
[Workflow]
public sealed class RestockCallerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string endpoint, RestockRequest request)
    {
        try
        {
            var stock = await Workflow.CreateNexusWorkflowClient<IBinService>(endpoint).ExecuteNexusOperationAsync(s => s.Restock(request));
            return $"stock {stock}";
        }
        catch (NexusOperationFailureException failure)
        {
            var cause = failure.InnerException as ApplicationFailureException;
            return $"failed: {failure.Message} | {cause?.ErrorType}: {cause?.Message}";
        }
    }
}
