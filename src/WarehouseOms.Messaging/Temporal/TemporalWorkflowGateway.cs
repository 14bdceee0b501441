using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;
using RpcException = Temporalio.Exceptions.RpcException;

namespace WarehouseOms.Messaging.Temporal;

/// <summary><see cref="IWorkflowGateway"/> over <see cref="ITemporalClient"/>.</summary>
public sealed class TemporalWorkflowGateway(ITemporalClient client, IOptions<TemporalOptions> options) : IWorkflowGateway
{
    // The server's message when signalling a closed workflow (it answers NotFound for both cases).
    private const string AlreadyCompleted = "already completed";

    public async Task<StartOutcome> StartOrderIntakeAsync(OrderIntakeInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var startOptions = OrderIntakeWorkflow.StartOptions(input.RequestId, options.Value.OrderTaskQueue);
        startOptions.Rpc = new RpcOptions { CancellationToken = cancellationToken };
        try
        {
            await client.StartWorkflowAsync((OrderIntakeWorkflow wf) => wf.RunAsync(input), startOptions).ConfigureAwait(false);
            return StartOutcome.Started;
        }
        catch (WorkflowAlreadyStartedException)
        {
            // RejectDuplicate: the intake already ran (and closed) for this requestId.
            return StartOutcome.AlreadyHandled;
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            throw new TemporalUnavailableException($"Temporal unavailable starting {startOptions.Id}: {ex.Message}", ex);
        }
    }

    public async Task<SignalOutcome> SignalFulfillmentAsync(string orderId, string signalName, object payload, CancellationToken cancellationToken)
    {
        var workflowId = WorkflowIds.OrderFulfillment(orderId);
        var handle = client.GetWorkflowHandle(workflowId);
        try
        {
            await handle.SignalAsync(signalName, [payload], new WorkflowSignalOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } })
                .ConfigureAwait(false);
            return SignalOutcome.Delivered;
        }
        catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
        {
            if (ex.Message.Contains(AlreadyCompleted, StringComparison.OrdinalIgnoreCase))
            {
                return SignalOutcome.WorkflowClosed;
            }

            // No inner exception on purpose: MassTransit writes the innermost message into the error
            // queue's headers, and operators should read our documented reason, "workflow not found".
            throw new WorkflowNotFoundException(workflowId);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            throw new TemporalUnavailableException($"Temporal unavailable signalling {workflowId}: {ex.Message}", ex);
        }
    }

    /// <summary>Errors that say "try again later" rather than "this message is wrong".</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RpcException rpc => rpc.Code is RpcException.StatusCode.Unavailable
            or RpcException.StatusCode.DeadlineExceeded
            or RpcException.StatusCode.ResourceExhausted
            or RpcException.StatusCode.Aborted
            or RpcException.StatusCode.Unknown
            or RpcException.StatusCode.Internal,
        // The lazy client reports a failed (re)connect as InvalidOperationException from the core bridge.
        InvalidOperationException ex => ex.Message.Contains("connect", StringComparison.OrdinalIgnoreCase),
        System.Net.Http.HttpRequestException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };
}
