using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// List and count over standalone runs (activities, Nexus operations), as Temporal's CHASM visibility answers them:
/// pages after the run the token names, so later starts never shift a page, and counts grouped by status.
/// </summary>
internal static class StandaloneListing
{
    /// <summary>The page of <paramref name="rows"/> (in list order) after the run <paramref name="token"/> names, and the next page's token (null on the last page).</summary>
    public static (List<Execution> Page, ByteString? Next) PageAfter(List<Execution> rows, ByteString token, int pageSize)
    {
        var start = 0;
        if (!token.IsEmpty)
        {
            var after = token.ToStringUtf8();
            start = rows.FindIndex(r => r.RunId == after) + 1;
            if (start == 0)
            {
                throw Errors.InvalidArgument("invalid next page token");
            }
        }

        var page = rows.Skip(start).Take(pageSize).ToList();
        return (page, start + pageSize < rows.Count ? ByteString.CopyFromUtf8(rows[start + pageSize - 1].RunId) : null);
    }

    /// <summary>GROUP BY ExecutionStatus: how many runs have each status, in status order, the status's name as the group's value.</summary>
    public static IEnumerable<(long Count, Payload Value)> CountsByStatus<T, TStatus>(IEnumerable<T> matching, Func<T, TStatus> status)
        where TStatus : struct, Enum =>
        matching.GroupBy(status).OrderBy(g => g.Key).Select(g => ((long)g.Count(), SearchAttributeRegistry.JsonPayload(g.Key.ToString(), "Keyword")));

    /// <summary>
    /// The workflow status of the same name, for the query language's ExecutionStatus (it reads statuses by name, and
    /// a standalone run's statuses carry a workflow's names); an unset status counts as running.
    /// </summary>
    public static WorkflowExecutionStatus AsWorkflowStatus<TStatus>(TStatus status)
        where TStatus : struct, Enum =>
        Enum.TryParse<WorkflowExecutionStatus>(status.ToString(), out var named) && named != WorkflowExecutionStatus.Unspecified
            ? named
            : WorkflowExecutionStatus.Running;
}
