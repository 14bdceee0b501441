using System.Text.Json;
using Google.Protobuf.Collections;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// The search attributes Temporal's history service keeps for a run's versioning, recomputed after every
/// completed workflow task and every options update (Temporal's addBuildIDAndDeploymentInfoToSearchAttributes):
/// <c>TemporalWorkerDeployment</c>, <c>TemporalWorkerDeploymentVersion</c> ("name:buildId"),
/// <c>TemporalWorkflowVersioningBehavior</c> (VERSIONING_BEHAVIOR_PINNED / _AUTO_UPGRADE), each removed when empty,
/// and <c>BuildIds</c>: "unversioned" first for an unversioned run, "pinned:name:buildId" first for a pinned one,
/// then every build that completed a task ("versioned:id" / "unversioned:id"); and
/// <c>TemporalUsedWorkerDeploymentVersions</c>: every deployment version ("name:buildId") that completed a task,
/// in first-use order, the oldest dropped past the 2 KB value limit.
/// </summary>
internal static class VersioningSearchAttributes
{
    public const string BuildIds = "BuildIds";
    public const string UsedVersions = "TemporalUsedWorkerDeploymentVersions";
    private const string Unversioned = "unversioned";
    private const string PinnedPrefix = "pinned:";
    private const string AssignedPrefix = "assigned:";

    /// <summary>Server-maintained attributes: not carried into a continued run by the engine (Temporal's new run computes its own).</summary>
    public static bool IsServerMaintained(string name) => name == BuildIds || SearchAttributeRegistry.ServerWritten.Contains(name);

    /// <param name="usedVersion">The deployment version of the versioned worker that completed the task, if any.</param>
    public static void Update(Execution execution, WorkerVersionStamp? stamp, Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? usedVersion = null)
    {
        var fields = execution.SearchAttributes.IndexedFields;
        var info = execution.VersioningInfo;
        var behavior = VersioningOverrides.EffectiveBehavior(info);
        var version = VersioningOverrides.TargetVersion(info?.VersioningOverride) ?? info?.DeploymentVersion;
        var versionText = version is null ? string.Empty : WorkerDeploymentVersionId.V32(version.DeploymentName, version.BuildId);
        var deployment = version?.DeploymentName ?? execution.WorkerDeploymentName;

        var existing = Keywords(fields.GetValueOrDefault(BuildIds));
        var buildIds = new List<string>();
        if (!(stamp?.UseVersioning ?? false) && behavior == VersioningBehavior.Unspecified)
        {
            buildIds.Add(Unversioned);
        }

        if (behavior == VersioningBehavior.Pinned)
        {
            buildIds.Add(PinnedPrefix + versionText);
        }

        var stampValue = stamp is null ? string.Empty
            : stamp.BuildId.Length == 0 ? Unversioned
            : (stamp.UseVersioning ? "versioned:" : "unversioned:") + stamp.BuildId;
        buildIds.AddRange(existing.Where(v => v != Unversioned && !v.StartsWith(AssignedPrefix, StringComparison.Ordinal) && !v.StartsWith(PinnedPrefix, StringComparison.Ordinal)));
        if (stampValue.Length > 0 && !existing.Contains(stampValue))
        {
            buildIds.Add(stampValue);
        }

        if (!buildIds.SequenceEqual(existing))
        {
            fields[BuildIds] = SearchAttributeRegistry.JsonPayload(buildIds, "KeywordList");
        }

        if (usedVersion is { BuildId.Length: > 0 })
        {
            AddUsedVersion(fields, WorkerDeploymentVersionId.V32(usedVersion.DeploymentName, usedVersion.BuildId));
        }

        Set(fields, "TemporalWorkerDeployment", deployment);
        Set(fields, "TemporalWorkerDeploymentVersion", versionText);
        Set(fields, "TemporalWorkflowVersioningBehavior", behavior == VersioningBehavior.Unspecified ? string.Empty : VersioningOverrides.GoName(behavior));
    }

    private static void AddUsedVersion(MapField<string, Payload> fields, string version)
    {
        var used = Keywords(fields.GetValueOrDefault(UsedVersions));
        if (used.Contains(version))
        {
            return;
        }

        used.Add(version);
        var payload = SearchAttributeRegistry.JsonPayload(used, "KeywordList");
        while (used.Count > 1 && payload.Data.Length > SearchAttributeRegistry.MaxValueBytes)
        {
            used.RemoveAt(0);
            payload = SearchAttributeRegistry.JsonPayload(used, "KeywordList");
        }

        fields[UsedVersions] = payload;
    }

    private static void Set(MapField<string, Payload> fields, string name, string value)
    {
        if (value.Length == 0)
        {
            fields.Remove(name);
        }
        else if (!fields.TryGetValue(name, out var old) || Keyword(old) != value)
        {
            fields[name] = SearchAttributeRegistry.JsonPayload(value, "Keyword");
        }
    }

    private static List<string> Keywords(Payload? payload)
    {
        if (payload is null || payload.Data.IsEmpty)
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<string>>(payload.Data.Span) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string? Keyword(Payload payload)
    {
        try
        {
            return JsonSerializer.Deserialize<string>(payload.Data.Span);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
