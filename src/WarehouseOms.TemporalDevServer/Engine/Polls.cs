using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    public Task<PollWorkflowTaskQueueResponse> PollWorkflowTasksAsync(PollWorkflowTaskQueueRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequirePoll(request.TaskQueue, request.Identity);
        // A sticky poll names the worker's own queue (its normal name is the queue DescribeTaskQueue lists the worker on);
        // it gets tasks of the runs that worker has cached.
        RecordPoll(request.Namespace, request.TaskQueue.NormalName is { Length: > 0 } normal ? normal : request.TaskQueue.Name, TaskQueueType.Workflow,
            request.Identity, request.DeploymentOptions);
        return PollAsync<PollWorkflowTaskQueueResponse>(request.Namespace, request.TaskQueue.Name, activity: false, request.Identity, deadline, ct,
            WorkerVersionStampOf(request.WorkerVersionCapabilities, request.DeploymentOptions), PollerVersion(request.DeploymentOptions), request.WorkerInstanceKey);
    }

    /// <summary>Temporal's checks on a poll, in its order, before the poll is recorded or waits: the identity at most
    /// limit.maxIDLength, then the task queue's name (tqid).</summary>
    private static void RequirePoll([System.Diagnostics.CodeAnalysis.NotNull] Temporalio.Api.TaskQueue.V1.TaskQueue? queue, string? identity)
    {
        RequireIdentity(identity);
        TaskQueueNames.Require(queue);
    }

    /// <summary>The version ("name.buildId") a versioned worker polls for; null for an unversioned one.</summary>
    private static string? PollerVersion(Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? options) =>
        options is { WorkerVersioningMode: WorkerVersioningMode.Versioned, DeploymentName.Length: > 0, BuildId.Length: > 0 }
            ? Deployments.WorkerDeploymentVersionId.V31(options.DeploymentName, options.BuildId)
            : null;

    // As Temporal stamps a task's started event: the poller's build ID, unless it runs worker-deployment versioning.
    private static Temporalio.Api.Common.V1.WorkerVersionStamp? WorkerVersionStampOf(
        Temporalio.Api.Common.V1.WorkerVersionCapabilities? capabilities, Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? options)
    {
        if (options is { WorkerVersioningMode: WorkerVersioningMode.Versioned, DeploymentName.Length: > 0 } ||
            capabilities is { UseVersioning: true, DeploymentSeriesName.Length: > 0 })
        {
            return null;
        }

        return capabilities is { BuildId.Length: > 0 }
            ? new Temporalio.Api.Common.V1.WorkerVersionStamp { BuildId = capabilities.BuildId, UseVersioning = capabilities.UseVersioning }
            : null;
    }

    public Task<PollActivityTaskQueueResponse> PollActivityTasksAsync(PollActivityTaskQueueRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequirePoll(request.TaskQueue, request.Identity);
        RecordPoll(request.Namespace, request.TaskQueue.Name, TaskQueueType.Activity, request.Identity, request.DeploymentOptions);
        return PollAsync<PollActivityTaskQueueResponse>(request.Namespace, request.TaskQueue.Name, activity: true, request.Identity, deadline, ct,
            workerRate: request.TaskQueueMetadata?.MaxTasksPerSecond,
            version: PollerVersion(request.DeploymentOptions), workerInstanceKey: request.WorkerInstanceKey);
    }
}
