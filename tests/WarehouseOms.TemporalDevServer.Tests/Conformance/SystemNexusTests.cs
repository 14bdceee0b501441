using System.Text;
using Google.Protobuf;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// System Nexus operations with <c>history.enableSignalWithStartFromWorkflow=true</c>: a workflow's
/// <c>Workflow.SignalWithStartWorkflowAsync</c> (a Nexus operation on the reserved endpoint <c>__temporal_system</c>)
/// is run by the server, which signal-with-starts the target, links its signal back to the caller's scheduled event,
/// and completes the operation at once with the response as a system payload (no codec applies to it); a request
/// Temporal refuses fails the caller's workflow task with BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES and Temporal's message.
/// </summary>
[Collection(SignalWithStartFromWorkflowCollection.Name)]
public sealed class SystemNexusTests(SignalWithStartFromWorkflowEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    /// <summary>Where a raw caller's targets run, so that their tasks never reach the caller's raw polls.</summary>
    private string TargetQueue => $"{TaskQueue}-targets";

    private TemporalWorkerOptions StarterAndWave() => WorkerOptions().AddWorkflow<PickWaveStarterWorkflow>().AddWorkflow<PickWaveWorkflow>();

    private static List<HistoryEvent> OfType(IEnumerable<HistoryEvent> events, EventType type) => events.Where(e => e.EventType == type).ToList();

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStartFromAWorkflow_StartsTheTargetOnce_DeliversBothSignals_AndLinksThemToTheCaller()
    {
        var targetId = NewWorkflowId("pick-wave");
        var (caller, runIds, target, result, queried) = await WithWorkerAsync(StarterAndWave(), async () =>
        {
            var call = new PickWaveCall(targetId, TaskQueue, "wave-1", ["pick-a", "pick-b"], 2);
            var caller = await Client.StartWorkflowAsync((PickWaveStarterWorkflow w) => w.RunAsync(call), Options("wave-starter"));
            var runIds = await caller.GetResultAsync(rpcOptions: Rpc);
            var target = Client.GetWorkflowHandle<PickWaveWorkflow>(targetId);
            var result = await target.GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc);
            var queried = await target.QueryAsync(w => w.Events, QueryRpc);
            return (caller, runIds, target, result, queried);
        });

        string[] expected = ["Started: wave-1", "Signal: pick-a", "Signal: pick-b"];
        Assert.Equal(expected, result);
        Assert.Equal(expected, queried);

        var targetEvents = (await target.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var targetRunId = targetEvents[0].WorkflowExecutionStartedEventAttributes.OriginalExecutionRunId;
        Assert.Equal([targetRunId, targetRunId], runIds);
        Assert.Single(OfType(targetEvents, EventType.WorkflowExecutionStarted));

        var callerEvents = (await caller.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var scheduled = OfType(callerEvents, EventType.NexusOperationScheduled);
        Assert.Equal(2, scheduled.Count);
        Assert.All(scheduled, e => Assert.Equal(
            ("__temporal_system", "temporal.api.workflowservice.v1.WorkflowService", "SignalWithStartWorkflowExecution"),
            (e.NexusOperationScheduledEventAttributes.Endpoint, e.NexusOperationScheduledEventAttributes.Service, e.NexusOperationScheduledEventAttributes.Operation)));
        var completed = OfType(callerEvents, EventType.NexusOperationCompleted);
        Assert.Equal(scheduled.Select(e => e.EventId), completed.Select(e => e.NexusOperationCompletedEventAttributes.ScheduledEventId));
        Assert.Empty(OfType(callerEvents, EventType.NexusOperationStarted));

        // Each completion links to the signal it sent, by the operation's request ID (Temporal's signal link).
        Assert.Equal(
            scheduled.Select(e => (targetId, targetRunId, e.NexusOperationScheduledEventAttributes.RequestId, EventType.WorkflowExecutionSignaled)),
            completed.Select(e => Assert.Single(e.Links).WorkflowEvent).Select(l => (l.WorkflowId, l.RunId, l.RequestIdRef?.RequestId ?? string.Empty, l.RequestIdRef?.EventType ?? EventType.Unspecified)));

        // Each signal links back to the caller's scheduled event that sent it.
        var signaled = OfType(targetEvents, EventType.WorkflowExecutionSignaled);
        Assert.Equal(2, signaled.Count);
        var links = signaled.Select(e => Assert.Single(e.Links).WorkflowEvent).ToList();
        Assert.All(links, link => Assert.Equal((Client.Options.Namespace, caller.Id, caller.ResultRunId), (link.Namespace, link.WorkflowId, link.RunId)));
        Assert.Equal(
            scheduled.Select(e => (e.EventId, EventType.NexusOperationScheduled)),
            links.Select(link => (link.EventRef.EventId, link.EventRef.EventType)));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStartFromAWorkflow_WithAPayloadCodec_LeavesTheNestedPayloadsToTheCodec_AndAnswersASystemPayload()
    {
        var codecOptions = (TemporalClientOptions)Client.Options.Clone();
        codecOptions.DataConverter = DataConverter.Default with { PayloadCodec = new Base64Codec() };
        var codecClient = new TemporalClient(Client.Connection, codecOptions);
        var targetId = NewWorkflowId("coded-wave");

        using var worker = new TemporalWorker(codecClient, StarterAndWave());
        var (caller, runIds, result) = await worker.ExecuteAsync(async () =>
        {
            var call = new PickWaveCall(targetId, TaskQueue, "coded-start", ["coded-pick"], 1);
            var caller = await codecClient.StartWorkflowAsync((PickWaveStarterWorkflow w) => w.RunAsync(call), Options("coded-starter"));
            var runIds = await caller.GetResultAsync(rpcOptions: Rpc);
            var result = await codecClient.GetWorkflowHandle<PickWaveWorkflow>(targetId).GetResultAsync<IReadOnlyList<string>>(rpcOptions: Rpc);
            return (caller, runIds, result);
        }, Deadline);

        Assert.Equal(["Started: coded-start", "Signal: coded-pick"], result);
        Assert.Single(runIds);

        // On the server, without the codec: the target's input and signal as the caller's codec encoded them.
        var targetEvents = (await Client.GetWorkflowHandle(targetId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var input = Assert.Single(targetEvents[0].WorkflowExecutionStartedEventAttributes.Input.Payloads_);
        var signal = Assert.Single(Assert.Single(OfType(targetEvents, EventType.WorkflowExecutionSignaled)).WorkflowExecutionSignaledEventAttributes.Input.Payloads_);
        Assert.All([input, signal], p => Assert.Equal(Base64Codec.EncodingName, p.Metadata["encoding"].ToStringUtf8()));
        Assert.Equal("coded-pick", DataConverter.Default.PayloadConverter.ToValue<string>(Base64Codec.Decode(signal)));

        // The caller's request itself is not coded (the SDK sends it as a protobuf message); the result is a system payload.
        var callerEvents = (await Client.GetWorkflowHandle(caller.Id).FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var request = Assert.Single(OfType(callerEvents, EventType.NexusOperationScheduled)).NexusOperationScheduledEventAttributes.Input;
        Assert.Equal("temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionRequest", request.Metadata["messageType"].ToStringUtf8());
        var answer = Assert.Single(OfType(callerEvents, EventType.NexusOperationCompleted)).NexusOperationCompletedEventAttributes.Result;
        Assert.Equal(
            ("binary/protobuf", "temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse", "true"),
            (answer.Metadata["encoding"].ToStringUtf8(), answer.Metadata["messageType"].ToStringUtf8(), answer.Metadata["__temporal_system_payload"].ToStringUtf8()));
        var response = SignalWithStartWorkflowExecutionResponse.Parser.ParseFrom(answer.Data);
        Assert.Equal((runIds[0], true), (response.RunId, response.Started));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStartFromAWorkflow_OfARunningTargetUnderUseExisting_SignalsThatRun()
    {
        var (target, runIds, result) = await WithWorkerAsync(StarterAndWave(), async () =>
        {
            var target = await Client.StartWorkflowAsync((PickWaveWorkflow w) => w.RunAsync(new PickWaveInput("from-client", 1)), Options("running-wave"));
            var call = new PickWaveCall(target.Id, TaskQueue, "not-used", ["late-pick"], 5);
            var caller = await Client.StartWorkflowAsync((PickWaveStarterWorkflow w) => w.RunAsync(call), Options("late-starter"));
            var runIds = await caller.GetResultAsync(rpcOptions: Rpc);
            return (target, runIds, await target.GetResultAsync(rpcOptions: Rpc));
        });

        Assert.Equal([target.ResultRunId!], runIds);
        Assert.Equal(["Started: from-client", "Signal: late-pick"], result);
        var events = (await target.FetchHistoryAsync(HistoryRpc)).Events;
        Assert.Single(OfType(events, EventType.WorkflowExecutionStarted));
        Assert.Single(OfType(events, EventType.WorkflowExecutionSignaled));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ABinaryProtobufRequestFromARawWorker_IsRunToo()
    {
        var targetId = NewWorkflowId("raw-target");
        var request = SignalWithStartCommands.Request(targetId, TargetQueue);
        var handle = await Raw.StartAsync(NewWorkflowId("raw-caller"), TaskQueue);
        var task = await Raw.PollAsync(TaskQueue);

        await Raw.CompleteAsync(task, SignalWithStartCommands.Schedule(SignalWithStartCommands.Binary(request)));

        var next = await Raw.PollAsync(TaskQueue);
        var completed = await Eventually.UntilAsync(
            async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.FirstOrDefault(e => e.EventType == EventType.NexusOperationCompleted),
            e => e is not null,
            "the system operation completed");
        var response = SignalWithStartWorkflowExecutionResponse.Parser.ParseFrom(completed!.NexusOperationCompletedEventAttributes.Result.Data);
        var target = await Client.GetWorkflowHandle(targetId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal((target.RunId, true), (response.RunId, response.Started));
        Assert.True(next.TaskToken.Length > 0);
        await Client.GetWorkflowHandle(targetId).TerminateAsync("cleanup", new() { Rpc = Rpc });
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "request-id", "RequestID should not be set on the request" },
        { "links", "Links should not be set on the request" },
        { "namespace", "Namespace in request \"elsewhere\" does not match namespace in context \"default\"" },
        { "unknown-operation", "operation \"StartWorkflowExecution\" not found" },
        { "unknown-service", "service \"temporal.api.workflowservice.v1.OperatorService\" not found" },
        { "nexus-header", "ScheduleNexusOperationCommandAttributes.NexusHeader must be empty when using __temporal_system endpoint" },
        { "conflict-fail", "Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation." },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(Refusals))]
    public async Task ARequestTemporalRefuses_FailsTheWorkflowTask_WithBadScheduleNexusOperationAttributes(string refusal, string message)
    {
        var targetId = NewWorkflowId("refused-target");
        var request = SignalWithStartCommands.Request(targetId, TargetQueue);
        switch (refusal)
        {
            case "request-id":
                request.RequestId = Guid.NewGuid().ToString();
                break;
            case "links":
                request.Links.Add(new Link { WorkflowEvent = new() { Namespace = "default", WorkflowId = "elsewhere", RunId = Guid.NewGuid().ToString() } });
                break;
            case "namespace":
                request.Namespace = "elsewhere";
                break;
            case "conflict-fail":
                request.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.Fail;
                break;
        }

        var command = SignalWithStartCommands.Schedule(SignalWithStartCommands.Json(request));
        var attributes = command.ScheduleNexusOperationCommandAttributes;
        switch (refusal)
        {
            case "unknown-operation":
                attributes.Operation = "StartWorkflowExecution";
                break;
            case "unknown-service":
                attributes.Service = "temporal.api.workflowservice.v1.OperatorService";
                break;
            case "nexus-header":
                attributes.NexusHeader["request-timeout"] = "10s";
                break;
        }

        var (error, failed) = await RefusedAsync(command);

        Assert.Equal((RpcException.StatusCode.InvalidArgument, $"BadScheduleNexusOperationAttributes: {message}"), (error.Code, error.Message));
        Assert.Equal((WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, $"BadScheduleNexusOperationAttributes: {message}"), (failed.Cause, failed.Failure.Message));
        await AssertNotStartedAsync(targetId);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnInputThatIsNoRequest_FailsTheWorkflowTask_AsUndecodable()
    {
        var garbage = SignalWithStartCommands.Binary(SignalWithStartCommands.Request("never", TargetQueue));
        garbage.Data = ByteString.CopyFrom(0xFF, 0xFF, 0xFF);

        var (error, failed) = await RefusedAsync(SignalWithStartCommands.Schedule(garbage));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.StartsWith("BadScheduleNexusOperationAttributes: failed to decode input payload: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, failed.Cause);
        Assert.Equal(error.Message, failed.Failure.Message);
    }

    /// <summary>A raw caller's first task completed with <paramref name="command"/>: the refusal it heard and the task failure it left.</summary>
    private async Task<(RpcException Error, WorkflowTaskFailedEventAttributes Failed)> RefusedAsync(Command command)
    {
        var handle = await Raw.StartAsync(NewWorkflowId("refused-caller"), TaskQueue);
        var task = await Raw.PollAsync(TaskQueue);

        var error = await Assert.ThrowsAsync<RpcException>(() => Raw.CompleteAsync(task, command));

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        Assert.Empty(OfType(events, EventType.NexusOperationScheduled));
        var failed = Assert.Single(OfType(events, EventType.WorkflowTaskFailed)).WorkflowTaskFailedEventAttributes;
        await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
        return (error, failed);
    }

    private async Task AssertNotStartedAsync(string workflowId)
    {
        var describe = async () => await Client.GetWorkflowHandle(workflowId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(describe)).Code);
    }
}

/// <summary>
/// With the default dev server (<c>history.enableSignalWithStartFromWorkflow</c> off, as in Temporal): a completion
/// carrying a signal-with-start on the system endpoint is answered UNIMPLEMENTED and starts nothing.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class SystemNexusDisabledTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStartFromAWorkflow_WhenSwitchedOff_IsUnimplemented()
    {
        var targetId = NewWorkflowId("disabled-target");
        var handle = await Raw.StartAsync(NewWorkflowId("disabled-caller"), TaskQueue);
        var task = await Raw.PollAsync(TaskQueue);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Raw.CompleteAsync(task, SignalWithStartCommands.Schedule(SignalWithStartCommands.Json(SignalWithStartCommands.Request(targetId, TaskQueue)))));

        Assert.Equal((RpcException.StatusCode.Unimplemented, "SignalWithStart operation is disabled"), (error.Code, error.Message));
        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events;
        Assert.DoesNotContain(events, e => e.EventType is EventType.NexusOperationScheduled or EventType.WorkflowTaskCompleted);
        var describe = async () => await Client.GetWorkflowHandle(targetId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(describe)).Code);
        await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
    }
}

/// <summary>The ScheduleNexusOperation command the SDK sends for <c>Workflow.SignalWithStartWorkflowAsync</c>, written by hand.</summary>
internal static class SignalWithStartCommands
{
    public static SignalWithStartWorkflowExecutionRequest Request(string workflowId, string taskQueue) => new()
    {
        WorkflowId = workflowId,
        WorkflowType = new WorkflowType { Name = "RawWorkflow" },
        TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = taskQueue },
        SignalName = "poke",
        Identity = RawWorker.Identity,
    };

    public static Payload Json(SignalWithStartWorkflowExecutionRequest request) => Message("json/protobuf", ByteString.CopyFromUtf8(JsonFormatter.Default.Format(request)));

    public static Payload Binary(SignalWithStartWorkflowExecutionRequest request) => Message("binary/protobuf", request.ToByteString());

    private static Payload Message(string encoding, ByteString data) => new()
    {
        Metadata =
        {
            ["encoding"] = ByteString.CopyFromUtf8(encoding),
            ["messageType"] = ByteString.CopyFromUtf8(SignalWithStartWorkflowExecutionRequest.Descriptor.FullName),
        },
        Data = data,
    };

    public static Command Schedule(Payload input) => new()
    {
        CommandType = CommandType.ScheduleNexusOperation,
        ScheduleNexusOperationCommandAttributes = new ScheduleNexusOperationCommandAttributes
        {
            Endpoint = "__temporal_system",
            Service = "temporal.api.workflowservice.v1.WorkflowService",
            Operation = "SignalWithStartWorkflowExecution",
            Input = input,
        },
    };
}

/// <summary>A payload codec that wraps each payload, base64-encoded, in one of its own encoding (as the SDK's tests do).</summary>
internal sealed class Base64Codec : IPayloadCodec
{
    public const string EncodingName = "warehouse-base64";

    public Task<IReadOnlyCollection<Payload>> EncodeAsync(IReadOnlyCollection<Payload> payloads) =>
        Task.FromResult<IReadOnlyCollection<Payload>>(payloads.Select(p => new Payload
        {
            Metadata = { ["encoding"] = ByteString.CopyFromUtf8(EncodingName) },
            Data = ByteString.CopyFrom(Convert.ToBase64String(p.ToByteArray()), Encoding.ASCII),
        }).ToList());

    public Task<IReadOnlyCollection<Payload>> DecodeAsync(IReadOnlyCollection<Payload> payloads) =>
        Task.FromResult<IReadOnlyCollection<Payload>>(payloads.Select(Decode).ToList());

    public static Payload Decode(Payload payload) =>
        payload.Metadata.TryGetValue("encoding", out var encoding) && encoding.ToStringUtf8() == EncodingName
            ? Payload.Parser.ParseFrom(Convert.FromBase64String(payload.Data.ToString(Encoding.ASCII)))
            : throw new InvalidOperationException($"not a {EncodingName} payload");
}
