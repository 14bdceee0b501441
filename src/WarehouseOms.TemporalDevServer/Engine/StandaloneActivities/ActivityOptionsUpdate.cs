using Temporalio.Api.Activity.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;

/// <summary>
/// UpdateActivityExecutionOptions' options and field mask: the frontend's checks (for a workflow's activity and a
/// standalone one alike), and the merge into a standalone activity's options, in Temporal's order and with its messages.
/// </summary>
internal static class ActivityOptionsUpdate
{
    // The paths Temporal's frontend accepts, in their JSON form.
    private static readonly HashSet<string> SupportedPaths =
    [
        "taskQueue.name", "scheduleToCloseTimeout", "scheduleToStartTimeout", "startToCloseTimeout", "heartbeatTimeout",
        "priority", "priority.priorityKey", "priority.fairnessKey", "priority.fairnessWeight",
        "retryPolicy", "retryPolicy.initialInterval", "retryPolicy.backoffCoefficient", "retryPolicy.maximumInterval", "retryPolicy.maximumAttempts",
        "startDelay",
    ];

    /// <summary>
    /// The checks after the request's IDs: mask or restore, the paths, then each updated value. A whole retry policy
    /// is given Temporal's defaults here (so an empty one means the default policy).
    /// </summary>
    public static void Validate(UpdateActivityExecutionOptionsRequest r)
    {
        if (r.UpdateMask?.Paths.Count > 0 && r.RestoreOriginal)
        {
            throw Errors.InvalidArgument("Both UpdateMask and RestoreOriginal are provided");
        }

        if (r.RestoreOriginal)
        {
            return;
        }

        var options = r.ActivityOptions ?? throw Errors.InvalidArgument("ActivityOptions are not provided");
        if (r.UpdateMask is null)
        {
            throw Errors.InvalidArgument("UpdateMask is not provided");
        }

        if (r.UpdateMask.Paths.Count == 0)
        {
            throw Errors.InvalidArgument("UpdateMask must specify at least one path");
        }

        if (r.UpdateMask.Paths.FirstOrDefault(p => !SupportedPaths.Contains(FieldMaskPaths.ToCamel(p))) is { } unsupported)
        {
            throw Errors.InvalidArgument($"unsupported update_mask path: \"{unsupported}\"");
        }

        var fields = FieldMaskPaths.Parse(r.UpdateMask);
        if (fields.Contains("taskQueue.name"))
        {
            TaskQueueNames.RequireUserDefined(options.TaskQueue);
        }

        RequireValid(fields, "scheduleToCloseTimeout", options.ScheduleToCloseTimeout, "ScheduleToCloseTimeout");
        RequireValid(fields, "scheduleToStartTimeout", options.ScheduleToStartTimeout, "ScheduleToStartTimeout");
        RequireValid(fields, "startToCloseTimeout", options.StartToCloseTimeout, "StartToCloseTimeout");
        RequireValid(fields, "heartbeatTimeout", options.HeartbeatTimeout, "HeartbeatTimeout");
        var priority = options.Priority;
        RequireNoProblem(fields.Contains("priority") ? Priorities.Problem(priority) : null);
        RequireNoProblem(fields.Contains("priority.priorityKey") ? Priorities.Problem(new Priority { PriorityKey = priority?.PriorityKey ?? 0 }) : null);
        RequireNoProblem(fields.Contains("priority.fairnessKey") ? Priorities.Problem(new Priority { FairnessKey = priority?.FairnessKey ?? string.Empty }) : null);
        RequireNoProblem(fields.Contains("priority.fairnessWeight") ? Priorities.Problem(new Priority { FairnessWeight = priority?.FairnessWeight ?? 0 }) : null);
        if (fields.Contains("retryPolicy"))
        {
            options.RetryPolicy = WithDefaults(options.RetryPolicy);
            RequireNoProblem(RetryPolicyRules.Problem(options.RetryPolicy));
        }

        var retry = options.RetryPolicy;
        RequireValid(fields, "retryPolicy.initialInterval", retry?.InitialInterval, "InitialInterval set on retry policy");
        RequireNoProblem(fields.Contains("retryPolicy.backoffCoefficient") && (retry?.BackoffCoefficient ?? 0) < 1
            ? "BackoffCoefficient cannot be less than 1 on retry policy." : null);
        RequireValid(fields, "retryPolicy.maximumInterval", retry?.MaximumInterval, "MaximumInterval set on retry policy");
        RequireNoProblem(fields.Contains("retryPolicy.maximumAttempts") && (retry?.MaximumAttempts ?? 0) < 0
            ? "MaximumAttempts cannot be negative on retry policy." : null);
    }

    /// <summary>
    /// Temporal's merge of the masked fields into <paramref name="current"/> (a copy is returned), then the retry
    /// policy's check when a part of it changed.
    /// </summary>
    public static ActivityOptions Merge(ActivityOptions current, ActivityOptions from, IReadOnlySet<string> fields)
    {
        var merged = current.Clone();
        if (fields.Contains("taskQueue.name"))
        {
            (merged.TaskQueue ??= new()).Name = (from.TaskQueue ?? throw Errors.InvalidArgument("TaskQueue is not provided")).Name;
        }

        if (fields.Contains("scheduleToCloseTimeout"))
        {
            merged.ScheduleToCloseTimeout = from.ScheduleToCloseTimeout;
        }

        if (fields.Contains("scheduleToStartTimeout"))
        {
            merged.ScheduleToStartTimeout = from.ScheduleToStartTimeout;
        }

        if (fields.Contains("startToCloseTimeout"))
        {
            merged.StartToCloseTimeout = from.StartToCloseTimeout;
        }

        if (fields.Contains("heartbeatTimeout"))
        {
            merged.HeartbeatTimeout = from.HeartbeatTimeout;
        }

        if (fields.Contains("priority"))
        {
            merged.Priority = from.Priority;
        }

        Priority PriorityFrom() => from.Priority ?? throw Errors.InvalidArgument("Priority is not provided");
        if (fields.Contains("priority.priorityKey"))
        {
            (merged.Priority ??= new Priority()).PriorityKey = PriorityFrom().PriorityKey;
        }

        if (fields.Contains("priority.fairnessKey"))
        {
            (merged.Priority ??= new Priority()).FairnessKey = PriorityFrom().FairnessKey;
        }

        if (fields.Contains("priority.fairnessWeight"))
        {
            (merged.Priority ??= new Priority()).FairnessWeight = PriorityFrom().FairnessWeight;
        }

        RetryPolicy RetryFrom() => from.RetryPolicy ?? throw Errors.InvalidArgument("RetryPolicy is not provided");
        if (fields.Contains("retryPolicy"))
        {
            merged.RetryPolicy = RetryFrom().Clone();
        }

        if (fields.Contains("retryPolicy.initialInterval"))
        {
            (merged.RetryPolicy ??= new RetryPolicy()).InitialInterval = RetryFrom().InitialInterval;
        }

        if (fields.Contains("retryPolicy.backoffCoefficient"))
        {
            (merged.RetryPolicy ??= new RetryPolicy()).BackoffCoefficient = RetryFrom().BackoffCoefficient;
        }

        if (fields.Contains("retryPolicy.maximumInterval"))
        {
            (merged.RetryPolicy ??= new RetryPolicy()).MaximumInterval = RetryFrom().MaximumInterval;
        }

        if (fields.Contains("retryPolicy.maximumAttempts"))
        {
            (merged.RetryPolicy ??= new RetryPolicy()).MaximumAttempts = RetryFrom().MaximumAttempts;
        }

        if (fields.Contains("startDelay"))
        {
            merged.StartDelay = from.StartDelay;
        }

        if (FieldMaskPaths.HasSubPath(fields, "retryPolicy"))
        {
            RequireNoProblem(RetryPolicyRules.Problem(merged.RetryPolicy));
        }

        return merged;
    }

    /// <summary>What Temporal checks before restoring the options a run started with.</summary>
    public static ActivityOptions RequireRestorable(ActivityOptions? original)
    {
        if (string.IsNullOrEmpty(original?.TaskQueue?.Name))
        {
            throw Errors.InvalidArgument("cannot restore original options: no original task queue was recorded for this activity");
        }

        if (Valid(original.ScheduleToCloseTimeout, "ScheduleToCloseTimeout") <= TimeSpan.Zero && Valid(original.StartToCloseTimeout, "StartToCloseTimeout") <= TimeSpan.Zero)
        {
            throw Errors.InvalidArgument("cannot restore original options: no original schedule-to-close or start-to-close timeout was recorded for this activity");
        }

        return original;
    }

    private static void RequireValid(IReadOnlySet<string> fields, string path, Google.Protobuf.WellKnownTypes.Duration? value, string name)
    {
        if (fields.Contains(path))
        {
            Valid(value, name);
        }
    }

    private static void RequireNoProblem(string? problem)
    {
        if (problem is not null)
        {
            throw Errors.InvalidArgument(problem);
        }
    }
}
