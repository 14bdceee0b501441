using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Google.Protobuf;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// The workflow-task path as Temporal runs it: a failing task is written once and then retried as
/// transient attempts with growing timeouts; a completion is applied whole or refused with its cause;
/// eager start hands the first task back with the start.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class WorkflowTaskTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task FailingTask_IsWrittenOnce_ThenRetriedAsTransientAttemptsWithGrowingTimeouts()
    {
        var key = Guid.NewGuid().ToString("N");
        CodeFault.Break(key);
        var options = Options("broken-code");
        options.TaskTimeout = TimeSpan.FromSeconds(3);
        (Temporalio.Common.WorkflowHistory WhileFailing, Temporalio.Common.WorkflowHistory History, string Result) outcome = await WithWorkerAsync(WorkerOptions().AddWorkflow<BrokenCodeWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((BrokenCodeWorkflow wf) => wf.RunAsync(key), options);
            await Eventually.UntilAsync(
                async () => (await Raw.Service.DescribeWorkflowExecutionAsync(
                    new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc)).PendingWorkflowTask?.Attempt ?? 0,
                attempt => attempt >= 4,
                "the fourth attempt of the failing task");
            var failing = await handle.FetchHistoryAsync(HistoryRpc);
            CodeFault.Mend(key);
            var value = await handle.GetResultAsync(rpcOptions: Rpc);
            return (failing, await handle.FetchHistoryAsync(HistoryRpc), value);
        });
        var (whileFailing, history, result) = outcome;

        Assert.Equal("mended", result);
        // While it kept failing, the history held the first failure only (reported by the worker, or
        // its timeout should the worker be slower than the task timeout).
        static bool IsTaskFailure(HistoryEvent e) => e.EventType is EventType.WorkflowTaskFailed or EventType.WorkflowTaskTimedOut;
        Assert.Single(whileFailing.Events, e => e.EventType == EventType.WorkflowTaskScheduled);
        Assert.Single(whileFailing.Events, IsTaskFailure);
        var failure = Assert.Single(history.Events, IsTaskFailure);
        if (failure.WorkflowTaskFailedEventAttributes is { } failed)
        {
            Assert.Contains("the workflow code is broken", failed.Failure.Message, StringComparison.Ordinal);
        }

        var scheduled = history.Events.Where(e => e.EventType == EventType.WorkflowTaskScheduled).Select(e => e.WorkflowTaskScheduledEventAttributes).ToList();
        Assert.Equal(2, scheduled.Count);
        var last = scheduled[1];
        Assert.True(last.Attempt >= 4, $"the completing attempt is {last.Attempt}");
        // Temporal: from the fourth attempt on, the timeout grows by 5 s, doubling.
        var expected = TimeSpan.FromSeconds(3) + TimeSpan.FromSeconds(5 * Math.Pow(2, last.Attempt - 4));
        Assert.Equal(expected, last.StartToCloseTimeout.ToTimeSpan());
        Assert.Equal(Enumerable.Range(1, history.Events.Count).Select(i => (long)i), history.Events.Select(e => e.EventId));
        await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<BrokenCodeWorkflow>()).ReplayWorkflowAsync(history);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CloseWhileASignalArrived_IsUnhandledCommand_WithCauseAndMessage_NextAttemptIsOne()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("unhandled"), TaskQueue);
        var task = await Raw.PollAsync(TaskQueue);
        await handle.SignalAsync("poke", Array.Empty<object?>(), SignalRpc);

        var error = await Assert.ThrowsAsync<RpcException>(() => Raw.CompleteAsync(task, RawWorker.CompleteWorkflow()));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("UnhandledCommand", error.Message);
        var next = await Raw.PollAsync(TaskQueue);
        Assert.Equal(1, next.Attempt);
        var events = next.History.Events;
        var failed = events.Single(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.UnhandledCommand, failed.Cause);
        Assert.Equal("UnhandledCommand", failed.Failure.Message);
        Assert.Contains(events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        Assert.Equal(1, events.Last(e => e.EventType == EventType.WorkflowTaskScheduled).WorkflowTaskScheduledEventAttributes.Attempt);

        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
        Assert.Equal(EventType.WorkflowExecutionCompleted, (await handle.FetchHistoryAsync(HistoryRpc)).Events.Last().EventType);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TimerThatFiredDuringTheTask_CancelledByItsCommands_DoesNotFailTheClose()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("timer-race"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);
        var fireAfter = TimeSpan.FromMilliseconds(300);
        var request = new Temporalio.Api.WorkflowService.V1.RespondWorkflowTaskCompletedRequest
        {
            Namespace = Client.Options.Namespace,
            TaskToken = first.TaskToken,
            Identity = RawWorker.Identity,
            ForceCreateNewWorkflowTask = true,
            Commands = { RawWorker.StartTimer("t", fireAfter) },
        };
        await Raw.Service.RespondWorkflowTaskCompletedAsync(request, Rpc);
        var fires = DateTime.UtcNow + fireAfter;
        var second = await Raw.PollAsync(TaskQueue);
        // The only thing to wait for is the timer's own fire time: the fire is buffered, not visible.
        await Eventually.UntilAsync(() => DateTime.UtcNow > fires + TimeSpan.FromMilliseconds(200), "the timer's fire time");

        await Raw.CompleteAsync(second, RawWorker.CancelTimer("t"), RawWorker.CompleteWorkflow());

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events;
        Assert.DoesNotContain(events, e => e.EventType is EventType.WorkflowTaskFailed or EventType.TimerFired);
        Assert.Equal([EventType.TimerCanceled, EventType.WorkflowExecutionCompleted], events.TakeLast(2).Select(e => e.EventType));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CommandTheServerCannotApply_FailsTheTaskWhole_AndTheRetryIsTransient()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("unappliable"), TaskQueue);
        var task = await Raw.PollAsync(TaskQueue);
        var nexus = new Command
        {
            CommandType = CommandType.ScheduleNexusOperation,
            ScheduleNexusOperationCommandAttributes = new() { Endpoint = "nowhere", Service = "s", Operation = "o" },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => Raw.CompleteAsync(task, RawWorker.StartTimer("before", TimeSpan.FromHours(1)), nexus));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.StartsWith("BadScheduleNexusOperationAttributes: ", error.Message, StringComparison.Ordinal);
        var written = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        // Nothing of the refused completion was applied: no completed task, no timer.
        Assert.DoesNotContain(written, e => e.EventType is EventType.WorkflowTaskCompleted or EventType.TimerStarted);
        var failed = written.Single(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, failed.Cause);

        var retry = await Raw.PollAsync(TaskQueue);
        Assert.Equal(2, retry.Attempt);
        // The retry is transient: its scheduled and started events come after the history, not in it.
        Assert.Equal(written.Count + 2, retry.History.Events.Count);
        Assert.Equal(2, retry.History.Events[^2].WorkflowTaskScheduledEventAttributes.Attempt);
        Assert.Equal(retry.StartedEventId, retry.History.Events[^1].EventId);
        Assert.Equal(written.Count, (await handle.FetchHistoryAsync(HistoryRpc)).Events.Count);

        await Raw.CompleteAsync(retry, RawWorker.CompleteWorkflow());
        var final = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        Assert.Equal(
            [EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionCompleted],
            final.TakeLast(4).Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, final.Count).Select(i => (long)i), final.Select(e => e.EventId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task EagerStart_ReturnsTheFirstTaskWithTheStartResponse()
    {
        // The SDK asks for eager execution only when a worker of its own can take the task, so the
        // request goes over a plain gRPC channel to see the server's answer itself.
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress($"http://{Client.Connection.Options.TargetHost}");
        var start = new global::Grpc.Core.Method<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>(
            global::Grpc.Core.MethodType.Unary, "temporal.api.workflowservice.v1.WorkflowService", "StartWorkflowExecution",
            global::Grpc.Core.Marshallers.Create(r => r.ToByteArray(), StartWorkflowExecutionRequest.Parser.ParseFrom),
            global::Grpc.Core.Marshallers.Create(r => r.ToByteArray(), StartWorkflowExecutionResponse.Parser.ParseFrom));
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = NewWorkflowId("eager-raw"),
            WorkflowType = new() { Name = "RawWorkflow" },
            TaskQueue = new() { Name = TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            Identity = RawWorker.Identity,
            RequestEagerExecution = true,
            // The task is this test's to complete; the 10 s default could pass on a loaded machine first.
            WorkflowTaskTimeout = global::Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
        };

        var response = await channel.CreateCallInvoker().AsyncUnaryCall(start, null, new global::Grpc.Core.CallOptions(cancellationToken: Deadline), request);

        var task = response.EagerWorkflowTask;
        Assert.NotNull(task);
        Assert.NotEmpty(task.TaskToken);
        Assert.Equal(1, task.Attempt);
        Assert.Equal(EventType.WorkflowExecutionStarted, task.History.Events[0].EventType);
        Assert.Equal(task.StartedEventId, task.History.Events[^1].EventId);
        Assert.Equal(RawWorker.Identity, task.History.Events[^1].WorkflowTaskStartedEventAttributes.Identity);
        Assert.True(task.History.Events[0].WorkflowExecutionStartedEventAttributes.EagerExecutionAccepted, "the started event records the eager start");
        await Raw.CompleteAsync(task, RawWorker.CompleteWorkflow());
        var history = await Client.GetWorkflowHandle(request.WorkflowId).FetchHistoryAsync(HistoryRpc);
        Assert.Equal(EventType.WorkflowExecutionCompleted, history.Events.Last().EventType);

        // As Temporal: a first task that must wait (here a start delay) is never eager.
        var delayed = request.Clone();
        delayed.WorkflowId = NewWorkflowId("eager-delayed");
        delayed.RequestId = Guid.NewGuid().ToString();
        delayed.WorkflowStartDelay = global::Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1));
        Assert.Null((await channel.CreateCallInvoker().AsyncUnaryCall(start, null, new global::Grpc.Core.CallOptions(cancellationToken: Deadline), delayed)).EagerWorkflowTask);
        var delayedHandle = Client.GetWorkflowHandle(delayed.WorkflowId);
        Assert.False((await delayedHandle.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes.EagerExecutionAccepted);
        await delayedHandle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task EagerStart_ThroughTheSdk_RunsTheWorkflow()
    {
        var options = Options("eager");
        options.RequestEagerStart = true;

        var result = await WithWorkerAsync(WorkerOptions().AddWorkflow<EchoWorkflow>(),
            () => Client.ExecuteWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("eager"), options));

        Assert.Equal("eager", result);
    }
}
