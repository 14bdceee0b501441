using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>The list query language users type, pagination and GROUP BY counts; a bad query is an error, not an empty list.</summary>
[Collection(ClientCollection.Name)]
public sealed class VisibilityTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task ListAndCount_UnderstandTheQueryLanguage()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var prefix = NewWorkflowId("vis");
            var handles = new List<WorkflowHandle<CollectorWorkflow, IReadOnlyList<string>>>();
            for (var i = 0; i < 3; i++)
            {
                handles.Add(await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new($"{prefix}-{i}", TaskQueue)));
            }

            await handles[0].SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handles[0].GetResultAsync(rpcOptions: Rpc);
            var mine = $"TaskQueue = '{TaskQueue}'";

            Assert.Equal(3, await CountAsync($"{mine} and (ExecutionStatus = 'Running' or ExecutionStatus = 'completed')"));
            Assert.Equal(1, await CountAsync($"{mine} AND ExecutionStatus != 'Running'"));
            Assert.Equal(2, await CountAsync($"{mine} AND WorkflowId IN ('{prefix}-1', '{prefix}-2', 'someone-else')"));
            Assert.Equal(3, await CountAsync($"WorkflowId STARTS_WITH '{prefix}'"));
            Assert.Equal(2, await CountAsync($"{mine} AND NOT WorkflowId = '{prefix}-0'"));
            Assert.Equal(3, await CountAsync($"{mine} AND StartTime > '2000-01-01T00:00:00Z'"));
            Assert.Equal(1, await CountAsync($"{mine} AND CloseTime IS NOT NULL"));

            var ascending = await ListIdsAsync($"{mine} ORDER BY StartTime ASC");
            Assert.Equal(handles.Select(h => h.Id), ascending);

            var groups = await Client.CountWorkflowsAsync($"{mine} GROUP BY ExecutionStatus", new() { Rpc = Rpc });
            Assert.Equal(3, groups.Count);
            Assert.Equal([1L, 2L], groups.Groups.Select(g => g.Count).Order());

            foreach (var handle in handles.Skip(1))
            {
                await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
            }
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task List_HonoursThePageSize()
    {
        var prefix = NewWorkflowId("page");
        for (var i = 0; i < 5; i++)
        {
            await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new($"{prefix}-{i}", TaskQueue));
        }

        var pages = await PagesAsync($"WorkflowId STARTS_WITH '{prefix}'", pageSize: 2);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(5, pages.SelectMany(p => p).Distinct().Count());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task List_puts_running_runs_first_then_closed_runs_by_close_time_as_temporal_does()
    {
        var prefix = NewWorkflowId("order");
        var handles = new List<WorkflowHandle>();
        for (var i = 0; i < 4; i++)
        {
            handles.Add(await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new($"{prefix}-{i}", TaskQueue)));
        }

        // The second started closes first: the first started closed last stands before it.
        await handles[1].TerminateAsync("first to close", new() { Rpc = Rpc });
        await handles[0].TerminateAsync("last to close", new() { Rpc = Rpc });
        string[] expected = [$"{prefix}-3", $"{prefix}-2", $"{prefix}-0", $"{prefix}-1"];

        Assert.Equal(expected, await ListIdsAsync($"WorkflowId STARTS_WITH '{prefix}'"));
        Assert.Equal(expected, (await PagesAsync($"WorkflowId STARTS_WITH '{prefix}'", pageSize: 1)).SelectMany(p => p));
        Assert.Equal(expected[..2], await ListIdsAsync($"WorkflowId STARTS_WITH '{prefix}' AND ExecutionStatus = 'Running'"));
        Assert.Equal(expected[2..], await ListIdsAsync($"WorkflowId STARTS_WITH '{prefix}' AND ExecutionStatus = 'Terminated'"));
        Assert.Equal(handles.Select(h => h.Id), await ListIdsAsync($"WorkflowId STARTS_WITH '{prefix}' ORDER BY StartTime ASC"));
        foreach (var handle in handles.Skip(2))
        {
            await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Text_is_searched_by_words_and_system_fields_and_status_forms_are_queryable()
    {
        var text = SearchAttributeKey.CreateText("CustomTextField");
        var prefix = NewWorkflowId("words");
        var keyword = SearchAttributeKey.CreateKeyword("CustomKeywordField");
        var fox = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new($"{prefix}-fox", TaskQueue)
        {
            TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(text, "The quick brown fox").Set(keyword, "it's").ToSearchAttributeCollection(),
        });
        var world = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"),
            new($"{prefix}-world", TaskQueue) { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(text, "hello big world").ToSearchAttributeCollection() });
        await world.TerminateAsync("closed", new() { Rpc = Rpc });
        var mine = $"WorkflowId STARTS_WITH '{prefix}'";

        Assert.Equal(1, await CountAsync($"{mine} AND CustomTextField = 'QUICK'"));
        Assert.Equal(2, await CountAsync($"{mine} AND CustomTextField = 'fox world'"));
        Assert.Equal(1, await CountAsync($"{mine} AND CustomTextField != 'quick'"));
        var range = await Assert.ThrowsAsync<RpcException>(() => CountAsync($"{mine} AND CustomTextField > 'a'"));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, range.Code);

        Assert.Equal(1, await CountAsync($"{mine} AND CustomKeywordField = 'it''s'"));
        Assert.Equal(1, await CountAsync($"{mine} AND CustomKeywordField = 'it\\'s'"));
        Assert.Equal(1, await CountAsync($"{mine} AND ExecutionStatus = 1"));
        Assert.Equal(1, await CountAsync($"{mine} AND ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_TERMINATED'"));
        Assert.Equal(2, await CountAsync($"{mine} AND RootWorkflowId STARTS_WITH '{prefix}'"));
        Assert.Equal(1, await CountAsync($"{mine} AND ExecutionDuration < '1h' AND HistorySizeBytes > 0"));
        Assert.Equal(1, await CountAsync($"{mine} AND HistoryLength >= 3"));
        Assert.Equal(0, await CountAsync($"{mine} AND ParentWorkflowId IS NOT NULL"));
        var duration = await Assert.ThrowsAsync<RpcException>(() => CountAsync($"{mine} AND ExecutionDuration > 'xyz'"));
        Assert.Equal("invalid query: invalid expression: invalid duration value for search attribute ExecutionDuration: xyz", duration.Message);

        var described = (await Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(
            new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = world.Id } }, Rpc)).WorkflowExecutionInfo;
        Assert.NotNull(described.ExecutionDuration);
        Assert.True(described.HistorySizeBytes > 0);
        await fox.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_legacy_visibility_rpcs_answer_as_temporal_does()
    {
        var service = Client.Connection.WorkflowService;
        var ns = Client.Options.Namespace;
        var running = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("legacy-open"));
        var closed = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), Options("legacy-closed"));
        await closed.TerminateAsync("closed", new() { Rpc = Rpc });

        var open = await service.ListOpenWorkflowExecutionsAsync(new() { Namespace = ns, ExecutionFilter = new() { WorkflowId = running.Id }, MaximumPageSize = 10 }, Rpc);
        Assert.Equal(running.Id, Assert.Single(open.Executions).Execution.WorkflowId);
        var noneOpen = await service.ListOpenWorkflowExecutionsAsync(new() { Namespace = ns, ExecutionFilter = new() { WorkflowId = closed.Id } }, Rpc);
        Assert.Empty(noneOpen.Executions);
        var byId = await service.ListClosedWorkflowExecutionsAsync(new()
        {
            Namespace = ns,
            ExecutionFilter = new() { WorkflowId = closed.Id },
            StartTimeFilter = new() { EarliestTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)) },
        }, Rpc);
        Assert.Equal(closed.Id, Assert.Single(byId.Executions).Execution.WorkflowId);
        // The filters are a oneof, as in Temporal: by status alone.
        var terminated = await service.ListClosedWorkflowExecutionsAsync(
            new() { Namespace = ns, StatusFilter = new() { Status = Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Terminated } }, Rpc);
        Assert.Contains(terminated.Executions, e => e.Execution.WorkflowId == closed.Id);
        Assert.All(terminated.Executions, e => Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Terminated, e.Status));
        var future = await service.ListClosedWorkflowExecutionsAsync(new()
        {
            Namespace = ns,
            ExecutionFilter = new() { WorkflowId = closed.Id },
            StartTimeFilter = new() { EarliestTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)) },
        }, Rpc);
        Assert.Empty(future.Executions);
        var scanned = await service.ScanWorkflowExecutionsAsync(new() { Namespace = ns, Query = $"WorkflowId = '{running.Id}'" }, Rpc);
        Assert.Single(scanned.Executions);
        var keys = await service.GetSearchAttributesAsync(new(), Rpc);
        Assert.Equal(Temporalio.Api.Enums.V1.IndexedValueType.Text, keys.Keys["CustomTextField"]);
        Assert.Equal(Temporalio.Api.Enums.V1.IndexedValueType.Keyword, keys.Keys["WorkflowId"]);
        await running.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Theory(Timeout = TestTimeoutMs)]
    // Syntax errors as Temporal's SQL parser reports them, at a position in "select * from table1 where <query>".
    [InlineData("WorkflowId = ", "invalid query: malformed SQL query: syntax error at position 40")]
    [InlineData("WorkflowId == 'a'", "invalid query: malformed SQL query: syntax error at position 41")]
    [InlineData("(WorkflowId = 'a'", "invalid query: malformed SQL query: syntax error at position 45")]
    [InlineData("WorkflowId = 'a' 'b'", "invalid query: malformed SQL query: syntax error at position 48 near 'b'")]
    [InlineData("WorkflowId = 'a' AND AND x", "invalid query: malformed SQL query: syntax error at position 52 near 'and'")]
    [InlineData("ORDER BY", "invalid query: malformed SQL query: syntax error at position 30")]
    [InlineData("WorkflowId = 'unclosed", "invalid query: malformed SQL query: syntax error at position 50 near 'unclosed'")]
    [InlineData("ExecutionStatus = 'Sleeping'", "invalid query: invalid expression: invalid ExecutionStatus value 'Sleeping'")]
    [InlineData("StartTime > 'yesterday'", "invalid query: invalid expression: unable to parse datetime 'yesterday'")]
    [InlineData("NoSuchField = 'x'", "invalid query: invalid expression: column name 'NoSuchField' is not a valid search attribute")]
    [InlineData("WorkflowId = 'a' ORDER BY Memo", "invalid query: invalid expression: column name 'Memo' is not a valid search attribute")]
    [InlineData("WorkflowId = 'a' GROUP BY WorkflowType", "invalid query: operation is not supported: 'GROUP BY' clause is not supported for search attribute WorkflowType")]
    [InlineData("CustomTextField > 'a'", "invalid query: operation is not supported: operator '>' not supported for Text type search attribute 'CustomTextField'")]
    // What the SQL parser reads and Temporal's converter refuses: its operators per type, ranges, IS.
    [InlineData("WorkflowId LIKE 'order-%'", "invalid query: operation is not supported: operator 'LIKE' not supported for Keyword type search attribute 'WorkflowId'")]
    [InlineData("WorkflowType NOT REGEXP 'x'", "invalid query: operation is not supported: operator 'NOT REGEXP' not supported for Keyword type search attribute 'WorkflowType'")]
    [InlineData("CustomTextField STARTS_WITH 'a'", "invalid query: operation is not supported: operator 'STARTS_WITH' not supported for Text type search attribute 'CustomTextField'")]
    [InlineData("CustomTextField IN ('a', 'b')", "invalid query: operation is not supported: operator 'IN' not supported for Text type search attribute 'CustomTextField'")]
    [InlineData("CustomIntField LIKE 5", "invalid query: operation is not supported: operator 'LIKE' not supported for Int type search attribute 'CustomIntField'")]
    [InlineData("BuildIds < 'a'", "invalid query: operation is not supported: operator '<' not supported for KeywordList type search attribute 'BuildIds'")]
    [InlineData("CustomBoolField BETWEEN false AND true", "invalid query: invalid expression: cannot do range condition on search attribute 'CustomBoolField' of type Bool")]
    [InlineData("ScheduleId LIKE 'x'", "invalid query: operation is not supported: operator 'LIKE' not supported for Keyword type search attribute 'ScheduleId'")]
    [InlineData("WorkflowId RLIKE 'x'", "invalid query: operation is not supported: operator 'REGEXP' not supported for Keyword type search attribute 'WorkflowId'")]
    [InlineData("WorkflowId IS NOT TRUE", "invalid query: invalid expression: 'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'")]
    public async Task AQueryItCannotParse_IsInvalidArgument_InTemporalsWords(string query, string expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CountWorkflowsAsync(query, new() { Rpc = Rpc }));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal(expected, error.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ScheduleId_and_Temporal_prefixed_names_resolve_as_in_temporals_query_converter()
    {
        var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new(NewWorkflowId("alias"), TaskQueue));

        // Without a custom ScheduleId attribute, ScheduleId (with or without the prefix) stands for WorkflowId.
        Assert.Equal(1, await CountAsync($"ScheduleId = '{handle.Id}'"));
        Assert.Equal(1, await CountAsync($"TemporalScheduleId = '{handle.Id}'"));
        // An unknown name is tried with the "Temporal" prefix removed or added.
        Assert.Equal(1, await CountAsync($"TemporalWorkflowId = '{handle.Id}' AND TemporalTaskQueue = '{TaskQueue}'"));
        Assert.Equal(0, await CountAsync($"WorkflowId = '{handle.Id}' AND SchedulePaused = true"));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Time_windows_and_workflow_id_prefixes_find_exactly_their_runs_page_by_page()
    {
        // The in-memory store narrows these by its start-time and workflow ID indexes, PostgreSQL by conditions on the
        // row's columns (close time too): the edges (exclusive bounds, a prefix that is another ID's prefix, closed
        // runs) must give what the query says, as a scan would.
        var p = NewWorkflowId("narrow");
        var ids = new[] { $"{p}-a", $"{p}-ab", $"{p}-abc", $"{p}-b" };
        var handles = new List<WorkflowHandle>();
        foreach (var id in ids)
        {
            handles.Add(await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), new(id, TaskQueue)));
        }

        await handles[1].TerminateAsync("closed runs keep their start time and ID", new() { Rpc = Rpc });
        var started = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            started[id] = (await DescribeRawAsync(id)).WorkflowExecutionInfo.StartTime.ToDateTime().ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        }

        var mine = $"WorkflowId STARTS_WITH '{p}'";
        string[] Ids(params int[] which) => [.. which.Select(i => ids[i])];
        async Task<string[]> SortedAsync(string query) => [.. (await ListIdsAsync(query)).Order(StringComparer.Ordinal)];

        Assert.Equal(Ids(1, 2), await SortedAsync($"WorkflowId STARTS_WITH '{p}-ab'"));
        Assert.Equal(Ids(1, 2), await SortedAsync($"WorkflowId STARTS_WITH '{p}-a' AND WorkflowId STARTS_WITH '{p}-ab'"));
        Assert.Equal(Ids(2, 3), await SortedAsync($"{mine} AND StartTime > '{started[ids[1]]}'"));
        Assert.Equal(Ids(0, 1), await SortedAsync($"{mine} AND StartTime <= '{started[ids[1]]}'"));
        Assert.Equal(Ids(1, 2), await SortedAsync($"{mine} AND StartTime >= '{started[ids[1]]}' AND StartTime < '{started[ids[3]]}'"));
        Assert.Equal(Ids(0, 1), await SortedAsync($"StartTime BETWEEN '{started[ids[0]]}' AND '{started[ids[1]]}' AND TaskQueue = '{TaskQueue}'"));
        Assert.Equal(Ids(3), await SortedAsync($"StartTime = '{started[ids[3]]}' AND TaskQueue = '{TaskQueue}'"));
        Assert.Empty(await SortedAsync($"{mine} AND StartTime < '{started[ids[0]]}'"));
        Assert.Equal(Ids(0, 3), await SortedAsync($"{mine} AND (StartTime < '{started[ids[1]]}' OR StartTime > '{started[ids[2]]}')"));
        Assert.Equal(2, await CountAsync($"{mine} AND NOT StartTime BETWEEN '{started[ids[1]]}' AND '{started[ids[2]]}'"));

        // A close-time bound matches closed runs only; under NOT it narrows nothing (open runs have no close time).
        var closed = (await DescribeRawAsync(ids[1])).WorkflowExecutionInfo.CloseTime.ToDateTime().ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Ids(1), await SortedAsync($"{mine} AND CloseTime >= '{closed}'"));
        Assert.Empty(await SortedAsync($"{mine} AND CloseTime > '{closed}'"));
        Assert.Equal(Ids(1), await SortedAsync($"{mine} AND CloseTime BETWEEN '{started[ids[0]]}' AND '{closed}'"));
        Assert.Empty(await SortedAsync($"{mine} AND CloseTime < '{started[ids[0]]}'"));
        Assert.Equal(4, await CountAsync($"{mine} AND NOT CloseTime < '{closed}'"));

        // Pages of one through a narrowed set: running runs first (newest start first), then the closed one.
        var paged = await PagesAsync($"{mine} AND StartTime >= '{started[ids[0]]}'", pageSize: 1);

        Assert.Equal([ids[3], ids[2], ids[0], ids[1]], paged.SelectMany(p => p));
        foreach (var handle in handles.Where(h => h.Id != ids[1]))
        {
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        }
    }

    /// <summary>The workflow IDs of each page of a raw list, following its page tokens to the end.</summary>
    private async Task<List<List<string>>> PagesAsync(string query, int pageSize)
    {
        var request = new ListWorkflowExecutionsRequest { Namespace = Client.Options.Namespace, PageSize = pageSize, Query = query };
        var pages = new List<List<string>>();
        do
        {
            var page = await Client.Connection.WorkflowService.ListWorkflowExecutionsAsync(request, Rpc);
            pages.Add([.. page.Executions.Select(e => e.Execution.WorkflowId)]);
            request.NextPageToken = page.NextPageToken;
        }
        while (!request.NextPageToken.IsEmpty);

        return pages;
    }
}
