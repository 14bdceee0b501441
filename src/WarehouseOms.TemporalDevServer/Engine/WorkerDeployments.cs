using Microsoft.Extensions.Logging;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Deployments;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The worker deployment RPCs over the registry, under the engine lock and on the engine clock. With a
/// durable store each changed deployment is written by the committer; a routing change or delete is
/// answered once written (the service binder waits for the commit), a registration by a poll is not waited for.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private readonly WorkerDeploymentRegistry workerDeployments;

    /// <summary>
    /// Temporal's drainage check: is an open run pinned to the version (a visibility count of running,
    /// pinned runs of that version)? Here a walk over the open runs, done only when a draining version is read.
    /// </summary>
    private bool HasOpenPinnedRun(string ns, string version) =>
        open.Any(x => x.PinnedVersion == version && x.Namespace == ns);

    private async Task RestoreWorkerDeploymentsAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadWorkerDeploymentsAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var (ns, state) in stored)
            {
                namespaces.Ensure(ns);
                workerDeployments.Restore(ns, state);
            }

            if (stored.Count > 0)
            {
                logger?.LogInformation("Engine restored {Deployments} worker deployments from {Store}", stored.Count, store.Description);
            }
        }
    }

    private void DeploymentsChanged() => RegistryChanged(workerDeployments.HasChanges, workerDeployments.DiscardChanges);

    public DescribeWorkerDeploymentResponse DescribeWorkerDeployment(DescribeWorkerDeploymentRequest request)
    {
        using (gate.Enter())
        {
            return workerDeployments.Describe(Ns(request.Namespace), request.DeploymentName, Clock.Now);
        }
    }

    public DescribeWorkerDeploymentVersionResponse DescribeWorkerDeploymentVersion(DescribeWorkerDeploymentVersionRequest request)
    {
        using (gate.Enter())
        {
            return workerDeployments.DescribeVersion(Ns(request.Namespace), request, Clock.Now);
        }
    }

    public ListWorkerDeploymentsResponse ListWorkerDeployments(ListWorkerDeploymentsRequest request)
    {
        using (gate.Enter())
        {
            return workerDeployments.List(Ns(request.Namespace), request.PageSize, request.NextPageToken, Clock.Now);
        }
    }

    public SetWorkerDeploymentCurrentVersionResponse SetWorkerDeploymentCurrentVersion(SetWorkerDeploymentCurrentVersionRequest request) =>
        ChangeDeployments(() =>
        {
            var ns = Ns(request.Namespace);
            var response = workerDeployments.SetCurrent(ns, request, Clock.Now);
            RedispatchQueued(ns, workerDeployments.TaskQueuesOf(ns, request.DeploymentName));
            return response;
        });

    public SetWorkerDeploymentRampingVersionResponse SetWorkerDeploymentRampingVersion(SetWorkerDeploymentRampingVersionRequest request) =>
        ChangeDeployments(() =>
        {
            var ns = Ns(request.Namespace);
            var response = workerDeployments.SetRamping(ns, request, Clock.Now);
            RedispatchQueued(ns, workerDeployments.TaskQueuesOf(ns, request.DeploymentName));
            return response;
        });

    // "Active pollers" as DescribeTaskQueue reports them: seen within the poller TTL.
    public DeleteWorkerDeploymentVersionResponse DeleteWorkerDeploymentVersion(DeleteWorkerDeploymentVersionRequest request) =>
        ChangeDeployments(() =>
        {
            workerDeployments.DeleteVersion(Ns(request.Namespace), request, Clock.Now - PollerTtl, Clock.Now);
            return new DeleteWorkerDeploymentVersionResponse();
        });

    public DeleteWorkerDeploymentResponse DeleteWorkerDeployment(DeleteWorkerDeploymentRequest request) =>
        ChangeDeployments(() =>
        {
            workerDeployments.Delete(Ns(request.Namespace), request.DeploymentName);
            return new DeleteWorkerDeploymentResponse();
        });

    public CreateWorkerDeploymentResponse CreateWorkerDeployment(CreateWorkerDeploymentRequest request) =>
        ChangeDeployments(() => new CreateWorkerDeploymentResponse
        {
            ConflictToken = workerDeployments.CreateDeployment(Ns(request.Namespace), request, Clock.Now),
        });

    public CreateWorkerDeploymentVersionResponse CreateWorkerDeploymentVersion(CreateWorkerDeploymentVersionRequest request) =>
        ChangeDeployments(() =>
        {
            workerDeployments.CreateVersion(Ns(request.Namespace), request, Clock.Now);
            return new CreateWorkerDeploymentVersionResponse();
        });

    public SetWorkerDeploymentManagerResponse SetWorkerDeploymentManager(SetWorkerDeploymentManagerRequest request) =>
        ChangeDeployments(() => workerDeployments.SetManager(Ns(request.Namespace), request, Clock.Now));

    public UpdateWorkerDeploymentVersionMetadataResponse UpdateWorkerDeploymentVersionMetadata(UpdateWorkerDeploymentVersionMetadataRequest request) =>
        ChangeDeployments(() => new UpdateWorkerDeploymentVersionMetadataResponse
        {
            Metadata = workerDeployments.UpdateMetadata(Ns(request.Namespace), request),
        });

    /// <summary>
    /// The version a child or continue-as-new run of <paramref name="run"/> starts pinned to, as Temporal decides:
    /// the run's, when it is pinned, the new run is in its namespace, and its task queue is the run's or one
    /// that version polls for workflow tasks.
    /// </summary>
    private Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? InheritedPinnedVersion(Execution run, string ns, string taskQueue) =>
        InheritsPin(run, ns, taskQueue) ? VersioningOverrides.EffectiveVersion(run.VersioningInfo)!.Clone() : null;

    /// <summary>
    /// The override a child, continue-as-new, retry or cron run of <paramref name="run"/> starts with, as Temporal
    /// passes it on: the run's pinned override (a child also gets a pending one-time move), under the same
    /// conditions as an inherited version; AUTO_UPGRADE is not passed on.
    /// </summary>
    private Temporalio.Api.Workflow.V1.VersioningOverride? InheritedOverride(Execution run, string ns, string taskQueue, bool child = false) =>
        run.VersioningInfo?.VersioningOverride is { } o &&
        (o.OverrideCase == Temporalio.Api.Workflow.V1.VersioningOverride.OverrideOneofCase.Pinned ||
         (child && o.OverrideCase == Temporalio.Api.Workflow.V1.VersioningOverride.OverrideOneofCase.OneTime)) &&
        InheritsPin(run, ns, taskQueue)
            ? o.Clone()
            : null;

    private bool InheritsPin(Execution run, string ns, string taskQueue) =>
        run.PinnedVersion is { } pinned && Ns(ns) == Ns(run.Namespace) &&
        (taskQueue == run.TaskQueue || workerDeployments.VersionPolls(Ns(ns), pinned, taskQueue, Temporalio.Api.Enums.V1.TaskQueueType.Workflow));

    /// <summary>
    /// A start's override, checked as Temporal's start does: INVALID_ARGUMENT for its shape, FAILED_PRECONDITION
    /// when the pinned version has never polled the task queue.
    /// </summary>
    private void RequireUsableOverride(Temporalio.Api.Workflow.V1.VersioningOverride? requested, string ns, string taskQueue)
    {
        if (VersioningOverrides.Problem(requested) is { } problem)
        {
            throw Errors.InvalidArgument(problem);
        }

        if (VersioningOverrides.TargetVersion(VersioningOverrides.Normalised(requested)) is { } version &&
            !workerDeployments.VersionPolls(Ns(ns), WorkerDeploymentVersionId.V31(version.DeploymentName, version.BuildId), taskQueue, Temporalio.Api.Enums.V1.TaskQueueType.Workflow))
        {
            throw Errors.FailedPrecondition(VersioningOverrides.NotInTaskQueue(version, taskQueue));
        }
    }

    /// <summary>For the missing-task-queue check: tasks waiting in the queue that would go to <paramref name="version"/>.</summary>
    private bool HasBacklogFor(string ns, string taskQueue, bool activity, string version) =>
        queues.TryGetValue((ns, taskQueue, activity), out var queue) &&
        queue.Items.InOrder.Any(item => RoutedVersion(ns, taskQueue, activity, queue, item) == version);

    private T ChangeDeployments<T>(Func<T> change)
    {
        using (gate.Enter())
        {
            try
            {
                return change();
            }
            finally
            {
                DeploymentsChanged(); // a refused change may still have created its deployment (allow_no_pollers)
            }
        }
    }
}
