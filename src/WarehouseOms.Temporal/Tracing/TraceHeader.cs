using System.Diagnostics;
using Temporalio.Api.Common.V1;
using Temporalio.Converters;

namespace WarehouseOms.Temporal.Tracing;

/// <summary>
/// The W3C trace context of the message that caused a Temporal call, carried in the Temporal header
/// <c>traceparent</c> (a JSON string payload, readable by any SDK): set by <see cref="TracingClientInterceptor"/>,
/// passed on by <see cref="TraceContextWorkerInterceptor"/> from a workflow to its activities and children,
/// read back by the activity span.
/// </summary>
public static class TraceHeader
{
    public const string Name = "traceparent";

    /// <summary>
    /// The <c>traceparent</c> of the latest signal that carried one: activities scheduled after it link to it
    /// (the signal's message caused the step), while their parent stays the workflow's start.
    /// </summary>
    public const string LinkName = "tracelink";

    /// <summary>The W3C <c>traceparent</c> of <paramref name="activity"/>, or null when it is not in W3C format.</summary>
    public static string? TraceParentOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : null;

    /// <summary>Headers with <paramref name="value"/> under <paramref name="name"/> (an existing value wins); the input is not changed.</summary>
    public static IDictionary<string, Payload>? With(IDictionary<string, Payload>? headers, Payload? value, string name = Name)
    {
        if (value is null || (headers?.ContainsKey(name) ?? false))
        {
            return headers;
        }

        return new Dictionary<string, Payload>(headers ?? new Dictionary<string, Payload>(), StringComparer.Ordinal) { [name] = value };
    }

    public static Payload Encode(string traceParent) => DataConverter.Default.PayloadConverter.ToPayload(traceParent);

    /// <summary>The header's payload as it is, for passing on unchanged (no decoding: safe in workflow code).</summary>
    public static Payload? Find(IReadOnlyDictionary<string, Payload>? headers, string name = Name) =>
        headers is not null && headers.TryGetValue(name, out var payload) ? payload : null;

    /// <summary>The trace context in the headers, or null when there is none or it is not a valid <c>traceparent</c>.</summary>
    public static ActivityContext? Extract(IReadOnlyDictionary<string, Payload>? headers, string name = Name)
    {
        if (Find(headers, name) is not { } payload)
        {
            return null;
        }

        try
        {
            var value = DataConverter.Default.PayloadConverter.ToValue<string>(payload);
            return ActivityContext.TryParse(value, traceState: null, isRemote: true, out var context) ? context : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or ArgumentException)
        {
            return null;
        }
    }
}
