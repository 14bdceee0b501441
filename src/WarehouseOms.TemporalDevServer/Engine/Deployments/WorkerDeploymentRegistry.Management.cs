using Google.Protobuf;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>Manager identity, version metadata, and the checks routing changes make besides the conflict token.</summary>
internal sealed partial class WorkerDeploymentRegistry
{
    /// <summary>SetWorkerDeploymentManager: <c>self</c> names the caller; "no change" and the conflict token as for routing changes.</summary>
    public SetWorkerDeploymentManagerResponse SetManager(string ns, SetWorkerDeploymentManagerRequest request, DateTime now)
    {
        if (request.Identity.Length == 0)
        {
            throw Errors.InvalidArgument("Identity is required");
        }

        if (request.DeploymentName.Length == 0)
        {
            throw Errors.InvalidArgument("DeploymentName cannot be empty");
        }

        var manager = request.Self ? request.Identity : request.ManagerIdentity;
        var deployment = Find(ns, request.DeploymentName) ?? throw DeploymentNotFound(request.DeploymentName);
        if (deployment.ManagerIdentity == manager && deployment.LastModifierIdentity == request.Identity)
        {
            return new() { PreviousManagerIdentity = manager, ConflictToken = deployment.Token() };
        }

        CheckConflictToken(deployment, request.ConflictToken);
        var previous = deployment.ManagerIdentity;
        deployment.ManagerIdentity = manager;
        deployment.LastModifierIdentity = request.Identity;
        deployment.ConflictToken = WorkerDeploymentState.TokenAt(now, deployment.ConflictToken);
        Changed(ns, deployment.Name);
        return new() { PreviousManagerIdentity = previous, ConflictToken = deployment.Token() };
    }

    /// <summary>UpdateWorkerDeploymentVersionMetadata: upserts, then removals; answers the whole metadata.</summary>
    public Temporalio.Api.Deployment.V1.VersionMetadata UpdateMetadata(string ns, UpdateWorkerDeploymentVersionMetadataRequest request)
    {
        if (request.UpsertEntries.Count == 0 && request.RemoveEntries.Count == 0)
        {
            // Temporal checks for absent (nil) lists; protobuf gives an empty list and an absent one alike.
            throw Errors.InvalidArgument("At least one of remove_entries or upsert_entries must be provided");
        }

        var (name, buildId) = request.DeploymentVersion is { } v ? (v.DeploymentName, v.BuildId)
            : WorkerDeploymentVersionId.Parse(request.Version, out _) ?? (string.Empty, string.Empty);
        if (Find(ns, name) is not { } deployment || !deployment.Versions.TryGetValue(buildId, out var version))
        {
            throw Errors.NotFound($"build ID '{buildId}' not found in Worker Deployment '{name}'");
        }

        if (request.UpsertEntries.Count > 0)
        {
            version.HasMetadata = true;
        }

        foreach (var (key, payload) in request.UpsertEntries)
        {
            version.Metadata[key] = payload.ToByteArray();
        }

        foreach (var key in request.RemoveEntries)
        {
            version.Metadata.Remove(key);
        }

        Changed(ns, name);
        return version.MetadataInfo() ?? new();
    }

    /// <summary>
    /// Temporal's missing-task-queue check: a queue the current version polls and the proposed one does not,
    /// not taken over by another deployment's current version, and still busy for the current version
    /// (here: tasks waiting in it for that version) would lose its workers.
    /// </summary>
    private bool IsMissingActiveTaskQueues(string ns, WorkerDeploymentState deployment, string currentVersion, WorkerDeploymentVersionState proposed)
    {
        if (VersionOf(deployment, currentVersion) is not { } current)
        {
            return false;
        }

        foreach (var queue in current.TaskQueues.Keys.Where(q => !proposed.TaskQueues.ContainsKey(q)))
        {
            var movedAway = deployments.Any(d => d.Key.Namespace == ns && d.Value != deployment &&
                VersionOf(d.Value, d.Value.CurrentVersion)?.TaskQueues.ContainsKey(queue) == true);
            if (!movedAway && hasBacklog(ns, queue.Name, queue.Type == TaskQueueType.Activity, currentVersion))
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckManager(WorkerDeploymentState deployment, string identity)
    {
        if (deployment.ManagerIdentity.Length > 0 && deployment.ManagerIdentity != identity)
        {
            throw Errors.FailedPrecondition(
                $"ManagerIdentity '{deployment.ManagerIdentity}' is set and does not match user identity '{identity}'; to proceed, set your own identity as the ManagerIdentity, remove the ManagerIdentity, or wait for the other client to do so");
        }
    }

    /// <summary>Temporal validates that the named version exists (or allow_no_pollers) before the manager identity.</summary>
    private static void RequireVersion(WorkerDeploymentState deployment, (string DeploymentName, string BuildId)? target, bool allowNoPollers)
    {
        if (target is { } t && !allowNoPollers && !deployment.Versions.ContainsKey(t.BuildId))
        {
            throw Errors.NotFound($"build ID '{t.BuildId}' not found in Worker Deployment '{deployment.Name}'");
        }
    }
}
