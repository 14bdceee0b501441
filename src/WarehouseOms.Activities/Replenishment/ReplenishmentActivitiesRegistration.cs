using Temporalio.Extensions.Hosting;

namespace WarehouseOms.Activities.Replenishment;

public static class ReplenishmentActivitiesRegistration
{
    /// <summary>
    /// Registers the replenishment activities on a hosted Temporal worker as scoped services (a fresh
    /// DbContext per attempt). Requires <c>AddWarehousePersistence</c>.
    /// </summary>
    public static ITemporalWorkerServiceOptionsBuilder AddReplenishmentActivities(this ITemporalWorkerServiceOptionsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScopedActivities<ReplenishmentActivities>();
    }
}
