using Google.Protobuf;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// Explicit creation (CreateWorkerDeployment, CreateWorkerDeploymentVersion), as Temporal's worker-deployment
/// client and workflow answer it: idempotent by request ID, ALREADY_EXISTS for another request ID, a
/// namespace-wide deployment limit. A created version is CREATED until a worker of it polls.
/// </summary>
internal sealed partial class WorkerDeploymentRegistry
{
    /// <summary>Temporal's request-ID prefix for what versioned workers' polls create.</summary>
    public const string AutoCreateRequestIdPrefix = "_auto_create_";

    /// <summary>The engine's own answer: Temporal has no such refusal, it launches workers for a compute config.</summary>
    public const string NoComputeConfigs = "compute configs are not supported by this dev server: it launches no workers";

    /// <summary>Temporal's matching.maxDeployments default.</summary>
    public const int MaxDeployments = 100;

    /// <summary>Answers the deployment's conflict token; a repeat of the creating request ID answers the current one.</summary>
    public ByteString CreateDeployment(string ns, CreateWorkerDeploymentRequest request, DateTime now)
    {
        var name = request.DeploymentName;
        if (name.Length == 0)
        {
            throw Errors.InvalidArgument("deployment name cannot be empty");
        }

        if (WorkerDeploymentVersionId.DeploymentNameProblem(name) is { } problem)
        {
            throw Errors.InvalidArgument(problem);
        }

        // Temporal's frontend gives a request without an ID a fresh one, so it never matches an existing deployment.
        var requestId = request.RequestId.Length > 0 ? request.RequestId : Guid.NewGuid().ToString();
        if (Find(ns, name) is { } existing)
        {
            if (existing.CreateRequestId == requestId)
            {
                return existing.Token();
            }

            throw Errors.AlreadyExists(existing.CreateRequestId.StartsWith(AutoCreateRequestIdPrefix, StringComparison.Ordinal)
                ? $"{AlreadyExistsMessage(name)} (auto-created from worker polls)"
                : AlreadyExistsMessage(name));
        }

        if (deployments.Keys.Count(k => k.Namespace == ns) >= MaxDeployments)
        {
            throw Errors.ResourceExhausted(
                $"reached maximum deployments in namespace ({MaxDeployments})",
                ResourceExhaustedCause.WorkerDeploymentLimits,
                ResourceExhaustedScope.Namespace);
        }

        var deployment = AddDeployment(ns, name, requestId, now);
        deployment.LastModifierIdentity = request.Identity;
        Changed(ns, name);
        return deployment.Token();
    }

    public void CreateVersion(string ns, CreateWorkerDeploymentVersionRequest request, DateTime now)
    {
        var (name, buildId) = (request.DeploymentVersion?.DeploymentName ?? string.Empty, request.DeploymentVersion?.BuildId ?? string.Empty);
        if (name.Length == 0)
        {
            throw Errors.InvalidArgument("deployment name cannot be empty");
        }

        if (buildId.Length == 0)
        {
            throw Errors.InvalidArgument("build ID cannot be empty");
        }

        if ((WorkerDeploymentVersionId.DeploymentNameProblem(name) ?? WorkerDeploymentVersionId.BuildIdProblem(buildId)) is { } problem)
        {
            throw Errors.InvalidArgument(problem);
        }

        // Temporal sends the creation to the deployment's workflow without starting it: the deployment must exist.
        var deployment = Find(ns, name) ?? throw DeploymentNotFound(name);
        var requestId = request.RequestId.Length > 0 ? request.RequestId : Guid.NewGuid().ToString();
        if (deployment.Versions.TryGetValue(buildId, out var existing))
        {
            // A version a poll created has no request ID, so only a repeat of an explicit creation succeeds.
            if (existing.CreateRequestId == requestId)
            {
                return;
            }

            throw Errors.AlreadyExists($"Worker Deployment Version \"{WorkerDeploymentVersionId.V31(name, buildId)}\" already exists");
        }

        if (request.ComputeConfig is not null)
        {
            // Temporal hands a compute config to its worker controller, which launches workers on a cloud provider.
            throw Errors.Unimplemented(NoComputeConfigs);
        }

        var version = AddVersion(deployment, buildId, now);
        version.Status = WorkerDeploymentVersionStatus.Created;
        version.CreateRequestId = requestId;
        version.LastModifierIdentity = request.Identity;
        Changed(ns, name);
    }

    // Go's %q: the name in double quotes (names are printable; only a quote or backslash needs escaping).
    private static string AlreadyExistsMessage(string name) =>
        $"Worker Deployment with name \"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\" already exists";
}
