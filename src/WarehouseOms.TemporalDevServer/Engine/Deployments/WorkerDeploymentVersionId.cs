namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// Temporal's version strings. The deprecated (v0.31) form is "name.buildId" and is what the routing
/// config's string fields still carry; "name:buildId" (v0.32) appears in messages. "__unversioned__"
/// stands for "no version" (null here).
/// </summary>
internal static class WorkerDeploymentVersionId
{
    public const string Unversioned = "__unversioned__";

    // Temporal: (MaxIDLengthLimit 1000 - len("temporal-sys-worker-deployment-version:")) / 2.
    private const int MaxFieldLength = (1000 - 39) / 2;

    /// <summary>Temporal's ValidateDeploymentVersionFields for a deployment name: null when acceptable, else the INVALID_ARGUMENT message.</summary>
    public static string? DeploymentNameProblem(string name) => FieldProblem("WorkerDeploymentName", name);

    /// <summary>Temporal's ValidateDeploymentVersionFields for a build ID.</summary>
    public static string? BuildIdProblem(string buildId) => FieldProblem("BuildID", buildId);

    public static string V31(string deploymentName, string buildId) => deploymentName + "." + buildId;

    public static string V32(string deploymentName, string buildId) => deploymentName + ":" + buildId;

    /// <summary>As Temporal parses a v0.31 string: the first of '.' or ':' splits it; null = unversioned.</summary>
    public static (string DeploymentName, string BuildId)? Parse(string s, out string? error)
    {
        error = null;
        if (s == Unversioned)
        {
            return null;
        }

        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        var at = dot < 0 ? colon : colon < 0 ? dot : Math.Min(dot, colon);
        if (at < 0)
        {
            error = $"expected delimiter ':' or '.' not found in version string {s}";
            return null;
        }

        var (name, build) = (s[..at], s[(at + 1)..]);
        if (name.Length == 0)
        {
            error = $"deployment name is empty in version string {s}";
        }
        else if (build.Length == 0)
        {
            error = $"build id is empty in version string {s}";
        }

        return error is null ? (name, build) : null;
    }

    /// <summary>The proto form of a v0.31 string ("" counts as unversioned, as in Temporal): null when unversioned.</summary>
    public static Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? ToProto(string v31) =>
        v31.Length > 0 && Parse(v31, out _) is { } v ? new() { DeploymentName = v.DeploymentName, BuildId = v.BuildId } : null;

    private static string? FieldProblem(string name, string value) =>
        value.Length == 0 ? $"{name} cannot be empty"
        : value.Length > MaxFieldLength ? $"size of {name} larger than the maximum allowed"
        : name == "WorkerDeploymentName" && value.Contains('.', StringComparison.Ordinal) ? "worker deployment name cannot contain '.'"
        : name == "WorkerDeploymentName" && value.Contains(':', StringComparison.Ordinal) ? "worker deployment name cannot contain ':'"
        : value.StartsWith("__", StringComparison.Ordinal) ? $"{name} cannot start with '__'"
        : null;
}
