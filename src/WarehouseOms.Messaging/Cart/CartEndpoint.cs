using MassTransit;
using MassTransit.Configuration;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Consumers;

namespace WarehouseOms.Messaging.Cart;

/// <summary>The cart queue and the exchange each of the four cart messages is published to.</summary>
public sealed record CartTopology(string Queue, string ItemsAdded, string ItemsRemoved, string Reset, string CheckedOut)
{
    /// <summary><c>warehouse-oms.cart</c> bound to <c>oms.cart-items-added</c>, <c>-items-removed</c>, <c>-reset</c>, <c>-checked-out</c>.</summary>
    public static CartTopology Default { get; } = new(
        Queues.Cart, Exchanges.CartItemsAdded, Exchanges.CartItemsRemoved, Exchanges.CartReset, Exchanges.CartCheckedOut);

    public IReadOnlyList<string> AllExchanges => [ItemsAdded, ItemsRemoved, Reset, CheckedOut];

    public static IReadOnlyList<Type> AllMessageTypes { get; } = [typeof(CartItemsAdded), typeof(CartItemsRemoved), typeof(CartReset), typeof(CartCheckedOut)];

    /// <summary>The contract published to <paramref name="exchange"/>; null for any other exchange.</summary>
    public Type? MessageTypeOf(string? exchange) =>
        exchange == ItemsAdded ? typeof(CartItemsAdded)
        : exchange == ItemsRemoved ? typeof(CartItemsRemoved)
        : exchange == Reset ? typeof(CartReset)
        : exchange == CheckedOut ? typeof(CartCheckedOut)
        : null;
}

/// <summary>
/// The cart's one receive endpoint (ADR 0008). Everything of <see cref="EndpointPolicies"/> (raw JSON,
/// retries, error queue), and:
/// <list type="bullet">
/// <item>one queue bound to the four cart exchanges, so the broker keeps their messages in publish order,
/// with a single active consumer across service instances;</item>
/// <item>deliveries admitted in the broker's order and processed one at a time per customer
/// (<see cref="CustomerOrderFilter"/>), different customers in parallel;</item>
/// <item>a raw message's type is the exchange it was published to (<see cref="CartMessageRouter"/>);</item>
/// <item>a message moved to <c>warehouse-oms.cart_error</c> keeps that exchange in the
/// <c>oms-source-exchange</c> header, so it can be replayed into the queue directly.</item>
/// </list>
/// </summary>
public static class CartEndpoint
{
    /// <summary>
    /// How long a delivery waits for the one delivered before it to be admitted before it goes ahead anyway:
    /// a safety net, not a schedule. MassTransit hands every delivery of a live channel to the pipeline (each
    /// on its own thread-pool task); one is dropped only when the consumer is cancelled, which cancels the
    /// waiting deliveries too. So the only gap this ever sees on a live channel is a delivery whose task has
    /// not run yet: on a loaded 2-core machine (a busy thread pool) that took more than 5 s once, so the
    /// net is wide enough never to reorder a slow delivery.
    /// </summary>
    public static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(60);

    public static void Configure(IBusFactoryConfigurator bus, IBusRegistrationContext context, CartTopology? topology = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(context);
        var cart = topology ?? CartTopology.Default;
        var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
        var logger = (context.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(typeof(CartEndpoint).FullName!);

        bus.ReceiveEndpoint(cart.Queue, endpoint =>
        {
            // The error pipe adds the source exchange header to a message moved to the error queue.
            EndpointPolicies.Apply(endpoint, cart.AllExchanges, options, new SourceExchangeHeaderFilter(cart));
            if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                // With several service instances, competing consumers would take turns on one customer's
                // messages: one instance consumes, the others stand by.
                rabbit.SingleActiveConsumer = true;
            }

            // Before dead-lettering, the error queue and deserialization: the whole pipeline of a delivery
            // runs inside its customer's partition. At most PrefetchCount deliveries are in flight anyway.
            endpoint.ConfigureReceive(receive => receive.UseFilter(new CustomerOrderFilter(options.PrefetchCount, GapTimeout, options.MaxMessageBytes, logger)));

            // Before the message-type router: a raw body claims to be every type, so pick the one.
            endpoint.AddPrePipeSpecification(new FilterSpecification<ConsumeContext>(new CartMessageRouter(cart)));

            endpoint.ConfigureConsumer<CartItemsAddedConsumer>(context);
            endpoint.ConfigureConsumer<CartItemsRemovedConsumer>(context);
            endpoint.ConfigureConsumer<CartResetConsumer>(context);
            endpoint.ConfigureConsumer<CartCheckedOutConsumer>(context);
        });
    }
}

/// <summary>
/// Tells the four consumers which one a message is for. A MassTransit envelope names its type itself (one of
/// another type goes to the error queue with the reason). A raw JSON body does not (and the raw deserializer would hand it to all four), so its type is the
/// exchange it was delivered through, else the exchange named by the <c>oms-source-exchange</c> header;
/// a message with neither goes to the error queue with the reason.
/// </summary>
internal sealed class CartMessageRouter(CartTopology topology) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var receive = context.ReceiveContext;
        if (string.Equals(receive.ContentType?.MediaType, SystemTextJsonMessageSerializer.JsonContentType.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            // An envelope of another type would reach no consumer, and MassTransit would move it to a _skipped queue
            // with no reason: refuse it here, to the error queue with one.
            if (!CartTopology.AllMessageTypes.Any(context.HasMessageType))
            {
                throw new MessageValidationException("cart message",
                [
                    $"a MassTransit envelope of type '{LogText.Escape(string.Join(", ", context.SupportedMessageTypes), 512)}', which is none of the cart's "
                    + $"({string.Join(", ", CartTopology.AllMessageTypes.Select(MessageUrn.ForTypeString))}); publish raw JSON to one of {string.Join(", ", topology.AllExchanges)}",
                ]);
            }

            return next.Send(context);
        }

        var exchange = receive.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery) ? delivery.Exchange : null;
        var header = receive.TransportHeaders.Get<string>(InboundHeaders.SourceExchange);
        var messageType = topology.MessageTypeOf(exchange) ?? topology.MessageTypeOf(header);
        if (messageType is null)
        {
            throw new MessageValidationException("cart message",
            [
                $"cannot tell which cart message this is: delivered through exchange '{exchange}', "
                + $"{InboundHeaders.SourceExchange} header '{LogText.Escape(header, 128)}'; publish to one of {string.Join(", ", topology.AllExchanges)}",
            ]);
        }

        return next.Send(new RoutedConsumeContext(context, messageType));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("cartMessageRouter");
}

/// <summary>A consume context that is exactly one message type.</summary>
internal sealed class RoutedConsumeContext(ConsumeContext context, Type messageType) : ConsumeContextProxy(context)
{
    private readonly string[] supportedMessageTypes = [MessageUrn.ForTypeString(messageType)];

    public override IEnumerable<string> SupportedMessageTypes => supportedMessageTypes;

    public override bool HasMessageType(Type type) => type == messageType;

    public override bool TryGetMessage<T>(out ConsumeContext<T> consumeContext)
    {
        if (typeof(T) == messageType)
        {
            return base.TryGetMessage(out consumeContext);
        }

        consumeContext = null!;
        return false;
    }
}

/// <summary>Records the cart exchange a failed message came through (see <see cref="InboundHeaders.SourceExchange"/>).</summary>
internal sealed class SourceExchangeHeaderFilter(CartTopology topology) : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (context.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery) && topology.MessageTypeOf(delivery.Exchange) is not null)
        {
            context.ExceptionHeaders.Set(InboundHeaders.SourceExchange, delivery.Exchange);
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("sourceExchangeHeader");
}

internal sealed class FilterSpecification<TContext>(IFilter<TContext> filter) : IPipeSpecification<TContext>
    where TContext : class, PipeContext
{
    public void Apply(IPipeBuilder<TContext> builder) => builder.AddFilter(filter);

    public IEnumerable<ValidationResult> Validate() => [];
}
