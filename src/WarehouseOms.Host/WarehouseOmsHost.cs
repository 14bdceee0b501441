using System.Globalization;
using Serilog;
using Serilog.Formatting.Compact;
using WarehouseOms.Host.Console;
using WarehouseOms.Host.Reconciliation;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Host.Telemetry;
using WarehouseOms.Persistence;

namespace WarehouseOms.Host;

/// <summary>
/// Builds the service: Program.cs runs it, integration tests start the very same thing in-process with
/// configuration overrides (a fresh database, a random HTTP port).
/// </summary>
public static class WarehouseOmsHost
{
    /// <summary>
    /// Configuration (appsettings.json, appsettings.{Environment}.json, environment variables, command line,
    /// then <paramref name="overrides"/>, which win), Serilog, every module, health endpoints.
    /// Starts the embedded Temporal dev server when <c>Temporal:Address</c> is empty.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(
        string[] args,
        Action<IConfigurationBuilder>? overrides = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        overrides?.Invoke(builder.Configuration);

        var configuration = builder.Configuration;
        builder.AddWarehouseLogging();
        builder.Services.AddHostedService<ActivitySpanLog>();
        builder.Services.Configure<HostOptions>(configuration.GetSection("Host"));
        builder.Services.AddWarehousePersistence(configuration);
        builder.Services.AddOutboxRelay(configuration);
        await builder.AddWarehouseTemporalAsync(cancellationToken).ConfigureAwait(false);
        builder.Services.AddWarehouseMessaging(configuration);
        builder.Services.AddWarehouseHealthChecks();
        builder.Services.AddOperatorConsole(configuration);
        builder.Services.AddReconciler(configuration);
        builder.AddWarehouseOmsTelemetry();

        var app = builder.Build();
        app.MapWarehouseHealthEndpoints();
        app.MapWarehouseOmsTelemetry();
        app.MapCartEndpoints();
        app.MapOrderEndpoints();
        app.MapOperatorConsoleAndApiDocs();
        app.MapReconciliation();
        return app;
    }

    private const string TextTemplate =
        "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    /// <summary>
    /// Structured console logging: compact JSON (<c>Serilog:JsonConsole</c>, default true) or readable text
    /// with every property; levels and overrides from the <c>Serilog:MinimumLevel</c> section.
    /// </summary>
    public static WebApplicationBuilder AddWarehouseLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var json = builder.Configuration.GetValue("Serilog:JsonConsole", true);
        builder.Services.AddSerilog((services, logger) =>
        {
            logger
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Application", "WarehouseOms");
            if (json)
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture);
            }
        });
        return builder;
    }
}
