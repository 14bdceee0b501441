using Microsoft.Extensions.DependencyInjection.Extensions;
using WarehouseOms.Host.Console;
using WarehouseOms.Temporal;

namespace WarehouseOms.Host.Reconciliation;

/// <summary>Wiring of the reconciler (ADR 0030).</summary>
public static class ReconciliationRegistration
{
    /// <summary>
    /// Section <c>Reconciler</c>; the <see cref="Reconciler"/> and its periodic run. Needs the persistence,
    /// Temporal client and activities (the payment provider) modules.
    /// </summary>
    public static IServiceCollection AddReconciler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReconcilerOptions>()
            .Bind(configuration.GetSection(ReconcilerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<FulfillmentRuns>();
        services.AddSingleton<Reconciler>();
        services.AddHostedService<ReconcilerService>();
        return services;
    }

    /// <summary><c>GET /reconciliation</c>: the settings and the last run's findings, for read-key holders.</summary>
    public static WebApplication MapReconciliation(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/reconciliation", (Reconciler reconciler) =>
            {
                var o = reconciler.Options;
                return Results.Ok(new ReconciliationView(o.Enabled, o.Interval, o.MinAge, reconciler.LastRun));
            })
            .WithTags("Reconciliation")
            .AddEndpointFilter<RequireReadAccess>();
        return app;
    }
}
