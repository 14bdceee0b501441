using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Search attributes are registered through the OperatorService and checked as Temporal checks them;
/// memo upserts, static summary and root workflow info behave as on a real server.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class SearchAttributeTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task Registered_attributes_are_listed_typed_queryable_and_removable()
    {
        var keyword = SearchAttributeKey.CreateKeyword(NewAttributeName("Kw"));
        var number = SearchAttributeKey.CreateLong(NewAttributeName("Num"));
        await RegisterAsync((keyword.Name, IndexedValueType.Keyword), (number.Name, IndexedValueType.Int));

        var listed = await ListAsync();
        Assert.Equal(IndexedValueType.Keyword, listed.CustomAttributes[keyword.Name]);
        Assert.Equal(IndexedValueType.Int, listed.CustomAttributes[number.Name]);
        Assert.Equal(IndexedValueType.KeywordList, listed.SystemAttributes["TemporalChangeVersion"]);

        var options = Options("sa");
        options.TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(keyword, "blue").Set(number, 42L).ToSearchAttributeCollection();
        var handle = await Client.StartWorkflowAsync((KeywordUpsertWorkflow wf) => wf.RunAsync(keyword.Name, "green"), options);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<KeywordUpsertWorkflow>(), async () =>
        {
            await Eventually.UntilAsync(() => CountAsync($"{keyword.Name} = 'green'"), n => n == 1, "the upserted keyword to be queryable", cancellationToken: Deadline);
            Assert.Equal(1, await CountAsync($"{number.Name} >= 40 AND WorkflowId = '{handle.Id}'"));
            var described = await handle.DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal("green", described.TypedSearchAttributes.Get(keyword));
            Assert.Equal(42L, described.TypedSearchAttributes.Get(number));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
        });

        await Client.OperatorService.RemoveSearchAttributesAsync(new() { Namespace = Client.Options.Namespace, SearchAttributes = { number.Name } }, Rpc);
        Assert.DoesNotContain(number.Name, (await ListAsync()).CustomAttributes.Keys);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => CountAsync($"{number.Name} = 42"));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, unknown.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Reserved_names_and_unknown_types_cannot_be_registered()
    {
        var reserved = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(("WorkflowId", IndexedValueType.Keyword)));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, reserved.Code);
        Assert.Contains("reserved", reserved.Message, StringComparison.Ordinal);
        var untyped = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync((NewAttributeName("X"), IndexedValueType.Unspecified)));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, untyped.Code);
        var prefixed = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(("TemporalMine", IndexedValueType.Keyword)));
        Assert.Equal("Search attribute TemporalMine is reserved by system.", prefixed.Message);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("CustomDatetimeField", "\"2022-01-01\"", "invalid value for search attribute CustomDatetimeField of type Datetime: \"2022-01-01\"")]
    [InlineData("CustomKeywordField", null, "search attribute CustomKeywordField value size 3002 exceeds size limit 2048")]
    public async Task A_start_with_a_value_temporal_cannot_store_is_refused(string name, string? json, string message)
    {
        var data = json ?? System.Text.Json.JsonSerializer.Serialize(new string('k', 3000));
        var request = new Temporalio.Api.WorkflowService.V1.StartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = NewWorkflowId("sa-value"),
            WorkflowType = new() { Name = "EchoWorkflow" },
            TaskQueue = new() { Name = TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            SearchAttributes = new() { IndexedFields = { [name] = new Temporalio.Api.Common.V1.Payload
            {
                Metadata = { ["encoding"] = Google.Protobuf.ByteString.CopyFromUtf8("json/plain") },
                Data = Google.Protobuf.ByteString.CopyFromUtf8(data),
            } } },
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.Connection.WorkflowService.StartWorkflowExecutionAsync(request, Rpc));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
        Assert.Equal(message, refused.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_start_with_an_unregistered_or_mistyped_attribute_is_refused()
    {
        var unregistered = SearchAttributeKey.CreateKeyword(NewAttributeName("Nope"));
        var options = Options("sa-start");
        options.TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(unregistered, "x").ToSearchAttributeCollection();
        var notDefined = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), options));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, notDefined.Code);
        Assert.Equal($"Namespace {Client.Options.Namespace} has no mapping defined for search attribute {unregistered.Name}", notDefined.Message);

        var number = NewAttributeName("Int");
        await RegisterAsync((number, IndexedValueType.Int));
        options = Options("sa-start");
        options.TypedSearchAttributes = new SearchAttributeCollection.Builder()
            .Set(SearchAttributeKey.CreateKeyword(number), "not a number").ToSearchAttributeCollection();
        var mistyped = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), options));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, mistyped.Code);
        Assert.StartsWith($"invalid value for search attribute {number} of type Int", mistyped.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_upsert_of_an_unregistered_attribute_fails_the_workflow_task_with_bad_search_attributes()
    {
        var unregistered = NewAttributeName("Nope");
        var handle = await Client.StartWorkflowAsync((KeywordUpsertWorkflow wf) => wf.RunAsync(unregistered, "x"), Options("sa-upsert"));
        await WithWorkerAsync(WorkerOptions().AddWorkflow<KeywordUpsertWorkflow>(), async () =>
        {
            var failure = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events
                    .FirstOrDefault(e => e.WorkflowTaskFailedEventAttributes?.Cause == WorkflowTaskFailedCause.BadSearchAttributes),
                e => e is not null, "a workflow task failed with BAD_SEARCH_ATTRIBUTES", cancellationToken: Deadline);
            Assert.Contains($"Namespace {Client.Options.Namespace} has no mapping defined for search attribute {unregistered}", failure!.WorkflowTaskFailedEventAttributes.Failure.Message, StringComparison.Ordinal);
            Assert.Equal(0, await CountAsync($"WorkflowId = '{handle.Id}' AND ExecutionStatus != 'Running'"));
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_memo_upsert_with_no_value_removes_the_key()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<MemoUnsetWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((MemoUnsetWorkflow wf) => wf.RunAsync(), Options("memo"));
            await handle.GetResultAsync(rpcOptions: Rpc);
            var described = await handle.DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal(["kept"], described.Memo.Keys);
            Assert.Equal("yes", await described.Memo["kept"].ToValueAsync<string>());
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Static_summary_and_details_are_kept_and_described()
    {
        var options = Options("meta");
        options.StaticSummary = "Reserve stock for order 17";
        options.StaticDetails = "Two pallets, **fragile**";
        var handle = await Client.StartWorkflowAsync((KeywordUpsertWorkflow wf) => wf.RunAsync("CustomKeywordField", "meta"), options);
        var described = await handle.DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal("Reserve stock for order 17", await described.GetStaticSummaryAsync());
        Assert.Equal("Two pallets, **fragile**", await described.GetStaticDetailsAsync());
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Root_workflow_info_is_set_for_children_only()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<RootReportingWorkflow>(), async () =>
        {
            var top = await Client.ExecuteWorkflowAsync((RootReportingWorkflow wf) => wf.RunAsync(false), Options("root"));
            Assert.Equal("none", top);
            var parentOptions = Options("root-parent");
            var child = await Client.ExecuteWorkflowAsync((RootReportingWorkflow wf) => wf.RunAsync(true), parentOptions);
            Assert.Equal(parentOptions.Id, child);
        });
    }

    private static string NewAttributeName(string prefix) => $"Wo{prefix}{Guid.NewGuid():N}"[..24];

    private Task RegisterAsync(params (string Name, IndexedValueType Type)[] attributes)
    {
        var request = new AddSearchAttributesRequest { Namespace = Client.Options.Namespace };
        foreach (var (name, type) in attributes)
        {
            request.SearchAttributes[name] = type;
        }

        return Client.OperatorService.AddSearchAttributesAsync(request, Rpc);
    }

    private Task<ListSearchAttributesResponse> ListAsync() =>
        Client.OperatorService.ListSearchAttributesAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
}
