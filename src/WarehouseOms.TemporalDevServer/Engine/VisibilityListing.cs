using System.Globalization;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// List and count, in Temporal's list order unless the query orders otherwise. In-memory store: from the
/// visibility index under the lock, touching only the runs the query's equalities allow and stopping once a
/// page is full. Durable store: from the store (closed runs
/// are not in memory), after every change made so far is committed, without the lock.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const int ScanBatch = 500;

    private const int VisibilityMaxPageSize = 1000;

    /// <summary>Temporal's frontend, for workflow and schedule lists: no page size, or one over frontend.visibilityMaxPageSize (1000), lists 1000.</summary>
    private static int VisibilityPageSize(int requested) => requested is > 0 and <= VisibilityMaxPageSize ? requested : VisibilityMaxPageSize;

    public async Task<ListWorkflowExecutionsResponse> ListAsync(ListWorkflowExecutionsRequest request, CancellationToken ct)
    {
        var (ns, query) = ParseQuery(request.Namespace, request.Query);
        var pageSize = VisibilityPageSize(request.PageSize);
        var (after, skip) = ReadPageToken(request.NextPageToken, query);
        var response = new ListWorkflowExecutionsResponse();
        List<(Execution Run, WorkflowExecutionInfo? Row, ListPosition Key)> page;
        if (store.IsDurable)
        {
            await DurableAsync().ConfigureAwait(false);
            page = await StoredMatchesAsync(ns, query, after, query.InListOrder ? pageSize + 1 : int.MaxValue, ct).ConfigureAwait(false);
            if (!query.InListOrder)
            {
                var byRun = page.ToDictionary(m => m.Run);
                page = query.Sort(page.Select(m => m.Run)).Skip(skip).Take(pageSize + 1).Select(r => byRun[r]).ToList();
            }

            response.Executions.AddRange(page.Take(pageSize).Select(m => m.Row!));
        }
        else
        {
            using (gate.Enter())
            {
                var matching = Visibility.Candidates(ns, query, RunsOf(ns), after).Where(query.Matches);
                if (!query.InListOrder)
                {
                    matching = query.Sort(matching).Skip(skip);
                }

                page = matching.Take(pageSize + 1).Select(x => (x, (WorkflowExecutionInfo?)null, ListPosition.Of(x))).ToList();
                response.Executions.AddRange(page.Take(pageSize).Select(m => VisibilityRow(m.Run)));
            }
        }

        if (page.Count > pageSize)
        {
            response.NextPageToken = ByteStrings.Utf8(query.InListOrder
                ? page[pageSize - 1].Key.ToToken()
                : string.Create(CultureInfo.InvariantCulture, $"o:{skip + pageSize}"));
        }

        return response;
    }

    public async Task<CountWorkflowExecutionsResponse> CountAsync(CountWorkflowExecutionsRequest request, CancellationToken ct)
    {
        var (ns, query) = ParseQuery(request.Namespace, request.Query);
        Dictionary<WorkflowExecutionStatus, long> byStatus;
        if (store.IsDurable)
        {
            await DurableAsync().ConfigureAwait(false);
            // Nothing but conditions the store decides exactly: counted in SQL, no run read (ADR 0064).
            byStatus = query.Narrowing.Exact
                ? (await store.CountRunsAsync(StoredScan(ns, query, null), ct).ConfigureAwait(false))
                    .ToDictionary(c => (WorkflowExecutionStatus)c.Key, c => c.Value)
                : (await StoredMatchesAsync(ns, query, null, int.MaxValue, ct).ConfigureAwait(false))
                    .GroupBy(m => m.Run.Status).ToDictionary(g => g.Key, g => (long)g.Count());
        }
        else
        {
            using (gate.Enter())
            {
                byStatus = Visibility.Candidates(ns, query, RunsOf(ns), null).Where(query.Matches)
                    .GroupBy(r => r.Status).ToDictionary(g => g.Key, g => (long)g.Count());
            }
        }

        var response = new CountWorkflowExecutionsResponse { Count = byStatus.Values.Sum() };
        if (query.GroupBy is not null)
        {
            foreach (var (status, count) in byStatus.OrderBy(g => g.Key))
            {
                var aggregation = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = count };
                aggregation.GroupValues.Add(SearchAttributeRegistry.JsonPayload(status.ToString(), "Keyword"));
                response.Groups.Add(aggregation);
            }
        }

        return response;
    }

    private (string Namespace, VisibilityQuery Query) ParseQuery(string ns, string? text)
    {
        using (gate.Enter())
        {
            var resolved = Ns(ns);
            return (resolved, VisibilityQuery.Parse(text, name => searchAttributes.TypeOf(resolved, name)));
        }
    }

    private Func<string, IReadOnlyList<Execution>> RunsOf(string ns) =>
        workflowId => runsById.TryGetValue((ns, workflowId), out var runs) ? runs : [];

    /// <summary>In list order: the position of the last run returned; in any other order: how many to skip.</summary>
    private static (ListPosition? After, int Skip) ReadPageToken(ByteString token, VisibilityQuery query)
    {
        if (token.IsEmpty)
        {
            return (null, 0);
        }

        var parts = token.ToStringUtf8().Split(':');
        try
        {
            return parts switch
            {
                ["v", var closeTicks, var startTicks, var ordinal] when query.InListOrder => (ListPosition.FromToken(closeTicks, startTicks, ordinal), 0),
                ["o", var skip] when !query.InListOrder => (null, int.Parse(skip, CultureInfo.InvariantCulture)),
                _ => throw Errors.InvalidArgument("invalid page token: it belongs to a query of another order"),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            throw Errors.InvalidArgument("invalid page token");
        }
    }

    /// <summary>
    /// A run as Temporal's visibility lists it: what its visibility record holds. The counts (history length and size,
    /// state transitions) are recorded when the run closes, so an open run lists none; no first run ID, versioning,
    /// priority or parent namespace, which describe adds.
    /// </summary>
    private static WorkflowExecutionInfo VisibilityRow(Execution run, int? historyLength = null)
    {
        var row = new WorkflowExecutionInfo
        {
            Execution = run.Ref,
            Type = new WorkflowType { Name = run.WorkflowType },
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(run.StartTime),
            ExecutionTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(run.ExecutionTime),
            CloseTime = run.CloseTime is { } closed ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(closed) : null,
            Status = run.Status,
            // From the execution time, as Temporal measures it (negative for a run closed during its start delay, as there).
            ExecutionDuration = run.CloseTime is { } end ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(end - run.ExecutionTime) : null,
            TaskQueue = run.TaskQueue,
            Memo = run.Memo?.Clone() ?? new Memo(),
            SearchAttributes = run.SearchAttributes.Clone(),
            RootExecution = run.Root ?? run.Ref,
        };
        if (run.Parent is { } parent)
        {
            row.ParentExecution = new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
        }

        if (!run.IsOpen)
        {
            AddCounts(row, run, historyLength);
        }

        return row;
    }

    /// <summary>The run's history length (<paramref name="historyLength"/> when the caller read it from the store), size and state transitions.</summary>
    private static void AddCounts(WorkflowExecutionInfo info, Execution run, int? historyLength = null)
    {
        info.HistoryLength = historyLength ?? run.History.Count;
        info.HistorySizeBytes = run.HistorySizeBytes;
        info.StateTransitionCount = run.StateTransitionCount;
    }

    /// <summary>
    /// The row a durable store keeps for lists (ADR 0063): what <see cref="VisibilityRow"/> lists, or null when it is the
    /// row last handed to the store for this run (batches land in the order they are taken, each retried until it
    /// does, so that row is the stored one). A run holds its whole history in memory until it closes, so a closed
    /// run's row counts all of its events.
    /// </summary>
    private static byte[]? ChangedVisibilityRow(Execution run)
    {
        var row = VisibilityRow(run).ToByteArray();
        var hash = System.Security.Cryptography.SHA256.HashData(row);
        if (run.ListedRowHash is { } last && last.AsSpan().SequenceEqual(hash))
        {
            return null;
        }

        run.ListedRowHash = hash;
        return row;
    }

    /// <summary>
    /// A stored row as the query language reads a run: the listed fields only (no history, pending work or
    /// options), as schedules and standalone activities are read.
    /// </summary>
    private static Execution ListedRun(string ns, WorkflowExecutionInfo row) => new()
    {
        Namespace = ns,
        WorkflowId = row.Execution.WorkflowId,
        RunId = row.Execution.RunId,
        FirstRunId = row.Execution.RunId,
        WorkflowType = row.Type.Name,
        TaskQueue = row.TaskQueue,
        StartRequestId = string.Empty,
        StartTime = row.StartTime.ToDateTime(),
        FirstWorkflowTaskBackoff = row.ExecutionTime.ToDateTime() - row.StartTime.ToDateTime(),
        CloseTime = row.CloseTime?.ToDateTime(),
        Status = row.Status,
        Memo = row.Memo,
        SearchAttributes = row.SearchAttributes ?? new SearchAttributes(),
        Parent = row.ParentExecution is { } parent ? new ParentLink(string.Empty, parent.WorkflowId, parent.RunId, 0, default) : null,
        Root = row.RootExecution,
        HistorySizeBytes = row.HistorySizeBytes,
        StateTransitionCount = row.StateTransitionCount,
        PersistedEventCount = (int)row.HistoryLength,
    };

    /// <summary>
    /// Matching runs from the store, in list order, up to <paramref name="limit"/>: the store narrows by the
    /// query's equalities, start- and close-time ranges and workflow ID prefix and pages through runs in batches; the query's
    /// whole filter decides each run, read from its stored row (or, for a run written before rows were kept, its state).
    /// </summary>
    private async Task<List<(Execution Run, WorkflowExecutionInfo? Row, ListPosition Key)>> StoredMatchesAsync(
        string ns, VisibilityQuery query, ListPosition? after, int limit, CancellationToken ct)
    {
        var scan = StoredScan(ns, query, after);
        if (query.Narrowing.Exact && limit < scan.Limit)
        {
            // Every run the store returns matches: read no more than are wanted.
            scan = scan with { Limit = limit };
        }

        var matches = new List<(Execution, WorkflowExecutionInfo?, ListPosition)>();
        while (true)
        {
            var rows = await store.ScanRunsAsync(scan, ct).ConfigureAwait(false);
            foreach (var stored in rows)
            {
                var (run, row) = ReadStoredRun(ns, stored);
                if (query.Matches(run))
                {
                    matches.Add((run, row, stored.Position));
                    if (matches.Count == limit)
                    {
                        return matches;
                    }
                }
            }

            if (rows.Count < scan.Limit)
            {
                return matches;
            }

            scan = scan with { After = rows[^1].Position };
        }
    }

    /// <summary>The store's scan for a query: its equalities, ranges and prefix, the namespace's retention, from after a position.</summary>
    private RunScan StoredScan(string ns, VisibilityQuery query, ListPosition? after)
    {
        var eq = query.Narrowing.Equalities;
        DateTime closedAfter;
        using (gate.Enter())
        {
            closedAfter = Clock.Now - RetentionOf(ns);
        }

        return new RunScan(
            ns,
            closedAfter,
            eq.TryGetValue("ExecutionStatus", out var status) ? (int?)Enum.Parse<WorkflowExecutionStatus>(status) : null,
            eq.GetValueOrDefault("WorkflowType"),
            eq.GetValueOrDefault("WorkflowId"),
            eq.GetValueOrDefault("TaskQueue"),
            eq.GetValueOrDefault("RunId"),
            after,
            ScanBatch)
        {
            StartedFrom = query.Narrowing.StartedFrom,
            StartedTo = query.Narrowing.StartedTo,
            WorkflowIdPrefix = query.Narrowing.WorkflowIdPrefix,
            ClosedFrom = query.Narrowing.ClosedFrom,
            ClosedTo = query.Narrowing.ClosedTo,
        };
    }

    private static (Execution Run, WorkflowExecutionInfo Row) ReadStoredRun(string ns, StoredRun stored)
    {
        if (stored.Row is { } bytes)
        {
            var row = WorkflowExecutionInfo.Parser.ParseFrom(bytes);
            return (ListedRun(ns, row), row);
        }

        var run = ExecutionSnapshots.FromRecord(ExecutionRecord.FromBytes(stored.State!), [], []);
        run.PersistedEventCount = stored.HistoryLength;
        return (run, VisibilityRow(run, stored.HistoryLength));
    }
}
