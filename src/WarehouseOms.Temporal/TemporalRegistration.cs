using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;
using WarehouseOms.Temporal.Tracing;

namespace WarehouseOms.Temporal;

/// <summary>Wiring of the module: options, the client, the typed workflow APIs.</summary>
public static class TemporalRegistration
{
    /// <summary>
    /// The Temporal client for <paramref name="targetHost"/> (namespace from section <c>Temporal</c>), the
    /// typed APIs of the workflows (<see cref="IOrderWorkflows"/>, <see cref="ICartWorkflows"/>,
    /// <see cref="IReplenishmentWorkflows"/>) over it, and the options (<see cref="AddWarehouseTemporalOptions"/>).
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">Sections <c>Temporal</c>, <c>Fulfillment</c>, <c>Payments</c>.</param>
    /// <param name="connection">Where and how to connect (<see cref="TemporalConnection.Load"/>; for the embedded engine, its address only).</param>
    public static IServiceCollection AddWarehouseTemporalClient(this IServiceCollection services, IConfiguration configuration, TemporalClientConnectOptions connection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(connection.TargetHost);
        services.AddWarehouseTemporalOptions(configuration);
        services.AddTemporalClient(client =>
        {
            TemporalConnection.CopyTo(connection, client);
            // The message's trace context travels into the workflow (ADR 0022); nothing is added without one.
            client.Interceptors = [.. client.Interceptors ?? [], new TracingClientInterceptor()];
        });
        services.TryAddSingleton<IOrderWorkflows, TemporalOrderWorkflows>();
        services.TryAddSingleton<ICartWorkflows, TemporalCartWorkflows>();
        services.TryAddSingleton<IReplenishmentWorkflows, TemporalReplenishmentWorkflows>();
        return services;
    }

    /// <summary>
    /// Sections <c>Temporal</c>, <c>Fulfillment</c> and <c>Payments</c> (into <see cref="FulfillmentSettings.Payments"/>),
    /// validated at start. Idempotent: consumers' tests call it without a client.
    /// </summary>
    public static IServiceCollection AddWarehouseTemporalOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TemporalOptions>) && d.ImplementationType == typeof(TemporalOptionsValidation)))
        {
            return services;
        }

        services.AddOptions<TemporalOptions>().Bind(configuration.GetSection(TemporalOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TemporalOptions>, TemporalOptionsValidation>();
        services.AddOptions<FulfillmentSettings>()
            .Bind(configuration.GetSection(FulfillmentSettings.SectionName))
            .Configure(settings => configuration.GetSection(PaymentSettings.SectionName).Bind(settings.Payments))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<FulfillmentSettings>, FulfillmentSettingsValidation>();
        return services;
    }

    /// <summary>
    /// A client for tools outside the service's container (the CLI): connects at once, so an unreachable
    /// server is reported here rather than on the first call.
    /// </summary>
    /// <remarks>TLS, mTLS and the API key come from Temporal's environment configuration (<see cref="TemporalConnection"/>).</remarks>
    public static Task<TemporalClient> ConnectAsync(string address, string @namespace) =>
        TemporalClient.ConnectAsync(TemporalConnection.Load(new TemporalOptions { Address = address, Namespace = @namespace }));
}
