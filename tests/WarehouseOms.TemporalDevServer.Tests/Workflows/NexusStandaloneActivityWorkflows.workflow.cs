using NexusRpc;
using NexusRpc.Handlers;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Nexus;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>A picking service, called over Nexus, whose operation is a standalone activity.</summary>
[NexusService]
public interface IPickingService
{
    [NexusOperation]
    string Pick(PickRequest request);
}

/// <param name="ActivityId">The standalone activity's ID.</param>
/// <param name="Outcome">
/// "echo" (<see cref="StandaloneActivities.EchoAsync"/> of the activity ID), "fail" (fails non-retryably), "wait"
/// (heartbeats until cancelled) or "later" (left open for the test to complete by ID).
/// </param>
/// <param name="Shared">Operations share one activity: the handler starts it with conflict policy USE_EXISTING.</param>
public record PickRequest(string ActivityId, string Outcome, bool Shared = false);

/// <summary>The handler: every operation starts a standalone activity through the SDK's Temporal Nexus client.</summary>
[NexusServiceHandler(typeof(IPickingService))]
public sealed class PickingService
{
    [NexusOperationHandler]
    public IOperationHandler<PickRequest, string> Pick() =>
        TemporalOperationHandler.FromHandleFactory<PickRequest, string>((context, client, request) =>
        {
            var options = new StartActivityOptions
            {
                Id = request.ActivityId,
                ScheduleToCloseTimeout = TimeSpan.FromSeconds(50),
                HeartbeatTimeout = request.Outcome == "wait" ? TimeSpan.FromSeconds(10) : null,
                IdConflictPolicy = request.Shared ? ActivityIdConflictPolicy.UseExisting : ActivityIdConflictPolicy.Unspecified,
            };
            return request.Outcome switch
            {
                "echo" => client.StartActivityAsync(() => StandaloneActivities.EchoAsync(request.ActivityId), options),
                "fail" => client.StartActivityAsync(() => StandaloneActivities.FailNonRetryableAsync(), options),
                "wait" => client.StartActivityAsync<string>("HeartbeatUntilCancelled", [], options),
                _ => client.StartActivityAsync(() => StandaloneActivities.CompleteLaterAsync(), options),
            };
        });
}

/// <summary>How a caller runs its operation: the endpoint, the request, and whether to cancel it when signalled.</summary>
public record PickCall(string Endpoint, PickRequest Request, bool CancelOnSignal = false);

/// <summary>The caller: one Nexus operation, its result or the failure's messages (outer, then cause) as the workflow saw them.</summary>
[Workflow]
public sealed class PickCallerWorkflow
{
    private bool cancelRequested;

    [WorkflowRun]
    public async Task<string> RunAsync(PickCall call)
    {
        var client = Workflow.CreateNexusWorkflowClient<IPickingService>(call.Endpoint);
        try
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var handle = await client.StartNexusOperationAsync(s => s.Pick(call.Request), new() { CancellationToken = cancel.Token });
            if (call.CancelOnSignal)
            {
                await Workflow.WaitConditionAsync(() => cancelRequested);
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

    [WorkflowSignal]
    public Task CancelPickAsync()
    {
        cancelRequested = true;
        return Task.CompletedTask;
    }
}
