using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// The worker deployments of each namespace, answered as Temporal's worker-deployment and version
/// workflows answer (their validation order, error codes and messages). A deployment and its version come
/// into being when a versioned worker polls. Guarded by the engine lock; each changed deployment is handed
/// to the store whole (<see cref="TakeChanges"/>), as schedules are.
/// </summary>
internal sealed partial class WorkerDeploymentRegistry(Func<string, string, bool> hasOpenPinnedRun, Func<string, string, bool, string, bool> hasBacklog)
{
    /// <summary>Temporal's matching.wv.VersionDrainageStatusVisibilityGracePeriod default.</summary>
    public static readonly TimeSpan DrainageGracePeriod = TimeSpan.FromMinutes(3);

    private const int MaxPageSize = 1000; // the visibility page size Temporal falls back to

    private static readonly JsonSerializerOptions Json = new();

    private readonly Dictionary<(string Namespace, string Name), WorkerDeploymentState> deployments = [];

    private readonly HashSet<(string Namespace, string Name)> changed = [];

    private static readonly QueueRoute UnversionedOnly = new(WorkerDeploymentVersionId.Unversioned, null, 0);

    /// <summary>(namespace, task queue, type) -> where its tasks go: every queue a version polls.</summary>
    private readonly Dictionary<(string Namespace, string TaskQueue, TaskQueueType Type), QueueRoute> routes = [];

    public bool HasChanges => changed.Count > 0;

    /// <summary>False while no versioned worker has polled: the dispatch path then skips every lookup.</summary>
    public bool HasRoutes => routes.Count > 0;

    /// <summary>Changes whenever the routes are rebuilt: a task queue's cached route is good while it matches.</summary>
    public int Revision { get; private set; }

    /// <summary>
    /// How a queue routes unpinned runs (<see cref="QueueRoute.TargetFor"/>: a "name.buildId" version, or
    /// <see cref="WorkerDeploymentVersionId.Unversioned"/> for unversioned pollers only), or null when no
    /// versioned worker polls it (any poller: all are unversioned).
    /// </summary>
    public QueueRoute? RouteOf(string ns, string taskQueue, TaskQueueType type) => routes.GetValueOrDefault((ns, taskQueue, type));

    /// <summary>Whether a version (v0.31 string) polls the queue: a pinned workflow's activities go to its version only then.</summary>
    public bool VersionPolls(string ns, string version, string taskQueue, TaskQueueType type) =>
        WorkerDeploymentVersionId.Parse(version, out _) is { } v && Find(ns, v.DeploymentName) is { } d &&
        d.Versions.TryGetValue(v.BuildId, out var state) && state.TaskQueues.ContainsKey((taskQueue, type));

    /// <summary>The task queues (name, activity?) a deployment's versions poll.</summary>
    public List<(string Name, bool Activity)> TaskQueuesOf(string ns, string deploymentName) =>
        Find(ns, deploymentName) is { } d
            ? [.. d.Versions.Values.SelectMany(v => v.TaskQueues.Keys).Distinct().Select(k => (k.Name, k.Type == TaskQueueType.Activity))]
            : [];

    /// <summary>A routing change: a new conflict token, who made it, and the deployment marked for the store.</summary>
    private void RoutingChanged(string ns, WorkerDeploymentState deployment, string identity, DateTime now)
    {
        deployment.ConflictToken = WorkerDeploymentState.TokenAt(now, deployment.ConflictToken);
        deployment.LastModifierIdentity = identity;
        Changed(ns, deployment.Name);
    }

    private void Changed(string ns, string name)
    {
        changed.Add((ns, name));
        Reindex();
    }

    // Few deployments, few queues: rebuilt whole on every change rather than kept in step. As Temporal's
    // task queue user data, a queue is routed by a deployment once its current or ramping version polls it.
    private void Reindex()
    {
        routes.Clear();
        Revision++;

        // A queue a versioned worker polls gives unversioned tasks to unversioned pollers only: Temporal's
        // versioned pollers take only their version's tasks, so without a current version they get none.
        foreach (var ((ns, _), deployment) in deployments)
        {
            foreach (var (queue, type) in deployment.Versions.Values.SelectMany(v => v.TaskQueues.Keys))
            {
                routes.TryAdd((ns, queue, type), UnversionedOnly);
            }
        }

        foreach (var ((ns, _), deployment) in deployments)
        {
            var current = VersionOf(deployment, deployment.CurrentVersion);
            var ramping = VersionOf(deployment, deployment.RampingVersion);
            var queues = new[] { current, ramping }.SelectMany(v => v?.TaskQueues.Keys ?? Enumerable.Empty<(string Name, TaskQueueType Type)>()).Distinct();
            foreach (var (queue, type) in queues)
            {
                routes[(ns, queue, type)] = new QueueRoute(
                    current?.TaskQueues.ContainsKey((queue, type)) == true ? deployment.CurrentVersion : WorkerDeploymentVersionId.Unversioned,
                    // A ramping version that does not poll this queue ramps nothing here (the ramp reaches its own queues only).
                    deployment.RampingVersion.Length == 0 || (ramping is not null && !ramping.TaskQueues.ContainsKey((queue, type))) ? null : deployment.RampingVersion,
                    deployment.RampingVersion.Length == 0 ? 0 : deployment.RampingPercentage,
                    deployment.RevisionNumber);
            }
        }
    }

    /// <summary>Every deployment changed since the last call, as the store keeps it (a null state: deleted).</summary>
    public List<Store.WorkerDeploymentChange> TakeChanges()
    {
        var changes = changed.Select(k => new Store.WorkerDeploymentChange(
            k.Namespace, k.Name, deployments.TryGetValue(k, out var d) ? JsonSerializer.SerializeToUtf8Bytes(d, Json) : null)).ToList();
        changed.Clear();
        return changes;
    }

    /// <summary>The in-memory store keeps nothing: changes are forgotten.</summary>
    public void DiscardChanges() => changed.Clear();

    /// <summary>Loads a stored deployment (on start).</summary>
    public void Restore(string ns, byte[] state)
    {
        var deployment = JsonSerializer.Deserialize<WorkerDeploymentState>(state, Json) ?? throw new InvalidDataException("empty worker deployment record");
        deployments[(ns, deployment.Name)] = deployment;
        Reindex();
    }

    /// <summary>A poll of a versioned worker: registers its deployment, version and task queue, and when it polled.</summary>
    public void RecordPoll(string ns, string taskQueue, TaskQueueType type, WorkerDeploymentOptions? options, DateTime now)
    {
        if (options is not { WorkerVersioningMode: WorkerVersioningMode.Versioned, DeploymentName.Length: > 0, BuildId.Length: > 0 } || taskQueue.Length == 0)
        {
            return;
        }

        var deployment = Find(ns, options.DeploymentName) ?? AddDeployment(ns, options.DeploymentName, AutoCreateRequestIdPrefix + options.BuildId, now);
        var known = deployment.Versions.TryGetValue(options.BuildId, out var version) && version.TaskQueues.ContainsKey((taskQueue, type));
        version = AddVersion(deployment, options.BuildId, now);
        version.TaskQueues[(taskQueue, type)] = now;
        if (!known)
        {
            if (version.Status == WorkerDeploymentVersionStatus.Created)
            {
                version.Status = WorkerDeploymentVersionStatus.Inactive; // as Temporal's, once a poller registers a task queue
            }

            Changed(ns, deployment.Name); // poll times alone are not stored
        }
    }

    public DescribeWorkerDeploymentResponse Describe(string ns, string deploymentName, DateTime now)
    {
        var deployment = Find(ns, deploymentName) ?? throw DeploymentNotFound(deploymentName);
        RefreshDrainage(ns, deployment, now);
        return new() { WorkerDeploymentInfo = deployment.Info(), ConflictToken = deployment.Token() };
    }

    public DescribeWorkerDeploymentVersionResponse DescribeVersion(string ns, DescribeWorkerDeploymentVersionRequest request, DateTime now)
    {
        var versionString = request.Version;
        if (versionString.Length == 0)
        {
            versionString = request.DeploymentVersion is { } v
                ? WorkerDeploymentVersionId.V31(v.DeploymentName, v.BuildId)
                : throw Errors.InvalidArgument("deployment version cannot be empty");
        }

        var (name, buildId) = WorkerDeploymentVersionId.Parse(versionString, out _)
            ?? throw Errors.InvalidArgument($"invalid version string \"{versionString}\", expected format is \"<deployment_name>.<build_id>\"");
        if (Find(ns, name) is not { } deployment || !deployment.Versions.TryGetValue(buildId, out var version))
        {
            throw Errors.NotFound("Worker Deployment Version not found");
        }

        RefreshDrainage(ns, deployment, version, now);
        var info = new WorkerDeploymentVersionInfo
        {
            Version = WorkerDeploymentVersionId.V31(name, buildId),
            DeploymentVersion = new() { DeploymentName = name, BuildId = buildId },
            DeploymentName = name,
            Status = version.Status,
            CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(version.CreateTime),
            RoutingChangedTime = WorkerDeploymentState.Ts(version.RoutingUpdateTime),
            CurrentSinceTime = WorkerDeploymentState.Ts(version.CurrentSinceTime),
            RampingSinceTime = WorkerDeploymentState.Ts(version.RampingSinceTime),
            FirstActivationTime = WorkerDeploymentState.Ts(version.FirstActivationTime),
            LastCurrentTime = WorkerDeploymentState.Ts(version.LastCurrentTime),
            LastDeactivationTime = WorkerDeploymentState.Ts(version.LastDeactivationTime),
            RampPercentage = version.RampPercentage,
            DrainageInfo = version.DrainageInfo(),
            Metadata = version.MetadataInfo(),
            LastModifierIdentity = version.LastModifierIdentity,
        };
        var response = new DescribeWorkerDeploymentVersionResponse { WorkerDeploymentVersionInfo = info };
        foreach (var (queue, type) in version.TaskQueues.Keys.OrderBy(k => k.Name, StringComparer.Ordinal).ThenBy(k => k.Type))
        {
            info.TaskQueueInfos.Add(new WorkerDeploymentVersionInfo.Types.VersionTaskQueueInfo { Name = queue, Type = type });
            response.VersionTaskQueues.Add(new DescribeWorkerDeploymentVersionResponse.Types.VersionTaskQueue { Name = queue, Type = type });
        }

        return response;
    }

    /// <summary>Newest first (Temporal lists them from visibility by start time); the page token is the offset.</summary>
    public ListWorkerDeploymentsResponse List(string ns, int pageSize, ByteString pageToken, DateTime now)
    {
        pageSize = pageSize <= 0 || pageSize > MaxPageSize ? MaxPageSize : pageSize;
        var offset = pageToken.IsEmpty ? 0 : int.TryParse(pageToken.ToStringUtf8(), CultureInfo.InvariantCulture, out var o) && o >= 0
            ? o
            : throw Errors.InvalidArgument("invalid page token");
        var all = deployments.Where(d => d.Key.Namespace == ns).Select(d => d.Value)
            .OrderByDescending(d => d.CreateTime).ThenBy(d => d.Name, StringComparer.Ordinal).ToList();
        var response = new ListWorkerDeploymentsResponse();
        foreach (var deployment in all.Skip(offset).Take(pageSize))
        {
            RefreshDrainage(ns, deployment, now);
            var versions = deployment.Versions.Values;
            response.WorkerDeployments.Add(new ListWorkerDeploymentsResponse.Types.WorkerDeploymentSummary
            {
                Name = deployment.Name,
                CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(deployment.CreateTime),
                RoutingConfig = deployment.RoutingConfig(),
                LatestVersionSummary = versions.MaxBy(v => v.CreateTime)?.Summary(deployment.Name),
                CurrentVersionSummary = VersionOf(deployment, deployment.CurrentVersion)?.Summary(deployment.Name),
                RampingVersionSummary = VersionOf(deployment, deployment.RampingVersion)?.Summary(deployment.Name),
            });
        }

        if (offset + pageSize < all.Count)
        {
            response.NextPageToken = ByteString.CopyFrom(Encoding.UTF8.GetBytes((offset + pageSize).ToString(CultureInfo.InvariantCulture)));
        }

        return response;
    }

    public SetWorkerDeploymentCurrentVersionResponse SetCurrent(string ns, SetWorkerDeploymentCurrentVersionRequest request, DateTime now)
    {
        if (request.DeploymentName.Length == 0)
        {
            throw Errors.InvalidArgument("deployment name cannot be empty");
        }

        var version = request.Version;
        if (version.Length == 0)
        {
            version = request.BuildId.Length > 0 ? WorkerDeploymentVersionId.V31(request.DeploymentName, request.BuildId) : WorkerDeploymentVersionId.Unversioned;
        }

        var target = ParseFor(request.DeploymentName, version);
        var deployment = FindOrCreate(ns, request.DeploymentName, request.AllowNoPollers, now);
        if (deployment.CurrentVersion == version && deployment.LastModifierIdentity == request.Identity)
        {
            // Temporal's "no change": answered as a success with the latest token, even when the caller's token is stale.
            return new() { PreviousVersion = version, PreviousDeploymentVersion = WorkerDeploymentVersionId.ToProto(version), ConflictToken = deployment.Token() };
        }

        CheckConflictToken(deployment, request.ConflictToken);
        RequireVersion(deployment, target, request.AllowNoPollers);
        CheckManager(deployment, request.Identity);
        var newVersion = TargetVersion(deployment, target, request.AllowNoPollers, now);
        var previous = deployment.CurrentVersion;
        if (!request.IgnoreMissingTaskQueues && previous != WorkerDeploymentVersionId.Unversioned && newVersion is not null &&
            IsMissingActiveTaskQueues(ns, deployment, previous, newVersion))
        {
            throw Errors.FailedPrecondition(
                $"proposed current version '{WorkerDeploymentVersionId.V32(deployment.Name, newVersion.BuildId)}' is missing active task queues from the current version; these would become unversioned if it is set as the current version");
        }

        if (previous != version)
        {
            deployment.CurrentVersion = version;
            deployment.CurrentVersionChangedTime = now;
            deployment.RevisionNumber++;
            if (deployment.RampingVersion == version)
            {
                // Promoting the ramping version ends its ramp.
                deployment.RampingVersion = string.Empty;
                deployment.RampingPercentage = 0;
                deployment.RampingVersionChangedTime = now;
                deployment.RampingPercentageChangedTime = now;
            }

            newVersion?.MakeCurrent(now);
            VersionOf(deployment, previous)?.Deactivate(now);
        }

        RoutingChanged(ns, deployment, request.Identity, now);
        return new()
        {
            PreviousVersion = previous,
            PreviousDeploymentVersion = WorkerDeploymentVersionId.ToProto(previous),
            ConflictToken = deployment.Token(),
        };
    }

    public SetWorkerDeploymentRampingVersionResponse SetRamping(string ns, SetWorkerDeploymentRampingVersionRequest request, DateTime now)
    {
        var version = request.Version;
        if (version.Length == 0)
        {
            // As Temporal's frontend maps the v0.32 fields: no build ID with a percentage ramps to unversioned workers.
            if (request.BuildId.Length == 0 && request.Percentage > 0)
            {
                version = WorkerDeploymentVersionId.Unversioned;
            }

            if (request.BuildId.Length > 0)
            {
                version = WorkerDeploymentVersionId.V31(request.DeploymentName, request.BuildId);
            }
        }

        if (version == WorkerDeploymentVersionId.Unversioned && request.Percentage == 0 && request.BuildId.Length == 0)
        {
            version = string.Empty; // an unversioned ramp at 0% unsets the ramp
        }

        if (request.Percentage is < 0 or > 100)
        {
            throw Errors.InvalidArgument("Percentage must be between 0 and 100 (inclusive)");
        }

        var target = version.Length > 0 ? ParseFor(request.DeploymentName, version) : null;
        var deployment = FindOrCreate(ns, request.DeploymentName, request.AllowNoPollers, now);
        if (deployment.RampingVersion == version && deployment.RampingPercentage == request.Percentage && deployment.LastModifierIdentity == request.Identity)
        {
            return new()
            {
                PreviousVersion = version,
                PreviousDeploymentVersion = WorkerDeploymentVersionId.ToProto(version),
                PreviousPercentage = request.Percentage,
                ConflictToken = deployment.Token(),
            };
        }

        CheckConflictToken(deployment, request.ConflictToken);
        if (version == deployment.CurrentVersion && !(version == WorkerDeploymentVersionId.Unversioned && request.Percentage == 0))
        {
            throw Errors.FailedPrecondition($"requested ramping version {version} is already current");
        }

        RequireVersion(deployment, target, request.AllowNoPollers);
        CheckManager(deployment, request.Identity);
        var newVersion = TargetVersion(deployment, target, request.AllowNoPollers, now);
        var (previous, previousPercentage) = (deployment.RampingVersion, deployment.RampingPercentage);
        if (!request.IgnoreMissingTaskQueues && previous != version && deployment.CurrentVersion != WorkerDeploymentVersionId.Unversioned &&
            newVersion is not null && IsMissingActiveTaskQueues(ns, deployment, deployment.CurrentVersion, newVersion))
        {
            throw Errors.FailedPrecondition(
                $"proposed ramping version '{WorkerDeploymentVersionId.V32(deployment.Name, newVersion.BuildId)}' is missing active task queues from the current version; these would become unversioned if it is set as the ramping version");
        }

        if (previous != version || previousPercentage != request.Percentage)
        {
            if (version.Length == 0 || previous != version)
            {
                deployment.RampingVersionChangedTime = now;
            }

            var since = previous == version ? deployment.RampingVersionChangedTime ?? now : now;
            deployment.RampingVersion = version;
            deployment.RampingPercentage = request.Percentage;
            deployment.RampingPercentageChangedTime = now;
            deployment.RevisionNumber++;
            newVersion?.MakeRamping(now, since, request.Percentage);
            if (previous != version)
            {
                VersionOf(deployment, previous)?.Deactivate(now);
            }
        }

        RoutingChanged(ns, deployment, request.Identity, now);
        return new()
        {
            PreviousVersion = previous,
            PreviousDeploymentVersion = WorkerDeploymentVersionId.ToProto(previous),
            PreviousPercentage = previousPercentage,
            ConflictToken = deployment.Token(),
        };
    }

    /// <summary>Temporal's order: not current or ramping, not draining (unless skip_drainage), no pollers (within the poller TTL).</summary>
    public void DeleteVersion(string ns, DeleteWorkerDeploymentVersionRequest request, DateTime pollerCutoff, DateTime now)
    {
        var versionString = request.Version;
        if (request.DeploymentVersion is { } v)
        {
            versionString = WorkerDeploymentVersionId.V31(v.DeploymentName, v.BuildId);
        }

        var (name, buildId) = WorkerDeploymentVersionId.Parse(versionString, out _)
            ?? throw Errors.InvalidArgument($"invalid version string \"{versionString}\", expected format is \"<deployment_name>.<build_id>\"");
        var deployment = Find(ns, name) ?? throw DeploymentNotFound(name);
        if (!deployment.Versions.TryGetValue(buildId, out var version))
        {
            return; // Temporal answers success for a version the deployment does not have
        }

        var asV31 = WorkerDeploymentVersionId.V31(name, buildId);
        var asV32 = WorkerDeploymentVersionId.V32(name, buildId);
        if (deployment.CurrentVersion == asV31 || deployment.RampingVersion == asV31)
        {
            throw Errors.FailedPrecondition($"version '{asV32}' cannot be deleted since it is current or ramping");
        }

        CheckManager(deployment, request.Identity);

        RefreshDrainage(ns, deployment, version, now);
        if (!request.SkipDrainage && version.Drainage == VersionDrainageStatus.Draining)
        {
            throw Errors.FailedPrecondition($"version '{asV32}' cannot be deleted since it is draining");
        }

        if (version.HasPollersSince(pollerCutoff))
        {
            throw Errors.FailedPrecondition($"version '{asV32}' cannot be deleted since it has active pollers");
        }

        deployment.Versions.Remove(buildId);
        deployment.LastModifierIdentity = request.Identity;
        Changed(ns, name);
    }

    /// <summary>Every deployment of a namespace being deleted, versions and all (each marked for the store's delete).</summary>
    public void Forget(string ns)
    {
        foreach (var key in deployments.Keys.Where(k => k.Namespace == ns).ToList())
        {
            deployments.Remove(key);
            changed.Add(key);
        }

        Reindex();
    }

    public void Delete(string ns, string deploymentName)
    {
        if (Find(ns, deploymentName) is not { } deployment)
        {
            return; // deleting a deployment that does not exist succeeds in Temporal
        }

        if (deployment.Versions.Count > 0)
        {
            throw Errors.FailedPrecondition("deployment has versions, can't be deleted");
        }

        deployments.Remove((ns, deploymentName));
        Changed(ns, deploymentName);
    }

    private static WorkerDeploymentVersionState AddVersion(WorkerDeploymentState deployment, string buildId, DateTime now)
    {
        if (!deployment.Versions.TryGetValue(buildId, out var version))
        {
            version = new WorkerDeploymentVersionState(buildId, now);
            deployment.Versions[buildId] = version;
        }

        return version;
    }

    private static WorkerDeploymentVersionState? VersionOf(WorkerDeploymentState deployment, string v31) =>
        v31.Length > 0 && WorkerDeploymentVersionId.Parse(v31, out _) is { } v && deployment.Versions.TryGetValue(v.BuildId, out var version) ? version : null;

    private void RefreshDrainage(string ns, WorkerDeploymentState deployment, DateTime now)
    {
        foreach (var version in deployment.Versions.Values)
        {
            RefreshDrainage(ns, deployment, version, now);
        }
    }

    private void RefreshDrainage(string ns, WorkerDeploymentState deployment, WorkerDeploymentVersionState version, DateTime now) =>
        version.RefreshDrainage(now, DrainageGracePeriod, () => hasOpenPinnedRun(ns, WorkerDeploymentVersionId.V31(deployment.Name, version.BuildId)));

    private static (string DeploymentName, string BuildId)? ParseFor(string deploymentName, string version)
    {
        var parsed = WorkerDeploymentVersionId.Parse(version, out var error);
        if (error is not null)
        {
            throw Errors.InvalidArgument("invalid version string: " + error);
        }

        if (parsed is { } p && p.DeploymentName != deploymentName)
        {
            throw Errors.InvalidArgument($"invalid version string '{version}' does not match deployment name '{deploymentName}'");
        }

        return parsed;
    }

    private static void CheckConflictToken(WorkerDeploymentState deployment, ByteString token)
    {
        if (!token.IsEmpty && !token.Span.SequenceEqual(deployment.ConflictToken))
        {
            throw Errors.FailedPrecondition("conflict token mismatch");
        }
    }

    /// <summary>The version a routing change names (null = unversioned); with allow_no_pollers Temporal creates it.</summary>
    private static WorkerDeploymentVersionState? TargetVersion(
        WorkerDeploymentState deployment, (string DeploymentName, string BuildId)? target, bool allowNoPollers, DateTime now)
    {
        if (target is not { } t)
        {
            return null;
        }

        if (deployment.Versions.TryGetValue(t.BuildId, out var version))
        {
            return version;
        }

        return allowNoPollers ? AddVersion(deployment, t.BuildId, now) : throw Errors.NotFound($"build ID '{t.BuildId}' not found in Worker Deployment '{deployment.Name}'");
    }

    private WorkerDeploymentState? Find(string ns, string name) => deployments.GetValueOrDefault((ns, name));

    /// <summary>Routing changes need a deployment a poller created, unless allow_no_pollers (then Temporal starts one).</summary>
    private WorkerDeploymentState FindOrCreate(string ns, string name, bool allowNoPollers, DateTime now)
    {
        if (Find(ns, name) is { } deployment)
        {
            return deployment;
        }

        if (!allowNoPollers)
        {
            throw DeploymentNotFound(name);
        }

        deployment = AddDeployment(ns, name, createRequestId: string.Empty, now);
        Changed(ns, name);
        return deployment;
    }

    /// <summary>The one way a deployment comes into being: by a poll, a routing change with allow_no_pollers, or CreateWorkerDeployment.</summary>
    private WorkerDeploymentState AddDeployment(string ns, string name, string createRequestId, DateTime now)
    {
        var deployment = new WorkerDeploymentState(name, now) { CreateRequestId = createRequestId };
        deployments[(ns, name)] = deployment;
        return deployment;
    }

    private static global::Grpc.Core.RpcException DeploymentNotFound(string name) =>
        Errors.NotFound($"no Worker Deployment found with name '{name}'; does your Worker Deployment have pollers?");
}
