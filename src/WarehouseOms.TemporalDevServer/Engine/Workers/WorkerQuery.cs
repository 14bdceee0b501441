using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Worker.V1;
using WarehouseOms.TemporalDevServer.Engine.Visibility;

namespace WarehouseOms.TemporalDevServer.Engine.Workers;

/// <summary>
/// ListWorkers' and CountWorkers' filter, in the list query language: the heartbeat's fields (WorkerInstanceKey,
/// WorkerIdentity, HostName, TaskQueue, DeploymentName, BuildId, SdkName, SdkVersion, WorkerStatus or Status by
/// enum name, StartTime, HeartbeatTime) are read as the visibility query reads a run's. A name it does not know
/// matches nothing, as Temporal's worker query engine answers no match rather than an error.
/// </summary>
internal sealed class WorkerQuery
{
    private static readonly HashSet<string> TimeFields = ["StartTime", "HeartbeatTime"];

    private readonly VisibilityQuery? query;

    private WorkerQuery(VisibilityQuery? query) => this.query = query;

    public static WorkerQuery Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new WorkerQuery(null);
        }

        try
        {
            return new WorkerQuery(VisibilityQuery.Parse(text, name => TimeFields.Contains(name) ? IndexedValueType.Datetime : IndexedValueType.Keyword));
        }
        catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.InvalidArgument)
        {
            throw Errors.InvalidArgument($"malformed query: {ex.Status.Detail}");
        }
    }

    public bool Matches(WorkerHeartbeat heartbeat) => query is null || query.Matches(AsRecord(heartbeat));

    // The heartbeat as a run the visibility query can read: its fields as keyword attributes, its start as the start time.
    private static Execution AsRecord(WorkerHeartbeat h)
    {
        var attributes = new SearchAttributes();
        void Set(string name, string value)
        {
            if (value.Length > 0)
            {
                attributes.IndexedFields[name] = SearchAttributeRegistry.JsonPayload(value, "Keyword");
            }
        }

        Set("WorkerInstanceKey", h.WorkerInstanceKey);
        Set("WorkerIdentity", h.WorkerIdentity);
        Set("HostName", h.HostInfo?.HostName ?? string.Empty);
        Set("DeploymentName", h.DeploymentVersion?.DeploymentName ?? string.Empty);
        Set("BuildId", h.DeploymentVersion?.BuildId ?? string.Empty);
        Set("SdkName", h.SdkName);
        Set("SdkVersion", h.SdkVersion);
        Set("WorkerStatus", Enums.Name(h.Status));
        Set("Status", Enums.Name(h.Status));
        if (h.HeartbeatTime is { } beat)
        {
            attributes.IndexedFields["HeartbeatTime"] = SearchAttributeRegistry.JsonPayload(beat.ToDateTime(), "Datetime");
        }

        return new Execution
        {
            Namespace = string.Empty,
            WorkflowId = h.WorkerInstanceKey,
            RunId = h.WorkerInstanceKey,
            FirstRunId = h.WorkerInstanceKey,
            WorkflowType = string.Empty,
            TaskQueue = h.TaskQueue,
            StartRequestId = string.Empty,
            StartTime = h.StartTime?.ToDateTime() ?? DateTime.UnixEpoch,
            SearchAttributes = attributes,
        };
    }
}
