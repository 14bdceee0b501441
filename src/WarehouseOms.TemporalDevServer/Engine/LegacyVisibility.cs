using System.Globalization;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Filter.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The visibility RPCs older clients and tools still call, answered as Temporal's frontend answers them:
/// ListOpen/ListClosed become a list query over their filters (a closed run's time filter applies to its
/// close time, as in Temporal's SQL visibility), Scan is List, GetSearchAttributes lists every known key.
/// </summary>
internal sealed partial class WorkflowEngine
{
    public async Task<ListOpenWorkflowExecutionsResponse> ListOpenAsync(ListOpenWorkflowExecutionsRequest request, CancellationToken ct)
    {
        var clauses = new List<string> { "ExecutionStatus = 'Running'" };
        clauses.AddRange(TimeClause("StartTime", request.StartTimeFilter));
        clauses.AddRange(FilterClauses(request.ExecutionFilter, request.TypeFilter));
        var listed = await ListLegacyAsync(request.Namespace, clauses, request.MaximumPageSize, request.NextPageToken, ct).ConfigureAwait(false);
        return new ListOpenWorkflowExecutionsResponse { Executions = { listed.Executions }, NextPageToken = listed.NextPageToken };
    }

    public async Task<ListClosedWorkflowExecutionsResponse> ListClosedAsync(ListClosedWorkflowExecutionsRequest request, CancellationToken ct)
    {
        var clauses = new List<string> { "ExecutionStatus != 'Running'" };
        clauses.AddRange(TimeClause("CloseTime", request.StartTimeFilter));
        clauses.AddRange(FilterClauses(request.ExecutionFilter, request.TypeFilter));
        if (request.StatusFilter is { Status: not WorkflowExecutionStatus.Unspecified } status)
        {
            clauses.Add($"ExecutionStatus = '{status.Status}'");
        }

        var listed = await ListLegacyAsync(request.Namespace, clauses, request.MaximumPageSize, request.NextPageToken, ct).ConfigureAwait(false);
        return new ListClosedWorkflowExecutionsResponse { Executions = { listed.Executions }, NextPageToken = listed.NextPageToken };
    }

    public async Task<ScanWorkflowExecutionsResponse> ScanAsync(ScanWorkflowExecutionsRequest request, CancellationToken ct)
    {
        var listed = await ListAsync(new ListWorkflowExecutionsRequest
        {
            Namespace = request.Namespace,
            PageSize = request.PageSize,
            NextPageToken = request.NextPageToken,
            Query = request.Query,
        }, ct).ConfigureAwait(false);
        return new ScanWorkflowExecutionsResponse { Executions = { listed.Executions }, NextPageToken = listed.NextPageToken };
    }

    public GetSearchAttributesResponse GetSearchAttributes()
    {
        var known = ListSearchAttributes(new() { Namespace = DefaultNamespace });
        var response = new GetSearchAttributesResponse();
        foreach (var (name, type) in known.SystemAttributes.Concat(known.CustomAttributes))
        {
            response.Keys[name] = type;
        }

        return response;
    }

    private Task<ListWorkflowExecutionsResponse> ListLegacyAsync(string ns, List<string> clauses, int pageSize, Google.Protobuf.ByteString token, CancellationToken ct) =>
        ListAsync(new ListWorkflowExecutionsRequest { Namespace = ns, PageSize = pageSize, NextPageToken = token, Query = string.Join(" AND ", clauses) }, ct);

    private static IEnumerable<string> TimeClause(string field, StartTimeFilter? filter)
    {
        if (filter?.EarliestTime is { } earliest && earliest.Seconds > 0)
        {
            yield return $"{field} >= '{Rfc3339(earliest)}'";
        }

        if (filter?.LatestTime is { } latest && latest.Seconds > 0)
        {
            yield return $"{field} <= '{Rfc3339(latest)}'";
        }
    }

    private static IEnumerable<string> FilterClauses(WorkflowExecutionFilter? execution, WorkflowTypeFilter? type)
    {
        if (execution is { WorkflowId.Length: > 0 })
        {
            yield return $"WorkflowId = {Quoted(execution.WorkflowId)}";
        }

        if (execution is { RunId.Length: > 0 })
        {
            yield return $"RunId = {Quoted(execution.RunId)}";
        }

        if (type is { Name.Length: > 0 })
        {
            yield return $"WorkflowType = {Quoted(type.Name)}";
        }
    }

    private static string Rfc3339(Google.Protobuf.WellKnownTypes.Timestamp time) =>
        time.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string Quoted(string value) => $"'{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)}'";
}
