using Microsoft.Extensions.Options;
using Temporalio.Client;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Cart;

namespace WarehouseOms.Messaging.Cart;

/// <summary>What the cart consumers ask of Temporal (a fake in consumer tests).</summary>
public interface ICartGateway
{
    /// <summary>
    /// Signal-with-start of <c>cart-{customerId}</c>: the first message for a customer creates the cart,
    /// later ones signal the running cart.
    /// </summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task SignalCartAsync(string customerId, string signalName, object payload, CancellationToken cancellationToken);

    /// <summary>The cart's Get query; null when the customer has no cart.</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached.</exception>
    Task<CartView?> GetCartAsync(string customerId, CancellationToken cancellationToken);
}

/// <summary><see cref="ICartGateway"/> over <see cref="ITemporalClient"/>; task queues from section <c>Temporal</c>.</summary>
public sealed class TemporalCartGateway(ITemporalClient client, IOptions<TemporalOptions> options) : ICartGateway
{
    public async Task SignalCartAsync(string customerId, string signalName, object payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(payload);
        var settings = options.Value;
        var start = CartWorkflow.StartOptions(customerId, settings.CartTaskQueue);
        start.SignalWithStart(signalName, [payload]);
        start.Rpc = new RpcOptions { CancellationToken = cancellationToken };
        var input = new CartWorkflowInput(customerId, null, new CartWorkflowOptions(OrderTaskQueue: settings.OrderTaskQueue));
        try
        {
            await client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(input), start).ConfigureAwait(false);
        }
        catch (Exception ex) when (TemporalWorkflowGateway.IsTransient(ex))
        {
            throw new TemporalUnavailableException($"Temporal unavailable signalling {start.Id}: {ex.Message}", ex);
        }
    }

    public async Task<CartView?> GetCartAsync(string customerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        var handle = client.GetWorkflowHandle<CartWorkflow>(WorkflowIds.Cart(customerId));
        try
        {
            return await handle.QueryAsync(wf => wf.Get, new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } })
                .ConfigureAwait(false);
        }
        catch (Temporalio.Exceptions.RpcException ex) when (ex.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (TemporalWorkflowGateway.IsTransient(ex))
        {
            throw new TemporalUnavailableException($"Temporal unavailable querying {handle.Id}: {ex.Message}", ex);
        }
    }
}
