namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// Where a routed task queue sends an unpinned workflow's tasks: its deployment's current version, or the
/// ramping version for the share of workflow IDs the ramp takes (Temporal's hash of the ID, so a workflow
/// keeps its side of the ramp). Versions are v0.31 strings; <see cref="WorkerDeploymentVersionId.Unversioned"/>
/// is the unversioned workers. <paramref name="Ramping"/> null: no ramp.
/// </summary>
/// <paramref name="RevisionNumber"/>: the deployment's routing revision (Temporal's, bumped by each routing change).
internal sealed record QueueRoute(string Current, string? Ramping, float RampPercentage, long RevisionNumber = 0)
{
    /// <param name="useRamping">A continue-as-new run told to start on the ramping version (its first task only): the ramping version whatever the percentage.</param>
    public string TargetFor(string workflowId, bool useRamping = false)
    {
        if (useRamping && Ramping is not null)
        {
            return Ramping;
        }

        if (Ramping is null || RampPercentage <= 0)
        {
            return Current;
        }

        return RampPercentage >= 100 || RampThreshold.Of(workflowId) <= RampPercentage ? Ramping : Current;
    }
}
