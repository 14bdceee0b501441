using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Temporalio.Client;
using WarehouseOms.Activities;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Temporal.Tracing;

namespace WarehouseOms.Host.Telemetry;

/// <summary>
/// Traces and metrics through OpenTelemetry (ADR 0022), from section <c>Telemetry</c>; nothing is recorded
/// or exported unless <c>Telemetry:Tracing</c> or <c>Telemetry:Metrics</c> is true. Trace context crosses
/// Temporal (header <c>traceparent</c>) and the outbox (column <c>trace_parent</c>) whatever is configured
/// here; this only decides what is recorded and where it goes.
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>Every ActivitySource the service's traces are made of.</summary>
    public static IReadOnlyList<string> TraceSources { get; } =
    [
        "MassTransit", TracingClientInterceptor.SourceName, ActivityTracing.SourceName, OutboxTracing.SourceName,
    ];

    /// <summary>Every meter exported besides the instrumentation packages' own.</summary>
    public static IReadOnlyList<string> Meters { get; } = ["MassTransit", TemporalMetricBridge.MeterName, MessagingMetrics.MeterName];

    public static WebApplicationBuilder AddWarehouseOmsTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TelemetryOptions>()
            .Bind(builder.Configuration.GetSection(TelemetryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Tracing && !options.Metrics)
        {
            return builder;
        }

        // OTEL_SERVICE_NAME (read by the SDK's resource detector) wins over Telemetry:ServiceName.
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } fromEnvironment ? fromEnvironment : options.ServiceName));
        if (options.OtlpEnabled)
        {
            // Endpoint, protocol, headers: the standard OTEL_EXPORTER_OTLP_* variables.
            telemetry.UseOtlpExporter();
        }

        if (options.Tracing)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource([.. TraceSources])
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = http => !http.Request.Path.StartsWithSegments(options.PrometheusPath))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        }

        if (options.Metrics)
        {
            // The Temporal client (and the workers on it) report through the bridge's runtime.
            builder.Services.Configure<TemporalClientConnectOptions>(client => client.Runtime = TemporalMetricBridge.Runtime);
            builder.Services.AddHostedService<OperationalMetrics>();
            telemetry.WithMetrics(metrics =>
            {
                metrics
                    .AddMeter([.. Meters])
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (options.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        }

        return builder;
    }

    /// <summary>The Prometheus scrape endpoint (<c>Telemetry:PrometheusPath</c>), when metrics and Prometheus are on.</summary>
    public static WebApplication MapWarehouseOmsTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Metrics && options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(options.PrometheusPath);
        }

        return app;
    }
}
