using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// Every inbound endpoint's policy, in one place:
/// <list type="bullet">
/// <item>queue <c>warehouse-oms.{exchange}</c>, bound explicitly to the fanout exchange of that exact name
/// (no MassTransit message-type topology: publishers are not MassTransit applications); the cart queue
/// is bound to its four exchanges (<see cref="Cart.CartEndpoint"/>);</item>
/// <item>raw JSON (any content type but MassTransit's own) deserialized straight into the contract record,
/// MassTransit envelopes still accepted; a body over <c>Messaging:MaxMessageBytes</c> or headers over
/// <c>Messaging:MaxHeaderBytes</c> → <c>_error</c> before it is parsed (<see cref="BodySizeLimit"/>, <see cref="HeaderSizeLimit"/>);</item>
/// <item>outages (Temporal or database unreachable) → exponential retry, message unacknowledged on the broker; when the
/// retries run out, back to the queue and the endpoint pauses (<see cref="OutagePolicy"/>), never <c>_error</c>;</item>
/// <item>workflow not found → parked in a wait queue and back, with growing waits, then <c>_error</c> with
/// "workflow not found" (<see cref="WorkflowWaitRoom"/>); the live queue keeps flowing meanwhile;</item>
/// <item>anything else (validation, malformed JSON, a rejected receipt, a conflicting duplicate) → <c>_error</c> at once,
/// reason in the headers.</item>
/// </list>
/// </summary>
public static class EndpointPolicies
{
    public static void Apply(IReceiveEndpointConfigurator endpoint, string exchange, MessagingOptions options) =>
        Apply(endpoint, [exchange], options);

    /// <summary>
    /// The same policy for a queue bound to several fanout exchanges; <paramref name="errorHeaders"/> adds headers
    /// to a message moved to the error queue.
    /// </summary>
    public static void Apply(
        IReceiveEndpointConfigurator endpoint,
        IReadOnlyCollection<string> exchanges,
        MessagingOptions options,
        IFilter<ExceptionReceiveContext>? errorHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(exchanges);
        ArgumentNullException.ThrowIfNull(options);

        endpoint.ConfigureConsumeTopology = false;
        // Raw JSON by default, MassTransit envelopes too; a body or headers over their limits are refused unparsed.
        BodySizeLimit.Apply(endpoint, options.MaxMessageBytes, options.MaxHeaderBytes, singleType: exchanges.Count == 1);
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = options.PrefetchCount;
            if (options.QuorumQueues)
            {
                rabbit.SetQuorumQueue();
            }

            foreach (var exchange in exchanges)
            {
                rabbit.Bind(exchange, bind => bind.ExchangeType = "fanout");
            }

            // Where a parked message comes back from its wait queue (WorkflowWaitRoom).
            var queue = WorkflowWaitTopology.QueueOf(endpoint.InputAddress);
            rabbit.Bind(WorkflowWaitTopology.ReturnExchange, bind =>
            {
                bind.ExchangeType = "direct";
                bind.RoutingKey = queue;
            });
        }

        // Outages are retried patiently (the message stays unacknowledged); validation and other permanent faults never.
        endpoint.UseMessageRetry(retry =>
        {
            retry.Exponential(
                options.TransientRetryLimit,
                options.TransientMinInterval,
                options.TransientMaxInterval,
                options.TransientIntervalDelta);
            retry.Handle<Exception>(OutagePolicy.IsOutage);
        });

        // Past the retries an outage goes back to the queue (the kill switch pauses the endpoint), the rest to _error.
        OutagePolicy.ConfigureErrorPipe(endpoint, options.MaxHeaderBytes, errorHeaders);
    }
}

/// <summary>Names the endpoint after its exchange and applies <see cref="EndpointPolicies"/>.</summary>
public abstract class InboundEndpointDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly string exchange;
    private readonly MessagingOptions options;

    protected InboundEndpointDefinition(string exchange, IOptions<MessagingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.exchange = exchange;
        this.options = options.Value;
        EndpointName = Queues.For(exchange);
        Endpoint(e => e.ConfigureConsumeTopology = false);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(consumerConfigurator);
        ArgumentNullException.ThrowIfNull(context);
        EndpointPolicies.Apply(endpointConfigurator, exchange, options);
        consumerConfigurator.UseFilter(new WorkflowWaitFilter<TConsumer>(context.GetRequiredService<WorkflowWaitRoom>()));
    }
}

public sealed class OrderSubmittedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<OrderSubmittedConsumer>(Exchanges.OrderSubmitted, options);

public sealed class PickCompletedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<PickCompletedConsumer>(Exchanges.PickCompleted, options);

public sealed class PackCompletedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<PackCompletedConsumer>(Exchanges.PackCompleted, options);

public sealed class OrderCancellationRequestedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<OrderCancellationRequestedConsumer>(Exchanges.OrderCancellationRequested, options);

public sealed class StockReceivedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<StockReceivedConsumer>(Exchanges.StockReceived, options);

public sealed class PaymentApprovedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<PaymentApprovedConsumer>(Exchanges.PaymentApproved, options);

public sealed class OrderLineAddedConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<OrderLineAddedConsumer>(Exchanges.OrderLineAdded, options);

public sealed class ShipmentDeliveredConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<ShipmentDeliveredConsumer>(Exchanges.ShipmentDelivered, options);

public sealed class SkuRegisteredConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<SkuRegisteredConsumer>(Exchanges.SkuRegistered, options);

public sealed class SkuRetiredConsumerDefinition(IOptions<MessagingOptions> options)
    : InboundEndpointDefinition<SkuRetiredConsumer>(Exchanges.SkuRetired, options);
