using System.Text.Json;
using Temporalio.Api.Worker.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Workers;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Worker heartbeats and the worker RPCs, as Temporal's frontend and matching service answer them: heartbeats are
/// recorded when frontend.WorkerHeartbeatsEnabled (on by default; off, they are accepted and dropped), also the
/// final one a ShutdownWorker carries; ListWorkers pages in worker instance key order; DescribeWorker and
/// CountWorkers. Nothing of it is stored: a restarted engine knows a worker again from its next heartbeat.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private readonly WorkerRegistry workers;

    public bool WorkerHeartbeatsEnabled { get; }

    public void RecordWorkerHeartbeat(string ns, IEnumerable<WorkerHeartbeat> heartbeats)
    {
        string resolved;
        using (gate.Enter())
        {
            resolved = Ns(ns);
        }

        if (WorkerHeartbeatsEnabled)
        {
            workers.Record(resolved, heartbeats, DateTime.UtcNow);
        }
    }

    public ListWorkersResponse ListWorkers(ListWorkersRequest request)
    {
        var ns = ResolveNamespace(request.Namespace);
        var query = WorkerQuery.Parse(request.Query);
        var after = request.NextPageToken.IsEmpty ? null : ReadWorkerPageToken(request.NextPageToken);
        var matching = workers.Of(ns, request.IncludeSystemWorkers).Where(h => after is null || string.CompareOrdinal(h.WorkerInstanceKey, after) > 0).Where(query.Matches);
        // No page size: every match, as Temporal answers; otherwise one more than the page shows whether more follow.
        var limit = request.PageSize > 0 ? request.PageSize : int.MaxValue - 1;
        var page = matching.Take(limit + 1).ToList();
        var response = new ListWorkersResponse();
        foreach (var heartbeat in page.Take(limit))
        {
            response.WorkersInfo.Add(new WorkerInfo { WorkerHeartbeat = heartbeat });
            response.Workers.Add(ListInfo(heartbeat));
        }

        if (page.Count > limit)
        {
            response.NextPageToken = ByteStrings.Utf8(JsonSerializer.Serialize(new WorkerPageToken(page[limit - 1].WorkerInstanceKey)));
        }

        return response;
    }

    public DescribeWorkerResponse DescribeWorker(DescribeWorkerRequest request)
    {
        var ns = ResolveNamespace(request.Namespace);
        var heartbeat = workers.Find(ns, request.WorkerInstanceKey) ?? throw Errors.NotFound($"Worker {request.WorkerInstanceKey} not found");
        return new DescribeWorkerResponse { WorkerInfo = new WorkerInfo { WorkerHeartbeat = heartbeat } };
    }

    public CountWorkersResponse CountWorkers(CountWorkersRequest request)
    {
        var ns = ResolveNamespace(request.Namespace);
        var query = WorkerQuery.Parse(request.Query);
        return new CountWorkersResponse { Count = workers.Of(ns, request.IncludeSystemWorkers).LongCount(query.Matches) };
    }

    private string ResolveNamespace(string ns)
    {
        using (gate.Enter())
        {
            return Ns(ns);
        }
    }

    private static WorkerListInfo ListInfo(WorkerHeartbeat h)
    {
        var info = new WorkerListInfo
        {
            WorkerInstanceKey = h.WorkerInstanceKey,
            WorkerIdentity = h.WorkerIdentity,
            TaskQueue = h.TaskQueue,
            DeploymentVersion = h.DeploymentVersion,
            SdkName = h.SdkName,
            SdkVersion = h.SdkVersion,
            Status = h.Status,
            StartTime = h.StartTime,
            HostName = h.HostInfo?.HostName ?? string.Empty,
            WorkerGroupingKey = h.HostInfo?.WorkerGroupingKey ?? string.Empty,
            ProcessId = h.HostInfo?.ProcessId ?? string.Empty,
        };
        info.Plugins.AddRange(h.Plugins);
        info.Drivers.AddRange(h.Drivers);
        return info;
    }

    private static string ReadWorkerPageToken(Google.Protobuf.ByteString token)
    {
        try
        {
            return JsonSerializer.Deserialize<WorkerPageToken>(token.Span)?.L ?? throw Errors.InvalidArgument("invalid next_page_token");
        }
        catch (JsonException)
        {
            throw Errors.InvalidArgument("invalid next_page_token");
        }
    }

    // Temporal's token: the last key of the page, so the next page is stable while workers come and go.
    private sealed record WorkerPageToken(string L)
    {
        [System.Text.Json.Serialization.JsonPropertyName("l")]
        public string L { get; init; } = L;
    }
}
