using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Issue 2: an unimplemented RPC answers UNIMPLEMENTED, bad requests get the real server's status
/// codes, and none of it harms the server. Raw calls go through the SDK's own WorkflowService.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class RpcErrorTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UnimplementedRpc_AnswersUnimplementedWithAMessage()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => Service.DescribeDeploymentAsync(new() { Namespace = Client.Options.Namespace, Deployment = new() { SeriesName = "unbuilt", BuildId = "b1" } }, Rpc)); // the deprecated v0.x deployment RPCs; CreateWorkerDeployment, the earlier example, is built (ADR 0055)

        Assert.Equal(RpcException.StatusCode.Unimplemented, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WorkflowRules_AnswerAsTemporalWithItsDefaultConfiguration()
    {
        var ns = Client.Options.Namespace;
        var spec = new Temporalio.Api.Rules.V1.WorkflowRuleSpec { Id = "pause-greets", ActivityStart = new() { Predicate = "ActivityType = 'Greet'" } };
        var refusals = new (string Method, Func<Task> Call)[]
        {
            ("CreateWorkflowRule", () => Service.CreateWorkflowRuleAsync(new() { Namespace = ns, Spec = spec }, Rpc)),
            ("DescribeWorkflowRule", () => Service.DescribeWorkflowRuleAsync(new() { Namespace = ns, RuleId = spec.Id }, Rpc)),
            ("DeleteWorkflowRule", () => Service.DeleteWorkflowRuleAsync(new() { Namespace = ns, RuleId = spec.Id }, Rpc)),
            ("ListWorkflowRules", () => Service.ListWorkflowRulesAsync(new() { Namespace = ns }, Rpc)),
            ("TriggerWorkflowRule", () => Service.TriggerWorkflowRuleAsync(new() { Namespace = ns, Id = spec.Id }, Rpc)),
        };

        foreach (var (method, call) in refusals)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal((RpcException.StatusCode.Unimplemented, $"method {method} not supported"), (error.Code, error.Message));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task WorkflowPauseAndWorkerCommands_AnswerAsTemporalWithItsDefaultConfiguration()
    {
        var ns = Client.Options.Namespace;
        var handle = await Client.StartWorkflowAsync((CollectorWorkflow w) => w.RunAsync("pause"), new(NewWorkflowId("pause"), TaskQueue));

        var pause = await Assert.ThrowsAsync<RpcException>(() => Service.PauseWorkflowExecutionAsync(new() { Namespace = ns, WorkflowId = handle.Id, Reason = "hold" }, Rpc));
        var unpause = await Assert.ThrowsAsync<RpcException>(() => Service.UnpauseWorkflowExecutionAsync(new() { Namespace = ns, WorkflowId = handle.Id }, Rpc));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Service.UnpauseWorkflowExecutionAsync(new() { Namespace = ns, WorkflowId = NewWorkflowId("none") }, Rpc));
        await handle.TerminateAsync("closed", new() { Rpc = Rpc });
        var closed = await Assert.ThrowsAsync<RpcException>(() => Service.UnpauseWorkflowExecutionAsync(new() { Namespace = ns, WorkflowId = handle.Id }, Rpc));
        var fetch = await Assert.ThrowsAsync<RpcException>(() => Service.FetchWorkerConfigAsync(new() { Namespace = ns }, Rpc));
        var update = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkerConfigAsync(new() { Namespace = ns }, Rpc));

        Assert.Equal((RpcException.StatusCode.Unimplemented, $"workflow pause is not enabled for namespace: {ns}"), (pause.Code, pause.Message));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "workflow is not paused."), (unpause.Code, unpause.Message));
        Assert.Equal(RpcException.StatusCode.NotFound, unknown.Code);
        Assert.Equal((RpcException.StatusCode.NotFound, "workflow execution already completed"), (closed.Code, closed.Message));
        Assert.Equal((RpcException.StatusCode.Unimplemented, "FetchWorkerConfig command is not enabled."), (fetch.Code, fetch.Message));
        Assert.Equal((RpcException.StatusCode.Unimplemented, "UpdateWorkerConfig command is not enabled."), (update.Code, update.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DeprecatedWorkerVersioning_AnswersAsTemporalWithItsDefaultConfiguration()
    {
        const string v1 = "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this namespace.";
        const string v2 = "Worker versioning v0.2 (Rules-based, deprecated) is disabled on this namespace.";
        var ns = Client.Options.Namespace;
        var refusals = new (string Message, Func<Task> Call)[]
        {
            (v1, () => Service.GetWorkerBuildIdCompatibilityAsync(new() { Namespace = ns, TaskQueue = TaskQueue }, Rpc)),
            (v1, () => Service.UpdateWorkerBuildIdCompatibilityAsync(new() { Namespace = ns, TaskQueue = TaskQueue, AddNewBuildIdInNewDefaultSet = "1.0" }, Rpc)),
            (v2, () => Service.GetWorkerVersioningRulesAsync(new() { Namespace = ns, TaskQueue = TaskQueue }, Rpc)),
            (v2, () => Service.UpdateWorkerVersioningRulesAsync(new() { Namespace = ns, TaskQueue = TaskQueue }, Rpc)),
            (v2, () => Service.GetWorkerTaskReachabilityAsync(new() { Namespace = ns, BuildIds = { "1.0" } }, Rpc)),
        };

        foreach (var (message, call) in refusals)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal((RpcException.StatusCode.PermissionDenied, message), (error.Code, error.Message));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWorkflowExecution_WithoutWorkflowType_InvalidArgument()
    {
        var request = StartRequest();
        request.WorkflowType = null;

        var error = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWorkflowExecution_WithoutTaskQueue_InvalidArgument()
    {
        var request = StartRequest();
        request.TaskQueue = null;

        var error = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWorkflowExecution_UnknownNamespace_NotFound()
    {
        var request = StartRequest();
        request.Namespace = "no-such-namespace";

        var error = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task GetWorkflowExecutionHistory_UnknownExecution_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Service.GetWorkflowExecutionHistoryAsync(
            new()
            {
                Namespace = Client.Options.Namespace,
                Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = NewWorkflowId("missing") },
            },
            Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RespondActivityTaskCompleted_GarbageToken_RejectedWithoutHarm()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Service.RespondActivityTaskCompletedAsync(
            new()
            {
                Namespace = Client.Options.Namespace,
                TaskToken = ByteString.CopyFromUtf8("not a task token"),
                Identity = "conformance-test",
            },
            Rpc));

        // The real server answers InvalidArgument for an undecodable token and NotFound for a stale one.
        Assert.Contains(error.Code, new[] { RpcException.StatusCode.InvalidArgument, RpcException.StatusCode.NotFound });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Server_AfterRequestsMissingRequiredFields_AnswersInvalidArgumentAndStillRunsWorkflows()
    {
        // Short deadline: a server that mistook the empty poll for a real one would hold it for a minute.
        var quick = new RpcOptions { CancellationToken = Deadline, Timeout = TimeSpan.FromSeconds(5) };
        var ns = Client.Options.Namespace;
        foreach (var (name, call) in new (string, Func<Task>)[]
        {
            ("StartWorkflowExecution without anything", () => Service.StartWorkflowExecutionAsync(new StartWorkflowExecutionRequest(), quick)),
            ("PollWorkflowTaskQueue without task queue", () => Service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest { Namespace = ns }, quick)),
            ("SignalWorkflowExecution without execution", () => Service.SignalWorkflowExecutionAsync(new SignalWorkflowExecutionRequest { Namespace = ns, SignalName = "s" }, quick)),
            ("RespondWorkflowTaskCompleted without token", () => Service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest { Namespace = ns }, quick)),
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.Code == RpcException.StatusCode.InvalidArgument, $"{name}: {error.Code} {error.Message}");
        }

        var result = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet),
            () => Client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("survivor"), Options("after-bad-requests")));
        Assert.Equal("Hello, survivor!", result);
    }

    private StartWorkflowExecutionRequest StartRequest() => new()
    {
        Namespace = Client.Options.Namespace,
        WorkflowId = NewWorkflowId("raw-start"),
        WorkflowType = new WorkflowType { Name = nameof(EchoWorkflow) },
        TaskQueue = new TaskQueue { Name = TaskQueue },
        RequestId = Guid.NewGuid().ToString(),
        Identity = "conformance-test",
    };
}
