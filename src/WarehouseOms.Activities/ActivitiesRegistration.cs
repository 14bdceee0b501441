using Temporalio.Extensions.Hosting;

namespace WarehouseOms.Activities;

public static class ActivitiesRegistration
{
    /// <summary>
    /// Registers the OMS, IMS, WMS and SMS activities on a hosted Temporal worker as scoped services
    /// (a fresh DbContext per activity attempt), and a trace span around every activity attempt of the
    /// worker (<see cref="ActivityTracingInterceptor"/>). Requires <c>AddWarehousePersistence</c>.
    /// </summary>
    public static ITemporalWorkerServiceOptionsBuilder AddWarehouseActivities(this ITemporalWorkerServiceOptionsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddScopedActivities<OmsActivities>()
            .AddScopedActivities<ImsActivities>()
            .AddScopedActivities<WmsActivities>()
            .AddScopedActivities<SmsActivities>()
            .ConfigureOptions(worker => worker.Interceptors = [.. worker.Interceptors ?? [], new ActivityTracingInterceptor()]);
    }
}
