using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Deployments;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The worker deployment RPCs over the registry, under the engine lock and on the engine clock. The
/// registry lives in memory: a restarted engine has none until versioned workers poll again.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private readonly WorkerDeploymentRegistry workerDeployments = new();

    public DescribeWorkerDeploymentResponse DescribeWorkerDeployment(DescribeWorkerDeploymentRequest request)
    {
        lock (gate)
        {
            return workerDeployments.Describe(Ns(request.Namespace), request.DeploymentName, Clock.Now);
        }
    }

    public DescribeWorkerDeploymentVersionResponse DescribeWorkerDeploymentVersion(DescribeWorkerDeploymentVersionRequest request)
    {
        lock (gate)
        {
            return workerDeployments.DescribeVersion(Ns(request.Namespace), request, Clock.Now);
        }
    }

    public ListWorkerDeploymentsResponse ListWorkerDeployments(ListWorkerDeploymentsRequest request)
    {
        lock (gate)
        {
            return workerDeployments.List(Ns(request.Namespace), request.PageSize, request.NextPageToken, Clock.Now);
        }
    }

    public SetWorkerDeploymentCurrentVersionResponse SetWorkerDeploymentCurrentVersion(SetWorkerDeploymentCurrentVersionRequest request)
    {
        lock (gate)
        {
            return workerDeployments.SetCurrent(Ns(request.Namespace), request, Clock.Now);
        }
    }

    public SetWorkerDeploymentRampingVersionResponse SetWorkerDeploymentRampingVersion(SetWorkerDeploymentRampingVersionRequest request)
    {
        lock (gate)
        {
            return workerDeployments.SetRamping(Ns(request.Namespace), request, Clock.Now);
        }
    }

    public void DeleteWorkerDeploymentVersion(DeleteWorkerDeploymentVersionRequest request)
    {
        lock (gate)
        {
            // "Active pollers" as DescribeTaskQueue reports them: seen within the poller TTL.
            workerDeployments.DeleteVersion(Ns(request.Namespace), request, Clock.Now - PollerTtl, Clock.Now);
        }
    }

    public void DeleteWorkerDeployment(DeleteWorkerDeploymentRequest request)
    {
        lock (gate)
        {
            workerDeployments.Delete(Ns(request.Namespace), request.DeploymentName);
        }
    }
}
