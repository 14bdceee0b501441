using System.Linq.Expressions;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Cart;

namespace WarehouseOms.Temporal;

/// <summary>The cart workflow as the service talks to it (a fake in consumer tests).</summary>
public interface ICartWorkflows
{
    /// <summary>
    /// Signal-with-start of <c>cart-{customerId}</c>: the first message for a customer creates the cart,
    /// later ones signal the running cart. <c>wf =&gt; wf.AddItemsAsync(signal)</c>.
    /// </summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task SignalAsync(string customerId, Expression<Func<CartWorkflow, Task>> signal, CancellationToken cancellationToken);

    /// <summary>The cart's Get query; null when the customer has no cart.</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached.</exception>
    Task<CartView?> GetAsync(string customerId, CancellationToken cancellationToken);
}

/// <summary><see cref="ICartWorkflows"/> over <see cref="ITemporalClient"/>; task queues from section <c>Temporal</c>.</summary>
public sealed class TemporalCartWorkflows(ITemporalClient client, IOptions<TemporalOptions> options) : ICartWorkflows
{
    public async Task SignalAsync(string customerId, Expression<Func<CartWorkflow, Task>> signal, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(signal);
        var settings = options.Value;
        var start = CartWorkflow.StartOptions(customerId, settings.CartTaskQueue);
        start.SignalWithStart(signal);
        start.Rpc = new RpcOptions { CancellationToken = cancellationToken };
        var input = new CartWorkflowInput(customerId, null, new CartWorkflowOptions(OrderTaskQueue: settings.OrderTaskQueue));
        try
        {
            await client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(input), start).ConfigureAwait(false);
        }
        catch (Exception ex) when (TemporalErrors.IsUnavailable(ex, client.Connection))
        {
            throw new TemporalUnavailableException($"Temporal unavailable signalling {start.Id}: {ex.Message}", ex);
        }
    }

    public async Task<CartView?> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        var handle = client.GetWorkflowHandle<CartWorkflow>(WorkflowIds.Cart(customerId));
        try
        {
            return await handle.QueryAsync(wf => wf.Get, new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } })
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (TemporalErrors.IsUnavailable(ex, client.Connection))
        {
            throw new TemporalUnavailableException($"Temporal unavailable querying {handle.Id}: {ex.Message}", ex);
        }
    }
}
