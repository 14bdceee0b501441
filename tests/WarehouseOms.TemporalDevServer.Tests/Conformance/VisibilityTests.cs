using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
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

        var request = new ListWorkflowExecutionsRequest { Namespace = Client.Options.Namespace, PageSize = 2, Query = $"WorkflowId STARTS_WITH '{prefix}'" };
        var seen = new List<string>();
        var pages = 0;
        do
        {
            var page = await Client.Connection.WorkflowService.ListWorkflowExecutionsAsync(request, Rpc);
            Assert.True(page.Executions.Count <= 2);
            seen.AddRange(page.Executions.Select(e => e.Execution.WorkflowId));
            request.NextPageToken = page.NextPageToken;
            pages++;
        }
        while (!request.NextPageToken.IsEmpty);

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Distinct().Count());
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("WorkflowId = ")]
    [InlineData("WorkflowId == 'a'")]
    [InlineData("ExecutionStatus = 'Sleeping'")]
    [InlineData("StartTime > 'yesterday'")]
    [InlineData("WorkflowId = 'a' ORDER BY Memo")]
    [InlineData("WorkflowId = 'a' GROUP BY WorkflowType")]
    [InlineData("(WorkflowId = 'a'")]
    public async Task AQueryItCannotParse_IsInvalidArgument(string query)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CountWorkflowsAsync(query, new() { Rpc = Rpc }));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("invalid query", error.Message, StringComparison.Ordinal);
    }
}
