using MassTransit;

namespace WarehouseOms.Messaging.Cart;

public static class CartMessagingRegistration
{
    /// <summary>
    /// The four oms.cart-* consumers. They are left out of <c>ConfigureEndpoints</c>: they share the one
    /// endpoint that <see cref="ConfigureCartEndpoint"/> configures.
    /// </summary>
    public static void AddCartConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<CartItemsAddedConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<CartItemsRemovedConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<CartResetConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<CartCheckedOutConsumer>().ExcludeFromConfigureEndpoints();
    }

    /// <summary>
    /// The receive endpoint <c>warehouse-oms.cart</c> of the four consumers (<see cref="CartEndpoint"/>);
    /// call it in the transport's configure callback, next to <c>ConfigureEndpoints</c>.
    /// </summary>
    public static void ConfigureCartEndpoint(IBusFactoryConfigurator bus, IBusRegistrationContext context, CartTopology? topology = null) =>
        CartEndpoint.Configure(bus, context, topology);
}
