using Temporalio.Api.Common.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Task priorities as Temporal's history and matching read them.</summary>
internal static class Priorities
{
    /// <summary>Matching's default key: the middle of its five levels, for a task whose key is unset (0).</summary>
    public const int DefaultKey = 3;

    /// <summary>Field by field, the override's set fields win (an activity over its workflow, a child's command over its parent).</summary>
    public static Priority? Merge(Priority? baseline, Priority? overriding) =>
        baseline is null ? overriding
        : overriding is null ? baseline
        : new Priority
        {
            PriorityKey = overriding.PriorityKey != 0 ? overriding.PriorityKey : baseline.PriorityKey,
            FairnessKey = overriding.FairnessKey.Length > 0 ? overriding.FairnessKey : baseline.FairnessKey,
            FairnessWeight = overriding.FairnessWeight != 0 ? overriding.FairnessWeight : baseline.FairnessWeight,
        };

    /// <summary>Temporal's priorities.Validate: why the priority is refused, or null.</summary>
    public static string? Problem(Priority? priority) =>
        priority is null ? null
        : priority.PriorityKey < 0 ? "priority key can't be negative"
        : priority.FairnessKey.Length > 64 ? "fairness key length exceeds limit"
        : priority.FairnessWeight < 0 ? "must be greater than zero"
        : null;

    /// <summary>The key a task is dispatched by: its own, or the default when unset. Not clamped, as Temporal's in-memory order is not.</summary>
    public static int DispatchKey(Priority? priority) => priority?.PriorityKey is > 0 and var key ? key : DefaultKey;
}
