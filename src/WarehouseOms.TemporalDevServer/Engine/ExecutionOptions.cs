using Google.Protobuf.Reflection;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Deployments;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// UpdateWorkflowExecutionOptions, as Temporal's history service applies it: the options the field mask names
/// (versioning override, priority) are merged into the run's; a change is recorded as
/// WorkflowExecutionOptionsUpdated (no workflow task of its own) and, when it moves the run to another version
/// or behavior, the run leaves its sticky worker and its queued tasks are offered again to the pollers now
/// entitled to them. A request that changes nothing writes nothing and answers the run's options.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const string OptionsMessage = "temporal.api.workflow.v1.WorkflowExecutionOptions";

    public UpdateWorkflowExecutionOptionsResponse UpdateWorkflowExecutionOptions(UpdateWorkflowExecutionOptionsRequest request)
    {
        if (string.IsNullOrEmpty(request.WorkflowExecution?.WorkflowId))
        {
            throw Errors.InvalidArgument("WorkflowId is not set on request.");
        }

        if (request.UpdateMask is null)
        {
            throw Errors.InvalidArgument("UpdateMask is required");
        }

        var requested = request.WorkflowExecutionOptions ?? throw Errors.InvalidArgument("WorkflowExecutionOptions is required");
        var paths = MaskPaths(request.UpdateMask.Paths, "error parsing UpdateMask");
        if (Priorities.Problem(requested.Priority) is { } badPriority)
        {
            throw Errors.InvalidArgument(badPriority);
        }

        using (gate.Enter())
        {
            var execution = Find(request.Namespace, request.WorkflowExecution.WorkflowId, request.WorkflowExecution.RunId);
            if (!execution.IsOpen)
            {
                throw Errors.AlreadyCompleted();
            }

            requested = WithCurrentPinnedVersion(execution, requested);
            RequireUsableOverride(requested.VersioningOverride, execution.Namespace, execution.TaskQueue);
            var current = OptionsOf(execution);
            var merged = Merge(current.Clone(), requested, paths);
            if (merged.Equals(current))
            {
                return new UpdateWorkflowExecutionOptionsResponse { WorkflowExecutionOptions = merged };
            }

            ApplyOptions(execution, merged, request.Identity ?? string.Empty);
            return new UpdateWorkflowExecutionOptionsResponse { WorkflowExecutionOptions = merged };
        }
    }

    private static WorkflowExecutionOptions OptionsOf(Execution execution) => new()
    {
        VersioningOverride = execution.VersioningInfo?.VersioningOverride?.Clone(),
        Priority = execution.Priority?.Clone(),
    };

    /// <summary>A pinned override without a version pins the run where it is: allowed only when it is already pinned.</summary>
    private static WorkflowExecutionOptions WithCurrentPinnedVersion(Execution execution, WorkflowExecutionOptions requested)
    {
        if (requested.VersioningOverride?.Pinned is not { Version: null } pinned ||
            pinned.Behavior == VersioningOverride.Types.PinnedOverrideBehavior.Unspecified)
        {
            return requested;
        }

        var behavior = VersioningOverrides.EffectiveBehavior(execution.VersioningInfo);
        if (behavior != VersioningBehavior.Pinned)
        {
            throw Errors.FailedPrecondition(
                $"must specify a specific pinned override version because workflow with id {execution.WorkflowId} has behavior {VersioningOverrides.GoName(behavior)} and is not yet pinned to any version");
        }

        var filled = requested.Clone();
        filled.VersioningOverride.Pinned.Version = VersioningOverrides.EffectiveVersion(execution.VersioningInfo)!.Clone();
        return filled;
    }

    private void ApplyOptions(Execution execution, WorkflowExecutionOptions merged, string identity)
    {
        var before = (execution.PinnedVersion, VersioningOverrides.EffectiveBehavior(execution.VersioningInfo));
        var updated = OptionsUpdatedEvent(new WorkflowExecutionOptionsUpdatedEventAttributes
        {
            VersioningOverride = merged.VersioningOverride?.Clone(),
            UnsetVersioningOverride = merged.VersioningOverride is null,
            Identity = identity,
            Priority = merged.Priority?.Clone(),
        });
        AddExternal(execution, updated, scheduleTask: false);
        ApplyOptionsUpdated(execution, updated.WorkflowExecutionOptionsUpdatedEventAttributes);

        if (before != (execution.PinnedVersion, VersioningOverrides.EffectiveBehavior(execution.VersioningInfo)))
        {
            // As Temporal: the cached worker may be on the old version; a scheduled task and queued activities
            // are placed again by the new routing (a started task runs its course).
            ClearStickiness(execution);
            RedispatchRunTasks(execution, workflowQueue: true);
        }
    }

    /// <summary>
    /// A reset's post-reset operations, checked before the reset changes anything (Temporal checks them first and
    /// applies them in the reset's transaction): only UpdateWorkflowOptions is supported, as in Temporal.
    /// </summary>
    private void RequirePostResetOperations(ResetWorkflowExecutionRequest request, Execution baseRun)
    {
        foreach (var operation in request.PostResetOperations)
        {
            if (operation.VariantCase != PostResetOperation.VariantOneofCase.UpdateWorkflowOptions)
            {
                throw Errors.InvalidArgument($"unsupported post reset operation: *workflow.PostResetOperation_{operation.VariantCase}_");
            }

            var update = operation.UpdateWorkflowOptions;
            RequireUsableOverride(update.WorkflowExecutionOptions?.VersioningOverride, baseRun.Namespace, baseRun.TaskQueue);
            Merge(new WorkflowExecutionOptions(), update.WorkflowExecutionOptions ?? new(), PostResetPaths(update));
        }
    }

    /// <summary>Temporal's performPostResetOperations: each options update merged into the new run and recorded (no identity).</summary>
    private void ApplyPostResetOperations(Execution reset, ResetWorkflowExecutionRequest request)
    {
        foreach (var update in request.PostResetOperations.Select(o => o.UpdateWorkflowOptions))
        {
            var current = OptionsOf(reset);
            var merged = Merge(current.Clone(), update.WorkflowExecutionOptions ?? new(), PostResetPaths(update));
            if (!merged.Equals(current))
            {
                ApplyOptions(reset, merged, identity: string.Empty);
            }
        }
    }

    private static HashSet<string> PostResetPaths(PostResetOperation.Types.UpdateWorkflowOptions update) =>
        MaskPaths(update.UpdateMask?.Paths ?? [], "error applying update_options");

    private HistoryEvent OptionsUpdatedEvent(WorkflowExecutionOptionsUpdatedEventAttributes attributes) =>
        NewEvent(EventType.WorkflowExecutionOptionsUpdated, e =>
        {
            e.WorkerMayIgnore = true;
            e.WorkflowExecutionOptionsUpdatedEventAttributes = attributes;
        });

    /// <summary>
    /// As Temporal's mutable state applies the event (also when a reset rebuilds or re-applies it): the override
    /// is set or unset; a priority, when the event carries one, replaces the run's.
    /// </summary>
    private static void ApplyOptionsUpdated(Execution execution, WorkflowExecutionOptionsUpdatedEventAttributes attributes)
    {
        if (attributes.UnsetVersioningOverride || attributes.VersioningOverride is not null)
        {
            var info = execution.VersioningInfo?.Clone() ?? new WorkflowExecutionVersioningInfo();
            info.VersioningOverride = attributes.UnsetVersioningOverride ? null : VersioningOverrides.Normalised(attributes.VersioningOverride);
            execution.SetVersioningInfo(info);
            execution.WorkerDeploymentName = VersioningOverrides.TargetVersion(info.VersioningOverride)?.DeploymentName
                ?? info.DeploymentVersion?.DeploymentName ?? string.Empty;
        }

        if (attributes.Priority is not null)
        {
            execution.Priority = attributes.Priority.Clone();
        }

        // An override by itself adds no build (Temporal passes no stamp here).
        VersioningSearchAttributes.Update(execution, stamp: null);
    }

    /// <summary>
    /// Temporal's merge of the masked fields. Paths are checked against WorkflowExecutionOptions as protobuf's
    /// field masks are (snake_case names); a versioning override is replaced whole.
    /// </summary>
    private static WorkflowExecutionOptions Merge(WorkflowExecutionOptions into, WorkflowExecutionOptions from, HashSet<string> paths)
    {
        if (paths.Contains("versioning_override"))
        {
            into.VersioningOverride = from.VersioningOverride?.Clone();
        }

        var deprecatedPair = paths.Contains("versioning_override.deployment") || paths.Contains("versioning_override.behavior");
        if (deprecatedPair)
        {
            if (!(paths.Contains("versioning_override.deployment") && paths.Contains("versioning_override.behavior")))
            {
                throw Errors.InvalidArgument("error applying update_options: versioning_override fields must be updated together");
            }

            into.VersioningOverride = from.VersioningOverride?.Clone();
        }

        if (paths.Any(p => p.StartsWith("versioning_override.", StringComparison.Ordinal) &&
            p is not "versioning_override.deployment" and not "versioning_override.behavior"))
        {
            throw Errors.InvalidArgument("error applying update_options: versioning_override doesn't support partial updates");
        }

        if (paths.Contains("priority"))
        {
            into.Priority = from.Priority?.Clone();
        }

        if (paths.Contains("priority.priority_key"))
        {
            (into.Priority ??= new Priority()).PriorityKey = from.Priority?.PriorityKey ?? 0;
        }

        if (paths.Contains("priority.fairness_key"))
        {
            (into.Priority ??= new Priority()).FairnessKey = from.Priority?.FairnessKey ?? string.Empty;
        }

        if (paths.Contains("priority.fairness_weight"))
        {
            (into.Priority ??= new Priority()).FairnessWeight = from.Priority?.FairnessWeight ?? 0;
        }

        return into;
    }

    /// <summary>The mask's paths, each checked as Go's fieldmaskpb.New checks them against WorkflowExecutionOptions.</summary>
    private static HashSet<string> MaskPaths(IEnumerable<string> paths, string problemPrefix)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (!IsFieldPath(WorkflowExecutionOptions.Descriptor, path))
            {
                throw Errors.InvalidArgument($"{problemPrefix}: proto: invalid path \"{path}\" for message \"{OptionsMessage}\"");
            }

            set.Add(path);
        }

        return set;
    }

    private static bool IsFieldPath(MessageDescriptor message, string path)
    {
        var descriptor = message;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var field = descriptor?.FindFieldByName(parts[i]);
            if (field is null || (i < parts.Length - 1 && (field.FieldType != FieldType.Message || field.IsRepeated || field.IsMap)))
            {
                return false;
            }

            descriptor = field.FieldType == FieldType.Message ? field.MessageType : null;
        }

        return true;
    }
}
