using Microsoft.Extensions.DependencyInjection.Extensions;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WarehouseOms.Messaging.Cart;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging;

public static class MessagingRegistration
{
    /// <summary>
    /// Registers the inbound consumers on RabbitMQ (MassTransit; sections <c>RabbitMq</c>, <c>Messaging</c>)
    /// (the bus's readiness is <see cref="BusReadinessHealthCheck"/>, registered with the host's checks). Requires <c>AddWarehousePersistence</c> (stock receipts) and
    /// <c>AddWarehouseTemporalClient</c> (the workflows the consumers start and signal).
    /// </summary>
    public static IServiceCollection AddWarehouseMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        AddMessagingOptions(services, configuration);
        services.AddOptions<RabbitMqConnectionOptions>()
            .Bind(configuration.GetSection(RabbitMqConnectionOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IIntakeRecords, WorkflowIntakeRecords>();

        services.AddMassTransit(bus =>
        {
            AddInboundConsumers(bus);
            // MassTransit's own check stays out of readiness: it answers 200 while the broker is unreachable.
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "masstransit";
                health.Tags.Clear(); // its defaults include "ready"
                health.Tags.Add("masstransit");
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var connection = context.GetRequiredService<IOptions<RabbitMqConnectionOptions>>().Value;
                var messaging = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                ConfigureHost(rabbit, connection);
                // A refused message's fault over the broker's limit would close the channel and bring the message back for ever.
                // Faults are only published: a publisher's reply addresses are dropped (PublishedFaultsOnlyConsumeContext).
                rabbit.ConnectPublishObserver(new FaultSizeGuard(messaging.BrokerMaxMessageBytes));
                // Before the endpoints: the kill switch is installed on each endpoint as it is configured.
                OutagePolicy.UseOutageKillSwitch(rabbit, messaging);
                CartMessagingRegistration.ConfigureCartEndpoint(rabbit, context);
                rabbit.ConfigureEndpoints(context);
            });
        });
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            // Let in-flight consumers finish (they are short) before the bus closes on shutdown.
            o.StopTimeout = TimeSpan.FromSeconds(30);
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(20);
        });

        return services;
    }

    /// <summary>Options of the consumers, without the transport (also used by consumer tests).</summary>
    public static IServiceCollection AddMessagingOptions(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MessagingOptions>()
            .Bind(configuration.GetSection(MessagingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<WorkflowWaitRoom>();
        services.AddWarehouseTemporalOptions(configuration);
        return services;
    }

    /// <summary>
    /// The order, stock and item master inbound consumers with their endpoint definitions, and the four cart consumers (whose one
    /// endpoint <see cref="CartMessagingRegistration.ConfigureCartEndpoint"/> configures).
    /// </summary>
    public static void AddInboundConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<OrderSubmittedConsumer, OrderSubmittedConsumerDefinition>();
        bus.AddConsumer<PickCompletedConsumer, PickCompletedConsumerDefinition>();
        bus.AddConsumer<PackCompletedConsumer, PackCompletedConsumerDefinition>();
        bus.AddConsumer<OrderCancellationRequestedConsumer, OrderCancellationRequestedConsumerDefinition>();
        bus.AddConsumer<StockReceivedConsumer, StockReceivedConsumerDefinition>();
        bus.AddConsumer<PaymentApprovedConsumer, PaymentApprovedConsumerDefinition>();
        bus.AddConsumer<OrderLineAddedConsumer, OrderLineAddedConsumerDefinition>();
        bus.AddConsumer<ShipmentDeliveredConsumer, ShipmentDeliveredConsumerDefinition>();
        bus.AddConsumer<SkuRegisteredConsumer, SkuRegisteredConsumerDefinition>();
        bus.AddConsumer<SkuRetiredConsumer, SkuRetiredConsumerDefinition>();
        CartMessagingRegistration.AddCartConsumers(bus);
    }

    private static void ConfigureHost(IRabbitMqBusFactoryConfigurator rabbit, RabbitMqConnectionOptions connection)
    {
        if (connection.Uri is { } uri)
        {
            rabbit.Host(uri);
            return;
        }

        rabbit.Host(connection.Host, (ushort)connection.Port, connection.VirtualHost, host =>
        {
            host.Username(connection.Username);
            host.Password(connection.Password);
        });
    }
}
