using NexusRpc;
using NexusRpc.Handlers;
using Temporalio.Exceptions;
using Temporalio.Nexus;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>A warehouse's stock service, called over Nexus: a sync check and a reservation backed by a workflow.</summary>
[NexusService]
public interface IStockService
{
    [NexusOperation]
    string Check(string sku);

    [NexusOperation]
    string Reserve(ReservationRequest request);
}

/// <param name="Sku">What to reserve.</param>
/// <param name="ReservationId">The handler workflow's ID.</param>
/// <param name="Outcome">"reserved", "fail" (the workflow fails), or "wait" (until cancelled or signalled).</param>
/// <param name="Shared">Callers share one reservation workflow: the handler starts it with conflict policy USE_EXISTING.</param>
public record ReservationRequest(string Sku, string ReservationId, string Outcome, bool Shared = false);

/// <summary>
/// The handler: Check answers at once ("unknown" fails the operation, "flaky-N-…" fails N times first, retryably,
/// "show-request-timeout" answers with the request's request-timeout header); Reserve runs a workflow.
/// </summary>
[NexusServiceHandler(typeof(IStockService))]
public sealed class StockService
{
    private static readonly Dictionary<string, int> FlakyCalls = [];

    [NexusOperationHandler]
    public IOperationHandler<string, string> Check() =>
        OperationHandler.Sync<string, string>((context, sku) =>
        {
            if (sku == "show-request-timeout")
            {
                return context.Headers?.TryGetValue("request-timeout", out var timeout) == true ? timeout : "none";
            }

            if (sku == "unknown")
            {
                throw OperationException.CreateFailed("no such SKU: unknown");
            }

            if (sku.StartsWith("flaky-", StringComparison.Ordinal))
            {
                lock (FlakyCalls)
                {
                    var calls = FlakyCalls[sku] = FlakyCalls.GetValueOrDefault(sku) + 1;
                    if (calls <= int.Parse(sku.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture))
                    {
                        throw new HandlerException(HandlerErrorType.Unavailable, "stock database unavailable", HandlerErrorRetryBehavior.Retryable);
                    }
                }
            }

            return $"{sku}: 7 in stock";
        });

    [NexusOperationHandler]
    public IOperationHandler<ReservationRequest, string> Reserve() =>
        WorkflowRunOperationHandler.FromHandleFactory((WorkflowRunOperationContext context, ReservationRequest request) =>
            context.StartWorkflowAsync((ReservationWorkflow w) => w.RunAsync(request), new()
            {
                Id = request.ReservationId,
                IdConflictPolicy = request.Shared ? Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting : Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.Unspecified,
            }));
}

/// <summary>The workflow behind a reservation.</summary>
[Workflow]
public sealed class ReservationWorkflow
{
    private bool released;

    [WorkflowRun]
    public async Task<string> RunAsync(ReservationRequest request)
    {
        switch (request.Outcome)
        {
            case "fail":
                throw new ApplicationFailureException("bin empty", errorType: "OutOfStock");
            case "wait":
                await Workflow.WaitConditionAsync(() => released);
                return $"{request.Sku} reserved after waiting";
            default:
                return $"{request.Sku} reserved";
        }
    }

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }
}

/// <summary>How a caller's operation should run: its endpoint, the SKU or reservation, a timeout, and whether to cancel it after it started.</summary>
public record StockCall(string Endpoint, string Sku, ReservationRequest? Reservation = null, TimeSpan? ScheduleToClose = null, bool CancelAfterStart = false);

/// <summary>The caller: one Nexus operation, its result or the failure's messages (outer, then cause) as the workflow saw them.</summary>
[Workflow]
public sealed class StockCallerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(StockCall call)
    {
        var client = Workflow.CreateNexusWorkflowClient<IStockService>(call.Endpoint);
        try
        {
            if (call.Reservation is not { } reservation)
            {
                return await client.ExecuteNexusOperationAsync(s => s.Check(call.Sku), new() { ScheduleToCloseTimeout = call.ScheduleToClose });
            }

            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var handle = await client.StartNexusOperationAsync(s => s.Reserve(reservation),
                new() { ScheduleToCloseTimeout = call.ScheduleToClose, CancellationToken = cancel.Token });
            if (call.CancelAfterStart)
            {
#pragma warning disable CA1849 // CancelAsync is not deterministic in a workflow
                cancel.Cancel();
#pragma warning restore CA1849
            }

            return await handle.GetResultAsync();
        }
        catch (NexusOperationFailureException failure)
        {
            return $"failed: {failure.Message} | {failure.InnerException?.GetType().Name}: {failure.InnerException?.Message}";
        }
    }
}
