using Temporalio.Workflows;

namespace WarehouseOms.Workflows;

/// <summary>
/// Counters recorded in workflow code through <see cref="Workflow.MetricMeter"/>, which records nothing while
/// a history replays (so a replay never counts twice). They reach the service's meter <c>WarehouseOms</c>
/// through the Temporal runtime's metric bridge (ADR 0022).
/// </summary>
public static class WorkflowMetrics
{
    /// <summary>Signals ignored because the workflow had already applied their message ID; tag <c>signal</c>.</summary>
    public const string SignalsDeduplicated = "warehouse_oms.signals.deduplicated";

    public static void SignalDeduplicated(string signal) =>
        Workflow.MetricMeter
            .CreateCounter<long>(SignalsDeduplicated, "{signal}", "Signals ignored as redeliveries of a message already applied")
            .WithTags(new Dictionary<string, object> { ["signal"] = signal })
            .Add(1);
}
