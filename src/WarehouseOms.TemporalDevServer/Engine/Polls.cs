using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    public Task<PollWorkflowTaskQueueResponse> PollWorkflowTasksAsync(PollWorkflowTaskQueueRequest request, DateTime? deadline, CancellationToken ct)
    {
        // A sticky poll names the worker's own queue: it gets tasks of the runs that worker has cached.
        var name = request.TaskQueue?.Name ?? throw Errors.InvalidArgument("TaskQueue is not set on request.");
        return PollAsync<PollWorkflowTaskQueueResponse>(request.Namespace, name, activity: false, request.Identity, deadline, ct);
    }

    public Task<PollActivityTaskQueueResponse> PollActivityTasksAsync(PollActivityTaskQueueRequest request, DateTime? deadline, CancellationToken ct)
    {
        var name = request.TaskQueue?.Name ?? throw Errors.InvalidArgument("TaskQueue is not set on request.");
        return PollAsync<PollActivityTaskQueueResponse>(request.Namespace, name, activity: true, request.Identity, deadline, ct);
    }
}
