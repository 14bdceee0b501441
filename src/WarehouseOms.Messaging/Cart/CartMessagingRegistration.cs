using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WarehouseOms.Messaging.Cart;

public static class CartMessagingRegistration
{
    /// <summary>The cart gateway over the registered <c>ITemporalClient</c> (task queues from section <c>Temporal</c>).</summary>
    public static IServiceCollection AddCartGateway(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ICartGateway, TemporalCartGateway>();
        return services;
    }

    /// <summary>The four oms.cart-* consumers with their endpoint definitions.</summary>
    public static void AddCartConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<CartItemsAddedConsumer, CartItemsAddedConsumerDefinition>();
        bus.AddConsumer<CartItemsRemovedConsumer, CartItemsRemovedConsumerDefinition>();
        bus.AddConsumer<CartResetConsumer, CartResetConsumerDefinition>();
        bus.AddConsumer<CartCheckedOutConsumer, CartCheckedOutConsumerDefinition>();
    }
}
