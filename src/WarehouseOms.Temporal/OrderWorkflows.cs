using System.Linq.Expressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Temporal;

/// <summary>
/// An order's two workflows, as the rest of the service talks to them: start the intake of a submission,
/// signal and read the fulfillment. Errors arrive classified (<see cref="TemporalErrors"/>) as the
/// exceptions and outcomes below, which consumer retry policies and the HTTP API understand.
/// A fake stands in for it in consumer tests.
/// </summary>
public interface IOrderWorkflows
{
    /// <summary>Starts <c>order-intake-{requestId}</c>; one that runs or ran already answers <see cref="StartOutcome.AlreadyHandled"/>.</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<StartOutcome> StartIntakeAsync(OrderIntakeInput input, CancellationToken cancellationToken);

    /// <summary>Sends a signal to <c>order-fulfillment-{orderId}</c>: <c>wf =&gt; wf.PickCompletedAsync(signal)</c>.</summary>
    /// <exception cref="WorkflowNotFoundException">No such workflow (yet).</exception>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<SignalOutcome> SignalFulfillmentAsync(string orderId, Expression<Func<OrderFulfillmentWorkflow, Task>> signal, CancellationToken cancellationToken);

    /// <summary>The fulfillment's live <see cref="OrderFulfillmentWorkflow.Snapshot"/>, or why there is none. Never throws for Temporal's sake.</summary>
    Task<LiveFulfillmentStatus> ReadFulfillmentAsync(string orderId, CancellationToken cancellationToken);

    /// <summary>The input <c>order-intake-{requestId}</c> was started with (its history's first event); null when no such workflow is known (any more).</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<OrderIntakeInput?> FindIntakeAsync(string requestId, CancellationToken cancellationToken);
}

public enum StartOutcome
{
    /// <summary>A new workflow was started.</summary>
    Started,

    /// <summary>The intake for this requestId runs or ran already: the message is a duplicate, to be compared with the first.</summary>
    AlreadyHandled,
}

public enum SignalOutcome
{
    Delivered,

    /// <summary>The workflow has already finished: a late duplicate, nothing left to change.</summary>
    WorkflowClosed,
}

/// <summary>The fulfillment workflow's live view of an order, or why there is none.</summary>
public sealed record LiveFulfillmentStatus(FulfillmentSnapshot? Snapshot, string? UnavailableReason)
{
    public static LiveFulfillmentStatus Unavailable(string reason) => new(null, reason);
}

/// <summary><see cref="IOrderWorkflows"/> over <see cref="ITemporalClient"/>; the task queue from section <c>Temporal</c>.</summary>
public sealed partial class TemporalOrderWorkflows(ITemporalClient client, IOptions<TemporalOptions> options, ILogger<TemporalOrderWorkflows> logger)
    : IOrderWorkflows
{
    /// <summary>Short: an HTTP caller should not wait for a Temporal outage to time out.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    public async Task<StartOutcome> StartIntakeAsync(OrderIntakeInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var start = OrderIntakeWorkflow.StartOptions(input.RequestId, options.Value.OrderTaskQueue);
        start.Rpc = new RpcOptions { CancellationToken = cancellationToken };
        try
        {
            await client.StartWorkflowAsync((OrderIntakeWorkflow wf) => wf.RunAsync(input), start).ConfigureAwait(false);
            return StartOutcome.Started;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.AlreadyStarted)
        {
            // Conflict policy Fail / RejectDuplicate: the intake runs or ran already for this requestId.
            return StartOutcome.AlreadyHandled;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.Unavailable)
        {
            throw new TemporalUnavailableException($"Temporal unavailable starting {start.Id}: {ex.Message}", ex);
        }
    }

    public async Task<SignalOutcome> SignalFulfillmentAsync(string orderId, Expression<Func<OrderFulfillmentWorkflow, Task>> signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var handle = client.GetWorkflowHandle<OrderFulfillmentWorkflow>(WorkflowIds.OrderFulfillment(orderId));
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        try
        {
            await handle.SignalAsync(signal, new WorkflowSignalOptions { Rpc = rpc }).ConfigureAwait(false);
            return SignalOutcome.Delivered;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.NotFound)
        {
            // The server answers NotFound both for no workflow and for a closed one: describe tells them apart.
            return await IsClosedAsync(handle, rpc).ConfigureAwait(false)
                ? SignalOutcome.WorkflowClosed
                // No inner exception on purpose: MassTransit writes the innermost message into the error
                // queue's headers, and operators should read our documented reason, "workflow not found".
                : throw new WorkflowNotFoundException(handle.Id);
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.Unavailable)
        {
            throw new TemporalUnavailableException($"Temporal unavailable signalling {handle.Id}: {ex.Message}", ex);
        }
    }

    public async Task<LiveFulfillmentStatus> ReadFulfillmentAsync(string orderId, CancellationToken cancellationToken)
    {
        var handle = client.GetWorkflowHandle<OrderFulfillmentWorkflow>(WorkflowIds.OrderFulfillment(orderId));
        try
        {
            var snapshot = await handle.QueryAsync(
                wf => wf.Snapshot,
                new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken, Timeout = QueryTimeout } }).ConfigureAwait(false);
            return new LiveFulfillmentStatus(snapshot, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            switch (Classify(ex))
            {
                case TemporalFault.NotFound:
                    return LiveFulfillmentStatus.Unavailable($"workflow {handle.Id} not found: fulfillment has not started, or its history is past retention");
                case TemporalFault.QueryRejected:
                    return LiveFulfillmentStatus.Unavailable(
                        $"workflow {handle.Id} rejected the query (status {((Temporalio.Exceptions.WorkflowQueryRejectedException)ex).WorkflowStatus})");
                case TemporalFault.QueryFailed:
                    LogQueryFailed(logger, ex, orderId, handle.Id);
                    return LiveFulfillmentStatus.Unavailable($"workflow {handle.Id} could not answer the query: {ex.Message}");
                case TemporalFault.Unavailable or TemporalFault.AlreadyStarted:
                case TemporalFault.Other when ex is Temporalio.Exceptions.RpcException or OperationCanceledException:
                    // Any other server answer, or our own query timeout, leaves the read model to answer alone.
                    LogUnavailable(logger, orderId, handle.Id, ex.Message);
                    return LiveFulfillmentStatus.Unavailable($"Temporal unavailable: {ex.Message}");
                default:
                    throw;
            }
        }
    }

    public async Task<OrderIntakeInput?> FindIntakeAsync(string requestId, CancellationToken cancellationToken)
    {
        var handle = client.GetWorkflowHandle(WorkflowIds.OrderIntake(requestId));
        try
        {
            var fetch = new WorkflowHistoryEventFetchOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } };
            await foreach (var historyEvent in handle.FetchHistoryEventsAsync(fetch).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                return historyEvent.WorkflowExecutionStartedEventAttributes?.Input?.Payloads_ is { Count: > 0 } payloads
                    ? await client.Options.DataConverter.ToValueAsync<OrderIntakeInput>(payloads[0]).ConfigureAwait(false)
                    : null;
            }

            return null;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.Unavailable)
        {
            throw new TemporalUnavailableException($"Temporal unavailable reading {handle.Id}: {ex.Message}", ex);
        }
    }

    private TemporalFault Classify(Exception exception) => TemporalErrors.Classify(exception, client.Connection);

    private async Task<bool> IsClosedAsync(WorkflowHandle<OrderFulfillmentWorkflow> handle, RpcOptions rpc)
    {
        try
        {
            var description = await handle.DescribeAsync(new WorkflowDescribeOptions { Rpc = rpc }).ConfigureAwait(false);
            return description.Status != WorkflowExecutionStatus.Running;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.NotFound)
        {
            return false;
        }
        catch (Exception ex) when (Classify(ex) == TemporalFault.Unavailable)
        {
            throw new TemporalUnavailableException($"Temporal unavailable describing {handle.Id}: {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: query of {WorkflowId} failed")]
    private static partial void LogQueryFailed(ILogger logger, Exception exception, string orderId, string workflowId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: Temporal unavailable for {WorkflowId}: {Error}; answering from the read model only")]
    private static partial void LogUnavailable(ILogger logger, string orderId, string workflowId, string error);
}
