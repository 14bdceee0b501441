using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using WarehouseOms.TemporalDevServer.Engine.Deployments;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// How a versioned run hears of, and moves to, the version its task queue now targets, as Temporal's history
/// service does it:
/// - a PINNED run's workflow task carries target_worker_deployment_version_changed once the queue targets
///   another version (its current version, or the ramping one for this workflow ID), so that the workflow can
///   continue as new onto it; told once per routing revision, and not again in a continued run that kept the pin
///   (declined_target_version_upgrade);
/// - a run continued as new with an initial versioning behavior (or from an AUTO_UPGRADE run) starts from its
///   predecessor's version as AUTO_UPGRADE (inherited_auto_upgrade_info), and with USE_RAMPING_VERSION its
///   first workflow task goes to the ramping version.
/// </summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>The version (null: unversioned) and routing revision the run's task queue targets for it now.</summary>
    private (WorkerDeploymentVersion? Version, long Revision) TargetOf(Execution execution)
    {
        var queue = Queue(execution.Namespace, execution.TaskQueue, activity: false);
        if (RouteOf(queue, execution.Namespace, execution.TaskQueue, activity: false) is not { } route)
        {
            return (null, 0);
        }

        var target = route.TargetFor(execution.WorkflowId, UsesRampingVersion(execution));
        return WorkerDeploymentVersionId.Parse(target, out _) is { } v
            ? (new WorkerDeploymentVersion { DeploymentName = v.DeploymentName, BuildId = v.BuildId }, route.RevisionNumber)
            : (null, route.RevisionNumber);
    }

    /// <summary>
    /// At a workflow task's start (Temporal's AddWorkflowTaskStartedEvent): updates what the run was told and
    /// answers whether the task carries target_worker_deployment_version_changed.
    /// </summary>
    private bool TargetVersionChanged(Execution execution)
    {
        var behavior = VersioningOverrides.EffectiveBehavior(execution.VersioningInfo);
        if (behavior == VersioningBehavior.Unspecified)
        {
            return false;
        }

        var (target, revision) = TargetOf(execution);
        var highestSeen = Math.Max(execution.LastNotifiedTarget?.RevisionNumber ?? 0, execution.DeclinedTargetUpgrade?.RevisionNumber ?? 0);
        if (execution.VersioningInfo?.VersioningOverride is not null)
        {
            // The operator decides the version: nothing to tell, and nothing kept for when the override goes.
            execution.LastNotifiedTarget = null;
            execution.DeclinedTargetUpgrade = null;
        }
        else if (behavior == VersioningBehavior.AutoUpgrade)
        {
            // Moves with its queue by itself.
        }
        else if (Equals(VersioningOverrides.EffectiveVersion(execution.VersioningInfo), target) && revision >= highestSeen)
        {
            execution.LastNotifiedTarget = null;
            execution.DeclinedTargetUpgrade = null;
        }
        else if (execution.DeclinedTargetUpgrade is { } declined && revision <= declined.RevisionNumber)
        {
            // The chain already chose to stay on its version for this target.
        }
        else if (revision >= highestSeen)
        {
            execution.LastNotifiedTarget = new DeclinedTargetVersionUpgrade { DeploymentVersion = target?.Clone(), RevisionNumber = revision };
            execution.DeclinedTargetUpgrade = null;
        }

        return behavior == VersioningBehavior.Pinned && execution.LastNotifiedTarget is not null;
    }

    /// <summary>A continued run that keeps the pin has declined the target its predecessor was told of (or one declined before).</summary>
    private static DeclinedTargetVersionUpgrade? DeclinedByContinuing(Execution previous, bool inheritsPin) =>
        !inheritsPin ? null
        : previous.LastNotifiedTarget is { } told ? told.Clone()
        : previous.DeclinedTargetUpgrade?.Clone();

    /// <summary>
    /// Temporal's inherited auto-upgrade info for a continue-as-new run: from an AUTO_UPGRADE run, or a PINNED
    /// one continued with an initial versioning behavior, when the new run's queue is in the run's version and
    /// the run has a routing revision; never together with an inherited pinned version.
    /// </summary>
    private InheritedAutoUpgradeInfo? InheritedAutoUpgrade(Execution previous, string taskQueue, ContinueAsNewVersioningBehavior initialBehavior, bool inheritsPin)
    {
        var behavior = VersioningOverrides.EffectiveBehavior(previous.VersioningInfo);
        return inheritsPin || !(behavior == VersioningBehavior.AutoUpgrade || (behavior == VersioningBehavior.Pinned && initialBehavior != ContinueAsNewVersioningBehavior.Unspecified))
            ? null
            : AutoUpgradeSource(previous, previous.Namespace, taskQueue, initialBehavior);
    }

    /// <summary>
    /// For a retry of an AUTO_UPGRADE run (Temporal's retry.go): its version and revision, and its continue-as-new
    /// initial behavior, which is scoped to the first task of the run and of its retries.
    /// </summary>
    private InheritedAutoUpgradeInfo? InheritedAutoUpgradeOnRetry(Execution previous) =>
        VersioningOverrides.EffectiveBehavior(previous.VersioningInfo) == VersioningBehavior.AutoUpgrade
            ? AutoUpgradeSource(previous, previous.Namespace, previous.TaskQueue, previous.VersioningInfo!.ContinueAsNewInitialVersioningBehavior)
            : null;

    /// <summary>
    /// For a child of an AUTO_UPGRADE parent in its namespace, when the child's queue is in the parent's version
    /// (Temporal's child start); the initial behavior is not passed to a child.
    /// </summary>
    private InheritedAutoUpgradeInfo? InheritedAutoUpgradeForChild(Execution parent, string ns, string taskQueue) =>
        VersioningOverrides.EffectiveBehavior(parent.VersioningInfo) == VersioningBehavior.AutoUpgrade && ns == parent.Namespace
            ? AutoUpgradeSource(parent, ns, taskQueue, ContinueAsNewVersioningBehavior.Unspecified)
            : null;

    /// <summary>The source run's version and routing revision, if it has both and <paramref name="taskQueue"/> is in that version.</summary>
    private InheritedAutoUpgradeInfo? AutoUpgradeSource(Execution source, string ns, string taskQueue, ContinueAsNewVersioningBehavior initialBehavior)
    {
        if (VersioningOverrides.EffectiveVersion(source.VersioningInfo) is not { } version || source.VersioningInfo!.RevisionNumber == 0)
        {
            return null;
        }

        if (taskQueue != source.TaskQueue &&
            !workerDeployments.VersionPolls(Ns(ns), WorkerDeploymentVersionId.V31(version.DeploymentName, version.BuildId), taskQueue, TaskQueueType.Workflow))
        {
            return null;
        }

        return new InheritedAutoUpgradeInfo
        {
            SourceDeploymentVersion = version.Clone(),
            SourceDeploymentRevisionNumber = source.VersioningInfo.RevisionNumber,
            ContinueAsNewInitialVersioningBehavior = initialBehavior,
        };
    }

    /// <summary>
    /// As Temporal's RecordActivityTaskStarted: no activity of a run starts while the run moves to another version;
    /// and an activity task taken by a worker of another version than the run's, where the run's own workflow tasks
    /// now go too, moves the run there first (a transition, and a workflow task for that version) instead of
    /// starting. Either way the task is dropped and the activity offered again when the move ends
    /// (<see cref="OfferActivitiesAfterVersionMove"/>). An activity versioned apart from its workflow (its queue
    /// routes elsewhere) and the activities of a pinned run start as routed.
    /// </summary>
    private bool HeldForVersionTransition(Execution execution, ActivityState activity, string? pollerVersion)
    {
        if (execution.VersioningInfo?.VersionTransition is null)
        {
            if (pollerVersion is null || WorkerDeploymentVersionId.ToProto(pollerVersion) is not { } poller ||
                !poller.Equals(TargetOf(execution).Version) || !StartVersionTransition(execution, pollerVersion))
            {
                return false;
            }

            MarkDirty(execution);
            ScheduleWorkflowTask(execution);
        }

        activity.AwaitsVersionTransition = true;
        execution.HoldsActivitiesForMove = true;
        return true;
    }

    /// <summary>
    /// After a completed workflow task moved the run (a transition ended, or its version or behavior changed), as
    /// Temporal reschedules pending activities: the queued ones are offered to the pollers now entitled to them, and
    /// the ones refused during the move are queued again.
    /// </summary>
    private void OfferActivitiesAfterVersionMove(Execution execution)
    {
        RedispatchRunTasks(execution, workflowQueue: false);
        execution.HoldsActivitiesForMove = false;
        foreach (var activity in execution.Activities.Values.Where(a => a.AwaitsVersionTransition))
        {
            activity.AwaitsVersionTransition = false;
            if (activity.Phase == ActivityPhase.Scheduled && !activity.Paused)
            {
                Dispatch(execution.Namespace, activity.Attributes.TaskQueue.Name, activity: true, new ActivityTaskItem(execution, activity.ScheduledEventId, activity.Attempt));
            }
        }
    }

    /// <summary>A run started to use the ramping version, until its first workflow task completes (Temporal's GetShouldUseRampingVersion).</summary>
    private static bool UsesRampingVersion(Execution execution) =>
        execution.LastCompletedWftStartedId == 0 &&
        execution.VersioningInfo?.ContinueAsNewInitialVersioningBehavior == ContinueAsNewVersioningBehavior.UseRampingVersion;

    /// <summary>
    /// The routing revision a run records when a task completes on a version other than the one it was on
    /// (Temporal records it when the run's version changes hands): what a continued run inherits.
    /// </summary>
    private long RevisionOnArrival(Execution execution, WorkerDeploymentVersion? completedOn)
    {
        var before = VersioningOverrides.EffectiveVersion(execution.VersioningInfo);
        var revision = execution.VersioningInfo?.RevisionNumber ?? 0;
        return completedOn is not null && !completedOn.Equals(before) ? TargetOf(execution).Revision : revision;
    }
}
