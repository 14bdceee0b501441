using System.ComponentModel.DataAnnotations;

namespace WarehouseOms.Host.Telemetry;

/// <summary>Configuration section <c>Telemetry</c> (ADR 0022). Everything is off unless switched on here.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Record traces (MassTransit, ASP.NET Core, HTTP clients, Npgsql, Temporal calls, activities, outbox publishes).</summary>
    public bool Tracing { get; set; }

    /// <summary>Record metrics (MassTransit, Npgsql, ASP.NET Core, runtime, the Temporal SDK, the meter <c>WarehouseOms</c>).</summary>
    public bool Metrics { get; set; }

    /// <summary>With <see cref="Metrics"/>: serve Prometheus text at <see cref="PrometheusPath"/>.</summary>
    public bool Prometheus { get; set; } = true;

    [Required]
    [RegularExpression("^/.*", ErrorMessage = "Telemetry:PrometheusPath must start with '/'.")]
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// Export over OTLP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the standard <c>OTEL_EXPORTER_OTLP_*</c> variables
    /// apply). Unset: on when that variable is set.
    /// </summary>
    public bool? Otlp { get; set; }

    /// <summary>The <c>service.name</c> resource attribute (<c>OTEL_SERVICE_NAME</c> wins when set).</summary>
    [Required]
    public string ServiceName { get; set; } = "warehouse-oms";

    /// <summary>How often the database and broker gauges (outbox, orders by status, error queues) are sampled.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    public bool OtlpEnabled => Otlp ?? !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
}
