using System.Diagnostics.Metrics;
using Temporalio.Runtime;
using WarehouseOms.Messaging;

namespace WarehouseOms.Host.Telemetry;

/// <summary>
/// The Temporal SDK's metrics (its core runtime's: requests, polls, task latencies, slots, and what
/// workflows record through <c>Workflow.MetricMeter</c>) as System.Diagnostics.Metrics instruments, so the
/// OpenTelemetry pipeline exports them with everything else. SDK metrics go to the meter
/// <see cref="MeterName"/>; ours (names starting <see cref="OwnPrefix"/>) to <see cref="MessagingMetrics.MeterName"/>.
/// </summary>
public sealed class TemporalMetricBridge : ICustomMetricMeter
{
    public const string MeterName = "Temporalio";

    public const string OwnPrefix = "warehouse_oms.";

    private static readonly Meter SdkMeter = new(MeterName);
    private static readonly Meter OwnMeter = new(MessagingMetrics.MeterName);

    /// <summary>
    /// One runtime for the process (each has its own threads), built on first use: the Temporal client of
    /// every host in this process reports through it.
    /// </summary>
    public static TemporalRuntime Runtime => LazyRuntime.Value;

    private static readonly Lazy<TemporalRuntime> LazyRuntime = new(() => new TemporalRuntime(new TemporalRuntimeOptions
    {
        Telemetry = new Temporalio.Runtime.TelemetryOptions
        {
            Metrics = new MetricsOptions
            {
                CustomMetricMeter = new TemporalMetricBridge(),
                CustomMetricMeterOptions = new CustomMetricMeterOptions
                {
                    HistogramDurationFormat = CustomMetricMeterOptions.DurationFormat.FloatSeconds,
                },
            },
        },
    }));

    public ICustomMetricCounter<T> CreateCounter<T>(string name, string? unit, string? description)
        where T : struct => new Counter<T>(MeterFor(name).CreateCounter<T>(name, unit, description));

    public ICustomMetricHistogram<T> CreateHistogram<T>(string name, string? unit, string? description)
        where T : struct => new Histogram<T>(MeterFor(name).CreateHistogram<T>(name, unit, description));

    public ICustomMetricGauge<T> CreateGauge<T>(string name, string? unit, string? description)
        where T : struct => new Gauge<T>(MeterFor(name).CreateGauge<T>(name, unit, description));

    /// <summary>Tags are an immutable array; a tag set made from another starts with its tags.</summary>
    public object CreateTags(object? appendFrom, IReadOnlyCollection<KeyValuePair<string, object>> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var inherited = appendFrom as KeyValuePair<string, object?>[] ?? [];
        return inherited.Concat(tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value))).ToArray();
    }

    private static Meter MeterFor(string name) => name.StartsWith(OwnPrefix, StringComparison.Ordinal) ? OwnMeter : SdkMeter;

    private static ReadOnlySpan<KeyValuePair<string, object?>> Tags(object tags) => (KeyValuePair<string, object?>[])tags;

    private sealed class Counter<T>(System.Diagnostics.Metrics.Counter<T> counter) : ICustomMetricCounter<T>
        where T : struct
    {
        public void Add(T value, object tags) => counter.Add(value, Tags(tags));
    }

    private sealed class Histogram<T>(System.Diagnostics.Metrics.Histogram<T> histogram) : ICustomMetricHistogram<T>
        where T : struct
    {
        public void Record(T value, object tags) => histogram.Record(value, Tags(tags));
    }

    private sealed class Gauge<T>(System.Diagnostics.Metrics.Gauge<T> gauge) : ICustomMetricGauge<T>
        where T : struct
    {
        public void Set(T value, object tags) => gauge.Record(value, Tags(tags));
    }
}
