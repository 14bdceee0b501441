using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// A run's versioning override (set at start or by UpdateWorkflowExecutionOptions), read and checked as
/// Temporal's server does: the override outranks the behavior the worker reports; PINNED routes the run's
/// tasks to its version, AUTO_UPGRADE lets them follow the task queue's current version, a one-time move
/// routes like PINNED until a workflow task completes on its target. The deprecated
/// v0.30/v0.31 fields are read and rewritten into the v0.32 oneof, as Temporal stores them.
/// </summary>
internal static class VersioningOverrides
{
#pragma warning disable CS0612 // the deprecated fields are part of what Temporal reads
    /// <summary>Temporal's ValidateVersioningOverride: null when the override is acceptable, else the INVALID_ARGUMENT message.</summary>
    public static string? Problem(VersioningOverride? o)
    {
        if (o is null)
        {
            return null;
        }

        switch (o.OverrideCase)
        {
            case VersioningOverride.OverrideOneofCase.AutoUpgrade:
                return o.AutoUpgrade ? null : "auto-upgrade override must be true";
            case VersioningOverride.OverrideOneofCase.Pinned:
                if (o.Pinned.Version is null)
                {
                    return "must provide version if override is pinned.";
                }

                if (o.Pinned.Behavior == VersioningOverride.Types.PinnedOverrideBehavior.Unspecified)
                {
                    return "must specify pinned override behavior if override is pinned.";
                }

                return VersionProblem(o.Pinned.Version);
            case VersioningOverride.OverrideOneofCase.OneTime:
                return o.OneTime.TargetDeploymentVersion is { } target
                    ? VersionProblem(target)
                    : "must provide target deployment version if override is one-time.";
        }

        return o.Behavior switch
        {
            VersioningBehavior.Pinned when o.Deployment is null && string.IsNullOrEmpty(o.PinnedVersion) =>
                "must provide deployment (deprecated) or pinned version if behavior is 'PINNED'",
            VersioningBehavior.Pinned when o.Deployment is null => VersionStringProblem(o.PinnedVersion),
            VersioningBehavior.Pinned => null,
            VersioningBehavior.AutoUpgrade when o.Deployment is not null => "only provide deployment if behavior is 'PINNED'",
            VersioningBehavior.AutoUpgrade when !string.IsNullOrEmpty(o.PinnedVersion) => "only provide pinned version if behavior is 'PINNED'",
            VersioningBehavior.AutoUpgrade => null,
            VersioningBehavior.Unspecified => "override behavior is required",
            _ => $"override behavior {o.Behavior} not recognized",
        };
    }

    /// <summary>The override as Temporal keeps it in the run: only the v0.32 oneof (null stays null).</summary>
    public static VersioningOverride? Normalised(VersioningOverride? o)
    {
        if (o is null)
        {
            return null;
        }

        if (o.OverrideCase != VersioningOverride.OverrideOneofCase.None)
        {
            var kept = new VersioningOverride();
            switch (o.OverrideCase)
            {
                case VersioningOverride.OverrideOneofCase.Pinned: kept.Pinned = o.Pinned.Clone(); break;
                case VersioningOverride.OverrideOneofCase.OneTime: kept.OneTime = o.OneTime.Clone(); break;
                default: kept.AutoUpgrade = o.AutoUpgrade; break;
            }

            return kept;
        }

        if (o.Behavior == VersioningBehavior.AutoUpgrade)
        {
            return new VersioningOverride { AutoUpgrade = true };
        }

        var version = o.Deployment is { } d
            ? new WorkerDeploymentVersion { DeploymentName = d.SeriesName, BuildId = d.BuildId }
            : WorkerDeploymentVersionId.Parse(o.PinnedVersion, out _) is { } parsed
                ? new WorkerDeploymentVersion { DeploymentName = parsed.DeploymentName, BuildId = parsed.BuildId }
                : null;
        return new VersioningOverride
        {
            Pinned = new VersioningOverride.Types.PinnedOverride { Behavior = VersioningOverride.Types.PinnedOverrideBehavior.Pinned, Version = version },
        };
    }
#pragma warning restore CS0612

    /// <summary>
    /// The version a (normalised) override sends the run's tasks to: a pinned one's, or a pending one-time
    /// move's target (routed like pinned until a workflow task completes there); null for AUTO_UPGRADE or none.
    /// </summary>
    public static WorkerDeploymentVersion? TargetVersion(VersioningOverride? o) => o?.OverrideCase switch
    {
        VersioningOverride.OverrideOneofCase.Pinned => o.Pinned.Version,
        VersioningOverride.OverrideOneofCase.OneTime => o.OneTime.TargetDeploymentVersion,
        _ => null,
    };

    /// <summary>A one-time move is done once a workflow task completes on its target: Temporal then clears it.</summary>
    public static bool OneTimeFulfilled(VersioningOverride? o, WorkerDeploymentVersion? completedOn) =>
        o?.OverrideCase == VersioningOverride.OverrideOneofCase.OneTime && completedOn is not null && completedOn.Equals(o.OneTime.TargetDeploymentVersion);

    /// <summary>Temporal's GetEffectiveVersioningBehavior: AUTO_UPGRADE while in transition, else the override's, else the run's.</summary>
    public static VersioningBehavior EffectiveBehavior(WorkflowExecutionVersioningInfo? info) =>
        info?.VersionTransition is not null ? VersioningBehavior.AutoUpgrade
        : info?.VersioningOverride is { } o
            ? o.OverrideCase == VersioningOverride.OverrideOneofCase.AutoUpgrade ? VersioningBehavior.AutoUpgrade : VersioningBehavior.Pinned
        : info?.Behavior ?? VersioningBehavior.Unspecified;

    /// <summary>
    /// Temporal's GetEffectiveDeployment: the version a transition moves the run to, else the override's target,
    /// else the last completing worker's when versioned.
    /// </summary>
    public static WorkerDeploymentVersion? EffectiveVersion(WorkflowExecutionVersioningInfo? info) =>
        info?.VersionTransition?.DeploymentVersion ??
        TargetVersion(info?.VersioningOverride) ??
        (EffectiveBehavior(info) != VersioningBehavior.Unspecified ? info?.DeploymentVersion : null);

    /// <summary>A behavior as Temporal's Go code prints it (its proto name), in messages and search attributes.</summary>
    public static string GoName(VersioningBehavior behavior) => behavior switch
    {
        VersioningBehavior.Pinned => "VERSIONING_BEHAVIOR_PINNED",
        VersioningBehavior.AutoUpgrade => "VERSIONING_BEHAVIOR_AUTO_UPGRADE",
        _ => "VERSIONING_BEHAVIOR_UNSPECIFIED",
    };

    /// <summary>Temporal's message when a pinned override names a version that does not poll the run's task queue.</summary>
    public static string NotInTaskQueue(WorkerDeploymentVersion version, string taskQueue) =>
        $"Pinned version '{WorkerDeploymentVersionId.V32(version.DeploymentName, version.BuildId)}' is not present in task queue '{taskQueue}' of type 'Workflow'";

    private static string? VersionProblem(WorkerDeploymentVersion version) =>
        WorkerDeploymentVersionId.DeploymentNameProblem(version.DeploymentName) ?? WorkerDeploymentVersionId.BuildIdProblem(version.BuildId);

    private static string? VersionStringProblem(string version)
    {
        WorkerDeploymentVersionId.Parse(version, out var error);
        return error;
    }
}
