using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Temporalio.Extensions.Hosting;
using WarehouseOms.Activities.Payments;

namespace WarehouseOms.Activities;

public static class ActivitiesRegistration
{
    /// <summary>
    /// Registers the OMS, IMS, WMS, SMS, customer, payment (with the simulated provider, section
    /// <c>Payments</c>) and notification activities on a hosted Temporal worker as scoped services
    /// (a fresh DbContext per activity attempt), and a trace span around every activity attempt of the
    /// worker (<see cref="ActivityTracingInterceptor"/>). Requires <c>AddWarehousePersistence</c>.
    /// </summary>
    public static ITemporalWorkerServiceOptionsBuilder AddWarehouseActivities(this ITemporalWorkerServiceOptionsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<PaymentProviderOptions>()
            .BindConfiguration(PaymentProviderOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IPaymentProvider, SimulatedPaymentProvider>();
        return builder
            .AddScopedActivities<OmsActivities>()
            .AddScopedActivities<ImsActivities>()
            .AddScopedActivities<WmsActivities>()
            .AddScopedActivities<SmsActivities>()
            .AddScopedActivities<CustomerActivities>()
            .AddScopedActivities<PaymentActivities>()
            .AddScopedActivities<NotificationActivities>()
            .ConfigureOptions(worker => worker.Interceptors = [.. worker.Interceptors ?? [], new ActivityTracingInterceptor()]);
    }
}
