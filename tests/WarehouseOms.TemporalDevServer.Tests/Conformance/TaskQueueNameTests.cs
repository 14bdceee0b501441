using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Temporal's task queue name rules (<c>tqid</c>), each where its frontend or command validation applies them, with
/// its messages: a queue must be named, within <c>limit.maxIDLength</c>, not under the reserved partition prefix
/// <c>/_sys/</c> where a whole queue is meant, and not an internal per-namespace queue for a user's workflow or activity.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class TaskQueueNameTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const string Partition = "/_sys/some-queue/1";

    private const string Reserved = "task queue name cannot start with reserved prefix /_sys/";

    private WorkflowService Service => Client.Connection.WorkflowService;

    // Short: before these checks, a poll of a partition waited for a task.
    private RpcOptions PollRpc => new() { Timeout = TimeSpan.FromSeconds(5), CancellationToken = Deadline };

    public static TheoryData<string?, string> BadStartQueues => new()
    {
        { null, "taskQueue is not set" },
        { "", "missing task queue name" },
        { Partition, Reserved },
        { "temporal-sys-per-ns-tq", "cannot use internal per-namespace task queue:temporal-sys-per-ns-tq" },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(BadStartQueues))]
    public async Task A_start_without_a_queue_or_on_a_partition_or_an_internal_queue_is_invalid_argument(string? queue, string message)
    {
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = NewWorkflowId("queue-name"),
            WorkflowType = new() { Name = "NoWorkerForThisType" },
            TaskQueue = queue is null ? null : new TaskQueue { Name = queue },
            RequestId = Guid.NewGuid().ToString(),
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("workflow")]
    [InlineData("activity")]
    [InlineData("nexus")]
    [InlineData("partitions")]
    public async Task A_poll_or_a_partition_list_naming_a_partition_is_invalid_argument(string call)
    {
        var ns = Client.Options.Namespace;
        var queue = new TaskQueue { Name = Partition, Kind = TaskQueueKind.Normal };
        Func<Task> request = call switch
        {
            "workflow" => () => Service.PollWorkflowTaskQueueAsync(new() { Namespace = ns, TaskQueue = queue, Identity = "validation" }, PollRpc),
            "activity" => () => Service.PollActivityTaskQueueAsync(new() { Namespace = ns, TaskQueue = queue, Identity = "validation" }, PollRpc),
            "nexus" => () => Service.PollNexusTaskQueueAsync(new() { Namespace = ns, TaskQueue = queue, Identity = "validation" }, PollRpc),
            _ => () => Service.ListTaskQueuePartitionsAsync(new() { Namespace = ns, TaskQueue = queue }, PollRpc),
        };

        var refused = await Assert.ThrowsAsync<RpcException>(request);

        Assert.Equal((RpcException.StatusCode.InvalidArgument, Reserved), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task DescribeTaskQueue_takes_a_partition_in_its_default_mode_only()
    {
        var request = new DescribeTaskQueueRequest { Namespace = Client.Options.Namespace, TaskQueue = new() { Name = Partition } };

        await Service.DescribeTaskQueueAsync(request, Rpc);
#pragma warning disable CS0612 // the deprecated enhanced mode, which Temporal still serves
        request.ApiMode = DescribeTaskQueueMode.Enhanced;
#pragma warning restore CS0612
        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.DescribeTaskQueueAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, Reserved), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_schedule_starting_workflows_on_a_partition_is_invalid_argument()
    {
        var action = ScheduleActionStartWorkflow.Create("NoWorkerForThisType", [], new(NewWorkflowId("scheduled"), Partition));
        var schedule = new Schedule(action, new ScheduleSpec { Intervals = [new(TimeSpan.FromHours(1))] }) { State = new() { Paused = true } };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.CreateScheduleAsync($"queue-name-{Guid.NewGuid():N}", schedule, new() { Rpc = Rpc }));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, Reserved), (refused.Code, refused.Message));
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("activity")]
    [InlineData("child")]
    [InlineData("continue-as-new")]
    public async Task A_command_putting_work_on_a_partition_fails_the_workflow_task(string kind)
    {
        var workflowId = NewWorkflowId($"queue-name-{kind}");
        var failed = await WithWorkerAsync(WorkerOptions().AddWorkflow<QueueChoosingWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((QueueChoosingWorkflow wf) => wf.RunAsync(kind, Partition), new(workflowId, TaskQueue));
            var failure = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.FirstOrDefault(e => e.EventType == EventType.WorkflowTaskFailed),
                e => e is not null,
                "a failed workflow task");
            await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
            return failure!.WorkflowTaskFailedEventAttributes;
        });

        // Temporal prints the queue as Go prints a proto message.
        var queue = $"TaskQueue=name:\"{Partition}\" kind:TASK_QUEUE_KIND_NORMAL";
        var expected = kind switch
        {
            "activity" => (WorkflowTaskFailedCause.BadScheduleActivityAttributes, $"BadScheduleActivityAttributes: {Reserved}"),
            "child" => (WorkflowTaskFailedCause.BadStartChildExecutionAttributes,
                $"BadStartChildExecutionAttributes: invalid TaskQueue on StartChildWorkflowExecutionCommand: {Reserved}. " +
                $"WorkflowId={workflowId}-child WorkflowType=QueueChoosingWorkflow Namespace={Client.Options.Namespace} {queue}"),
            _ => (WorkflowTaskFailedCause.BadContinueAsNewAttributes,
                $"BadContinueAsNewAttributes: error validating ContinueAsNewWorkflowExecutionCommand TaskQueue: {Reserved}. WorkflowType=QueueChoosingWorkflow {queue}"),
        };
        Assert.Equal(expected, (failed.Cause, failed.Failure.Message));
    }
}
