using System.Text.Json.Serialization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>One worker deployment: what Temporal's worker-deployment workflow keeps in its state.</summary>
internal sealed class WorkerDeploymentState(string name, DateTime createTime)
{
    public string Name { get; } = name;

    public DateTime CreateTime { get; } = createTime;

    /// <summary>v0.31 string; a new deployment routes to unversioned workers, as in Temporal.</summary>
    public string CurrentVersion { get; set; } = WorkerDeploymentVersionId.Unversioned;

    public DateTime? CurrentVersionChangedTime { get; set; }

    /// <summary>v0.31 string; "" = no ramp, "__unversioned__" = ramping to unversioned workers.</summary>
    public string RampingVersion { get; set; } = string.Empty;

    public float RampingPercentage { get; set; }

    public DateTime? RampingVersionChangedTime { get; set; }

    public DateTime? RampingPercentageChangedTime { get; set; }

    public long RevisionNumber { get; set; }

    public byte[] ConflictToken { get; set; } = TokenAt(createTime, null);

    public string LastModifierIdentity { get; set; } = string.Empty;

    /// <summary>When set, only this identity may change routing or delete versions (Temporal's manager identity).</summary>
    public string ManagerIdentity { get; set; } = string.Empty;

    /// <summary>
    /// The request ID that created it: CreateWorkerDeployment's (a repeat with it succeeds), or one starting with
    /// <see cref="WorkerDeploymentRegistry.AutoCreateRequestIdPrefix"/> when a poll created it. Empty in records
    /// stored before it was kept, and for a deployment a routing change created (allow_no_pollers).
    /// </summary>
    public string CreateRequestId { get; set; } = string.Empty;

    /// <summary>By build ID.</summary>
    public Dictionary<string, WorkerDeploymentVersionState> Versions { get; init; } = [];

    /// <summary>Temporal marshals the change time; here its ticks, made strictly newer than the last token so two changes in one tick still differ.</summary>
    public static byte[] TokenAt(DateTime now, byte[]? previous)
    {
        var ticks = now.Ticks;
        if (previous is { Length: 8 })
        {
            ticks = Math.Max(ticks, BitConverter.ToInt64(previous) + 1);
        }

        return BitConverter.GetBytes(ticks);
    }

    public RoutingConfig RoutingConfig() => new()
    {
        CurrentVersion = CurrentVersion,
        CurrentDeploymentVersion = WorkerDeploymentVersionId.ToProto(CurrentVersion),
        CurrentVersionChangedTime = Ts(CurrentVersionChangedTime),
        RampingVersion = RampingVersion,
        RampingDeploymentVersion = WorkerDeploymentVersionId.ToProto(RampingVersion),
        RampingVersionPercentage = RampingPercentage,
        RampingVersionChangedTime = Ts(RampingVersionChangedTime),
        RampingVersionPercentageChangedTime = Ts(RampingPercentageChangedTime),
        RevisionNumber = RevisionNumber,
    };

    public WorkerDeploymentInfo Info()
    {
        var info = new WorkerDeploymentInfo
        {
            Name = Name,
            CreateTime = Timestamp.FromDateTime(CreateTime),
            RoutingConfig = RoutingConfig(),
            LastModifierIdentity = LastModifierIdentity,
            ManagerIdentity = ManagerIdentity,
            RoutingConfigUpdateState = RoutingConfigUpdateState.Completed,
        };

        // Temporal lists the newest version first.
        info.VersionSummaries.AddRange(Versions.Values.OrderByDescending(v => v.CreateTime).Select(v => v.Summary(Name)));
        return info;
    }

    public ByteString Token() => ByteString.CopyFrom(ConflictToken);

    public static Timestamp? Ts(DateTime? time) => time is { } t ? Timestamp.FromDateTime(t) : null;
}

/// <summary>One version of a deployment: what Temporal's version workflow keeps, plus the task queues its workers poll.</summary>
internal sealed class WorkerDeploymentVersionState(string buildId, DateTime createTime)
{
    public string BuildId { get; } = buildId;

    public DateTime CreateTime { get; } = createTime;

    public WorkerDeploymentVersionStatus Status { get; set; } = WorkerDeploymentVersionStatus.Inactive;

    /// <summary>CreateWorkerDeploymentVersion's request ID (a repeat with it succeeds); empty when a poll created the version.</summary>
    public string CreateRequestId { get; set; } = string.Empty;

    /// <summary>Who created it explicitly (Temporal's version state keeps the creator as its last modifier).</summary>
    public string LastModifierIdentity { get; set; } = string.Empty;

    public DateTime? RoutingUpdateTime { get; set; }

    public DateTime? CurrentSinceTime { get; set; }

    public DateTime? RampingSinceTime { get; set; }

    public float RampPercentage { get; set; }

    public DateTime? FirstActivationTime { get; set; }

    public DateTime? LastCurrentTime { get; set; }

    public DateTime? LastDeactivationTime { get; set; }

    public VersionDrainageStatus Drainage { get; set; }

    public DateTime? DrainageChangedTime { get; set; }

    public DateTime? DrainageCheckedTime { get; set; }

    /// <summary>User metadata entries (UpdateWorkerDeploymentVersionMetadata): key -> the payload's binary form.</summary>
    public SortedDictionary<string, byte[]> Metadata { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Temporal answers an absent metadata until an upsert creates it.</summary>
    public bool HasMetadata { get; set; }

    public Temporalio.Api.Deployment.V1.VersionMetadata? MetadataInfo()
    {
        if (!HasMetadata)
        {
            return null;
        }

        var metadata = new Temporalio.Api.Deployment.V1.VersionMetadata();
        foreach (var (key, payload) in Metadata)
        {
            metadata.Entries[key] = Temporalio.Api.Common.V1.Payload.Parser.ParseFrom(payload);
        }

        return metadata;
    }

    /// <summary>Task queue (name, type) -> when a worker of this version last polled it.</summary>
    [JsonIgnore]
    public Dictionary<(string Name, TaskQueueType Type), DateTime> TaskQueues { get; } = [];

    /// <summary>
    /// What the store keeps of <see cref="TaskQueues"/>: the queues, not the poll times. Like Temporal's
    /// matching, a restarted engine knows no pollers until workers poll again.
    /// </summary>
    public List<StoredTaskQueue> StoredTaskQueues
    {
        get => [.. TaskQueues.Keys.Select(k => new StoredTaskQueue(k.Name, k.Type))];
        set
        {
            foreach (var queue in value)
            {
                TaskQueues.TryAdd((queue.Name, queue.Type), DateTime.MinValue);
            }
        }
    }

    public VersionDrainageInfo? DrainageInfo() => Drainage == VersionDrainageStatus.Unspecified
        ? null // Temporal never returns an empty drainage info
        : new() { Status = Drainage, LastChangedTime = WorkerDeploymentState.Ts(DrainageChangedTime), LastCheckedTime = WorkerDeploymentState.Ts(DrainageCheckedTime) };

    public WorkerDeploymentInfo.Types.WorkerDeploymentVersionSummary Summary(string deploymentName) => new()
    {
        Version = WorkerDeploymentVersionId.V31(deploymentName, BuildId),
        DeploymentVersion = new() { DeploymentName = deploymentName, BuildId = BuildId },
        Status = Status,
        CreateTime = Timestamp.FromDateTime(CreateTime),
        DrainageStatus = Drainage,
        DrainageInfo = DrainageInfo(),
        RoutingUpdateTime = WorkerDeploymentState.Ts(RoutingUpdateTime),
        CurrentSinceTime = WorkerDeploymentState.Ts(CurrentSinceTime),
        RampingSinceTime = WorkerDeploymentState.Ts(RampingSinceTime),
        FirstActivationTime = WorkerDeploymentState.Ts(FirstActivationTime),
        LastCurrentTime = WorkerDeploymentState.Ts(LastCurrentTime),
        LastDeactivationTime = WorkerDeploymentState.Ts(LastDeactivationTime),
    };

    /// <summary>Becomes current (routing_update_time = since = now); a former drainage is erased.</summary>
    public void MakeCurrent(DateTime now)
    {
        Status = WorkerDeploymentVersionStatus.Current;
        RoutingUpdateTime = now;
        CurrentSinceTime = now;
        LastCurrentTime = now;
        RampingSinceTime = null;
        RampPercentage = 0;
        FirstActivationTime ??= now;
        ClearDrainage();
    }

    /// <summary>Ramps at <paramref name="percentage"/>; <paramref name="since"/> stays when only the percentage changes.</summary>
    public void MakeRamping(DateTime now, DateTime since, float percentage)
    {
        Status = WorkerDeploymentVersionStatus.Ramping;
        RoutingUpdateTime = now;
        RampingSinceTime = since;
        RampPercentage = percentage;
        FirstActivationTime ??= now;
        ClearDrainage();
    }

    /// <summary>No longer current nor ramping: it drains the workflows it still has.</summary>
    public void Deactivate(DateTime now)
    {
        Status = WorkerDeploymentVersionStatus.Draining;
        RoutingUpdateTime = now;
        CurrentSinceTime = null;
        RampingSinceTime = null;
        RampPercentage = 0;
        LastDeactivationTime = now;
        Drainage = VersionDrainageStatus.Draining;
        DrainageChangedTime = now;
        DrainageCheckedTime = now;
    }

    /// <summary>
    /// Temporal checks a draining version after a grace period (3 minutes), then periodically, and calls it
    /// drained once no open workflow is pinned to it. Here the check runs when the version is read: before
    /// the grace period nothing changes; after it, an open pinned run keeps it draining (checked now), and
    /// with none it is drained, at the end of the grace period if no check has seen a pinned run since.
    /// </summary>
    public void RefreshDrainage(DateTime now, TimeSpan grace, Func<bool> hasOpenPinnedRun)
    {
        if (Drainage != VersionDrainageStatus.Draining || DrainageChangedTime is not { } since || now - since < grace)
        {
            return;
        }

        if (hasOpenPinnedRun())
        {
            DrainageCheckedTime = now;
            return;
        }

        var drainedAt = DrainageCheckedTime is { } checkedAt && checkedAt > since + grace ? now : since + grace;
        Drainage = VersionDrainageStatus.Drained;
        Status = WorkerDeploymentVersionStatus.Drained;
        DrainageChangedTime = drainedAt;
        DrainageCheckedTime = drainedAt;
    }

    public bool HasPollersSince(DateTime cutoff) => TaskQueues.Values.Any(last => last >= cutoff);

    private void ClearDrainage()
    {
        Drainage = VersionDrainageStatus.Unspecified;
        DrainageChangedTime = null;
        DrainageCheckedTime = null;
    }
}

internal sealed record StoredTaskQueue(string Name, TaskQueueType Type);
