using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WarehouseOms.Messaging.Outbox;

public static class OutboxRelayRegistration
{
    /// <summary>
    /// Registers the outbox relay hosted service (unless <c>Outbox:Enabled</c> is false), its options
    /// (section <c>Outbox</c>), the broker connection options (section <c>RabbitMq</c>), and
    /// <see cref="OutboxRelayHealth"/> + <see cref="OutboxRelayHealthCheck"/> for the readiness endpoint
    /// (add it with <c>AddHealthChecks().AddCheck&lt;OutboxRelayHealthCheck&gt;("outbox-relay", tags: ["ready"])</c>).
    /// Requires <c>AddWarehousePersistence</c> (it uses its NpgsqlDataSource) registered before it.
    /// </summary>
    public static IServiceCollection AddOutboxRelay(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<OutboxRelayOptions>()
            .Bind(configuration.GetSection(OutboxRelayOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.MinBackoff <= o.MaxBackoff, "Outbox:MinBackoff must not exceed Outbox:MaxBackoff.")
            .ValidateOnStart();
        services.AddOptions<RabbitMqConnectionOptions>()
            .Bind(configuration.GetSection(RabbitMqConnectionOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxRelayHealth>();
        services.TryAddSingleton<OutboxRelayHealthCheck>();
        services.TryAddSingleton<OutboxBacklogHealthCheck>();

        if (configuration.GetSection(OutboxRelayOptions.SectionName).GetValue(nameof(OutboxRelayOptions.Enabled), true))
        {
            services.AddHostedService<OutboxRelay>();
        }

        return services;
    }
}
