using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using EndpointSpec = Temporalio.Api.Nexus.V1.EndpointSpec;
using EndpointTarget = Temporalio.Api.Nexus.V1.EndpointTarget;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Update completion callbacks with <c>history.enableUpdateCallbacks=true</c> (ADR 0059): a Nexus operation backed by a
/// workflow update (the SDK's update operation) starts when the update is accepted and completes through the update's
/// callback with its outcome — before the handler's own answer when the update completes at once; callers naming the
/// same update share it; an update its run outlives fails its callers; requests for an update not yet accepted are held
/// and written at its acceptance, once per request; callbacks without a request ID are refused.
/// </summary>
[Collection(UpdateCallbacksCollection.Name)]
public sealed class UpdateCallbackTests(UpdateCallbacksEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const string Outlived = "Workflow Update failed because the Workflow completed before the Update completed.";

    private TemporalWorkerOptions BinWorker() =>
        WorkerOptions().AddWorkflow<BinWorkflow>().AddWorkflow<RestockCallerWorkflow>().AddNexusService(new BinService());

    private async Task<string> CreateEndpointAsync() =>
        (await Client.Connection.OperatorService.CreateNexusEndpointAsync(new()
        {
            Spec = new EndpointSpec
            {
                Name = $"bins-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new EndpointTarget.Types.Worker { Namespace = Client.Options.Namespace, TaskQueue = TaskQueue } },
            },
        }, Rpc)).Endpoint.Spec.Name;

    private Task<WorkflowHandle<BinWorkflow, int>> StartBinAsync() => Client.StartWorkflowAsync((BinWorkflow w) => w.RunAsync(), Options("bin"));

    private Task<WorkflowHandle<RestockCallerWorkflow, string>> CallAsync(string endpoint, RestockRequest request) =>
        Client.StartWorkflowAsync((RestockCallerWorkflow w) => w.RunAsync(endpoint, request), Options("restock-caller"));

    private async Task<List<HistoryEvent>> EventsAsync(WorkflowHandle handle) => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();

    private Task<List<HistoryEvent>> UntilEventAsync(WorkflowHandle handle, EventType type, string what) =>
        Eventually.UntilAsync(() => EventsAsync(handle), events => events.Any(e => e.EventType == type), what, cancellationToken: Deadline);

    private static List<EventType> NexusEvents(IEnumerable<HistoryEvent> events) =>
        events.Select(e => e.EventType).Where(t => t.ToString().StartsWith("NexusOperation", StringComparison.Ordinal)).ToList();

    private static string RequestIdOf(IEnumerable<HistoryEvent> callerEvents) =>
        callerEvents.Single(e => e.EventType == EventType.NexusOperationScheduled).NexusOperationScheduledEventAttributes.RequestId;

    /// <summary>The workflow and update an update operation's token names (the SDK's token: base64url JSON, type 3).</summary>
    private static (string WorkflowId, string UpdateId) UpdateToken(string token)
    {
        using var json = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token));
        Assert.Equal(3, json.RootElement.GetProperty("t").GetInt32());
        return (json.RootElement.GetProperty("wid").GetString()!, json.RootElement.GetProperty("uid").GetString()!);
    }

    private static (string WorkflowId, string RequestId, EventType Type) RequestIdLink(Link link) =>
        (link.WorkflowEvent.WorkflowId, link.WorkflowEvent.RequestIdRef?.RequestId ?? string.Empty, link.WorkflowEvent.RequestIdRef?.EventType ?? EventType.Unspecified);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnUpdateBehindANexusOperation_StartsItWhenAccepted_AndItsCallbackCompletesItWithTheResult()
    {
        var endpoint = await CreateEndpointAsync();
        var (bin, caller, result, callerEvents, binEvents, described) = await WithWorkerAsync(BinWorker(), async () =>
        {
            var bin = await StartBinAsync();
            await bin.SignalAsync(w => w.HoldAsync(true), SignalRpc);
            var caller = await CallAsync(endpoint, new(bin.Id, 5, "restock-async"));
            await UntilEventAsync(caller, EventType.NexusOperationStarted, "the operation started on the update's acceptance");
            await bin.SignalAsync(w => w.HoldAsync(false), SignalRpc);
            var result = await caller.GetResultAsync(rpcOptions: Rpc);
            var described = await DescribeRawAsync(bin.Id);
            await bin.SignalAsync(w => w.EndAsync("close"), SignalRpc);
            return (bin, caller, result, await EventsAsync(caller), await EventsAsync(bin), described);
        });

        Assert.Equal("stock 5", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationCompleted], NexusEvents(callerEvents));
        var requestId = RequestIdOf(callerEvents);
        var started = callerEvents.Single(e => e.EventType == EventType.NexusOperationStarted);
        Assert.Equal((bin.Id, "restock-async"), UpdateToken(started.NexusOperationStartedEventAttributes.OperationToken));
        // The handler passed on the update answer's link: the accepted event, named by the operation's request ID.
        Assert.Equal((bin.Id, requestId, EventType.WorkflowExecutionUpdateAccepted), RequestIdLink(Assert.Single(started.Links)));

        // The accepted event keeps the request (its ID and callback) and carries the callback's link back to the caller.
        var accepted = Assert.Single(binEvents, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        Assert.Equal(requestId, accepted.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest.RequestId);
        Assert.Single(accepted.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest.CompletionCallbacks);
        var back = Assert.Single(accepted.Links).WorkflowEvent;
        Assert.Equal((caller.Id, caller.ResultRunId, EventType.NexusOperationScheduled), (back.WorkflowId, back.RunId, back.EventRef.EventType));

        var callback = Assert.Single(described.Callbacks);
        Assert.Equal(("restock-async", requestId, CallbackState.Succeeded),
            (callback.Trigger.UpdateWorkflowExecutionCompleted?.UpdateId, callback.RequestId, callback.State));
        var info = described.WorkflowExtendedInfo.RequestIdInfos[requestId];
        Assert.Equal((EventType.WorkflowExecutionUpdateAccepted, accepted.EventId), (info.EventType, info.EventId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnUpdateThatCompletesAtOnce_ReachesItsCallerBeforeTheHandlersAnswer_AndASecondCallerGetsTheOutcomeSync()
    {
        var endpoint = await CreateEndpointAsync();
        var (bin, first, second, described) = await WithWorkerAsync(BinWorker(), async () =>
        {
            var bin = await StartBinAsync();
            var first = await CallAsync(endpoint, new(bin.Id, 5, "restock-at-once"));
            Assert.Equal("stock 5", await first.GetResultAsync(rpcOptions: Rpc));
            var second = await CallAsync(endpoint, new(bin.Id, 5, "restock-at-once"));
            Assert.Equal("stock 5", await second.GetResultAsync(rpcOptions: Rpc)); // the same update: not applied twice
            var described = await DescribeRawAsync(bin.Id);
            await bin.SignalAsync(w => w.EndAsync("close"), SignalRpc);
            Assert.Equal(5, await bin.GetResultAsync(rpcOptions: Rpc));
            return (bin, await EventsAsync(first), await EventsAsync(second), described);
        });

        // The callback came first: Temporal writes the operation's started event from it (its token, a link to the update).
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationCompleted], NexusEvents(first));
        var started = first.Single(e => e.EventType == EventType.NexusOperationStarted);
        Assert.Equal((bin.Id, "restock-at-once"), UpdateToken(started.NexusOperationStartedEventAttributes.OperationToken));
        Assert.Equal((bin.Id, RequestIdOf(first), EventType.WorkflowExecutionUpdateAccepted), RequestIdLink(Assert.Single(started.Links)));

        // The update had completed: the handler answered with its outcome, and nothing was attached to it.
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationCompleted], NexusEvents(second));
        Assert.Equal([RequestIdOf(first)], described.Callbacks.Select(c => c.RequestId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TwoCallersOfOneUpdate_ShareIt_AndBothCompleteWhenItDoes()
    {
        var endpoint = await CreateEndpointAsync();
        var (firstResult, secondResult, firstEvents, secondEvents, binEvents, described) = await WithWorkerAsync(BinWorker(), async () =>
        {
            var bin = await StartBinAsync();
            await bin.SignalAsync(w => w.HoldAsync(true), SignalRpc);
            var first = await CallAsync(endpoint, new(bin.Id, 5, "restock-shared"));
            await UntilEventAsync(bin, EventType.WorkflowExecutionUpdateAccepted, "the update accepted");
            var second = await CallAsync(endpoint, new(bin.Id, 5, "restock-shared"));
            await UntilEventAsync(second, EventType.NexusOperationStarted, "the second operation started");
            await bin.SignalAsync(w => w.HoldAsync(false), SignalRpc);
            var firstResult = await first.GetResultAsync(rpcOptions: Rpc);
            var secondResult = await second.GetResultAsync(rpcOptions: Rpc);
            var described = await DescribeRawAsync(bin.Id);
            await bin.SignalAsync(w => w.EndAsync("close"), SignalRpc);
            return (firstResult, secondResult, await EventsAsync(first), await EventsAsync(second), await EventsAsync(bin), described);
        });

        Assert.Equal(("stock 5", "stock 5"), (firstResult, secondResult));
        Assert.Single(binEvents, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        Assert.Single(binEvents, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);

        // The second caller's callback joined the accepted update through an options-updated event naming it.
        var attached = Assert.Single(binEvents, e => e.EventType == EventType.WorkflowExecutionOptionsUpdated);
        var options = Assert.Single(attached.WorkflowExecutionOptionsUpdatedEventAttributes.WorkflowUpdateOptions);
        Assert.Equal(("restock-shared", RequestIdOf(secondEvents), 1), (options.UpdateId, options.AttachedRequestId, options.AttachedCompletionCallbacks.Count));
        Assert.True(attached.WorkerMayIgnore);

        Assert.Equal([(RequestIdOf(firstEvents), CallbackState.Succeeded), (RequestIdOf(secondEvents), CallbackState.Succeeded)],
            described.Callbacks.Select(c => (c.RequestId, c.State)));
        Assert.Equal(EventType.WorkflowExecutionOptionsUpdated, described.WorkflowExtendedInfo.RequestIdInfos[RequestIdOf(secondEvents)].EventType);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("close")]
    [InlineData("continue-as-new")]
    public async Task AnUpdateItsRunOutlives_FailsItsCaller(string how)
    {
        var endpoint = await CreateEndpointAsync();
        var (result, described) = await WithWorkerAsync(BinWorker(), async () =>
        {
            var bin = await StartBinAsync();
            await bin.SignalAsync(w => w.HoldAsync(true), SignalRpc);
            var caller = await CallAsync(endpoint, new(bin.Id, 5, "restock-outlived"));
            await UntilEventAsync(caller, EventType.NexusOperationStarted, "the operation started");
            await bin.SignalAsync(w => w.EndAsync(how), SignalRpc);
            var result = await caller.GetResultAsync(rpcOptions: Rpc);
            var described = await DescribeRawAsync(bin.Id, bin.ResultRunId);
            if (how == "continue-as-new")
            {
                await Client.GetWorkflowHandle<BinWorkflow>(bin.Id).SignalAsync(w => w.EndAsync("close"), SignalRpc);
            }

            return (result, described);
        });

        Assert.Equal($"failed: nexus operation completed unsuccessfully | AcceptedUpdateCompletedWorkflow: {Outlived}", result);
        Assert.Equal([CallbackState.Succeeded], described.Callbacks.Select(c => c.State));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TheNamespace_ReportsTheWorkflowUpdateCallbacksCapability()
    {
        var described = await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
        Assert.True(described.NamespaceInfo.Capabilities.WorkflowUpdateCallbacks);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CallbacksWithoutARequestId_AreRefused_AndNothingIsAdmitted()
    {
        var raw = new RawWorker(Client, Rpc);
        var handle = await raw.StartAsync(NewWorkflowId("bin-refusal"), TaskQueue);
        await raw.CompleteAsync(await raw.PollAsync(TaskQueue));

        var refused = await Assert.ThrowsAsync<RpcException>(() => raw.Service.UpdateWorkflowExecutionAsync(
            UpdateRequest(handle.Id, "restock-refused", requestId: string.Empty, "refused"), new() { Timeout = TimeSpan.FromSeconds(5), CancellationToken = Deadline }));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "invalid *update.Request: request_id is required when completion_callbacks are set"), (refused.Code, refused.Message));
        Assert.Null((await DescribeRawAsync(handle.Id)).PendingWorkflowTask);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RequestsForAnUpdateNotYetAccepted_AreHeld_AndWrittenAtItsAcceptance_OncePerRequest()
    {
        var raw = new RawWorker(Client, Rpc);
        var handle = await raw.StartAsync(NewWorkflowId("bin-held"), TaskQueue);
        await raw.CompleteAsync(await raw.PollAsync(TaskQueue));
        Task<UpdateWorkflowExecutionResponse> UpdateAsync(string requestId) =>
            raw.Service.UpdateWorkflowExecutionAsync(UpdateRequest(handle.Id, "restock-held", requestId, requestId), Rpc);

        var first = UpdateAsync("request-1");
        var sent = await raw.PollAsync(TaskQueue);
        var request = Assert.Single(sent.Messages);
        var second = UpdateAsync("request-2");
        var secondAgain = UpdateAsync("request-2");
        await Task.Delay(TimeSpan.FromMilliseconds(500), Deadline); // lets both reach the server while the update is sent, not accepted
        Assert.False(second.IsCompleted, "the second request waits for the acceptance");

        await AcceptAsync(raw, sent, request);
        var answers = await Task.WhenAll(first, second, secondAgain);
        Assert.All(answers, a => Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Accepted, a.Stage));
        Assert.Equal(
            [(handle.Id, "request-1", EventType.WorkflowExecutionUpdateAccepted), (handle.Id, "request-2", EventType.WorkflowExecutionUpdateAccepted), (handle.Id, "request-2", EventType.WorkflowExecutionUpdateAccepted)],
            answers.Select(a => RequestIdLink(a.Link)));

        // Accepted now: a new request is written at once, a repeated one (or the accepted request itself) not again.
        await UpdateAsync("request-3");
        await UpdateAsync("request-2");
        await UpdateAsync("request-1");
        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var accepted = Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        Assert.Equal("request-1", accepted.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest.RequestId);
        Assert.Equal("caller-request-1", Assert.Single(accepted.Links).WorkflowEvent.WorkflowId);
        var attachments = events.Where(e => e.EventType == EventType.WorkflowExecutionOptionsUpdated).ToList();
        Assert.Equal([accepted.EventId + 1, events[^1].EventId], attachments.Select(e => e.EventId));
        Assert.Equal([("restock-held", "request-2", "request-2"), ("restock-held", "request-3", "request-3")],
            attachments.Select(e => Assert.Single(e.WorkflowExecutionOptionsUpdatedEventAttributes.WorkflowUpdateOptions))
                .Select(o => (o.UpdateId, o.AttachedRequestId, Assert.Single(o.AttachedCompletionCallbacks).Nexus.Header["temporal-callback-token"])));
        Assert.All(attachments, e => Assert.Empty(e.Links));

        var waiting = await DescribeRawAsync(handle.Id);
        Assert.Equal([("restock-held", "request-1"), ("restock-held", "request-2"), ("restock-held", "request-3")],
            waiting.Callbacks.Select(c => (c.Trigger.UpdateWorkflowExecutionCompleted.UpdateId, c.RequestId)));
        Assert.All(waiting.Callbacks, c => Assert.Equal(CallbackState.Standby, c.State));
        Assert.Equal(
            [EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionOptionsUpdated, EventType.WorkflowExecutionOptionsUpdated],
            new[] { "request-1", "request-2", "request-3" }.Select(id => waiting.WorkflowExtendedInfo.RequestIdInfos[id].EventType));

        // The update completes in a later task: each callback is called once (these name no caller this server knows).
        await handle.SignalAsync("wake", [], new() { Rpc = Rpc });
        var next = await raw.PollAsync(TaskQueue);
        await RespondAsync(raw, next, new Message
        {
            Id = "restock-held/complete",
            ProtocolInstanceId = "restock-held",
            Body = Any.Pack(new Response { Meta = new Meta { UpdateId = "restock-held" }, Outcome = new Outcome { Success = new Payloads() } }),
        });
        var called = await DescribeRawAsync(handle.Id);
        Assert.All(called.Callbacks, c => Assert.Equal((CallbackState.Failed, 1), (c.State, c.Attempt)));

        // A rejected update links its caller to the run, since it wrote no event.
        var rejected = raw.Service.UpdateWorkflowExecutionAsync(UpdateRequest(handle.Id, "restock-rejected", "request-4", "request-4"), Rpc);
        var rejecting = await raw.PollAsync(TaskQueue);
        var rejectedRequest = Assert.Single(rejecting.Messages);
        await RespondAsync(raw, rejecting, new Message
        {
            Id = "restock-rejected/reject",
            ProtocolInstanceId = rejectedRequest.ProtocolInstanceId,
            Body = Any.Pack(new Rejection
            {
                RejectedRequestMessageId = rejectedRequest.Id,
                RejectedRequestSequencingEventId = rejectedRequest.EventId,
                Failure = new() { Message = "bin closed", ApplicationFailureInfo = new() },
            }),
        });
        var link = (await rejected).Link.Workflow;
        Assert.Equal((handle.Id, handle.ResultRunId, "Update rejected"), (link.WorkflowId, link.RunId, link.Reason));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AStartReusingTheRequestIdOfAnAcceptedUpdate_IsDeduplicated_ToTheRunThatHoldsIt()
    {
        // Temporal's starter dedupes a start on any request ID the current run holds (an update's too): not started,
        // no AlreadyStarted, linked to the run by its request ID. Here only a start's attached ID was looked for.
        var raw = new RawWorker(Client, Rpc);
        var handle = await raw.StartAsync(NewWorkflowId("bin-dedupe"), TaskQueue);
        await raw.CompleteAsync(await raw.PollAsync(TaskQueue));
        var update = raw.Service.UpdateWorkflowExecutionAsync(UpdateRequest(handle.Id, "restock-dedupe", "request-dedupe", "request-dedupe"), Rpc);
        var sent = await raw.PollAsync(TaskQueue);
        var request = Assert.Single(sent.Messages);
        await AcceptAsync(raw, sent, request);
        await update;

        var start = await raw.Service.StartWorkflowExecutionAsync(new()
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = handle.Id,
            WorkflowType = new() { Name = "Bin" },
            TaskQueue = new() { Name = TaskQueue },
            RequestId = "request-dedupe",
            WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.Fail,
        }, Rpc);

        Assert.Equal((false, handle.ResultRunId), (start.Started, start.RunId));
        Assert.Equal((handle.Id, "request-dedupe", EventType.WorkflowExecutionOptionsUpdated), RequestIdLink(start.Link));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    private UpdateWorkflowExecutionRequest UpdateRequest(string workflowId, string updateId, string requestId, string token) => new()
    {
        Namespace = Client.Options.Namespace,
        WorkflowExecution = new() { WorkflowId = workflowId },
        WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Accepted },
        Request = new()
        {
            Meta = new() { UpdateId = updateId, Identity = "test" },
            Input = new() { Name = "Restock", Args = RawWorker.NoPayloads() },
            RequestId = requestId,
            CompletionCallbacks =
            {
                new Callback
                {
                    Nexus = new Callback.Types.Nexus { Url = "temporal://system", Header = { ["temporal-callback-token"] = token } },
                    Links =
                    {
                        new Link
                        {
                            WorkflowEvent = new()
                            {
                                Namespace = Client.Options.Namespace,
                                WorkflowId = $"caller-{token}",
                                RunId = Guid.NewGuid().ToString(),
                                EventRef = new() { EventId = 5, EventType = EventType.NexusOperationScheduled },
                            },
                        },
                    },
                },
            },
        },
    };

    /// <summary>The worker accepts the update request <paramref name="request"/> that <paramref name="task"/> carried.</summary>
    private Task AcceptAsync(RawWorker raw, PollWorkflowTaskQueueResponse task, Message request) => RespondAsync(raw, task, new Message
    {
        Id = $"{request.ProtocolInstanceId}/accept",
        ProtocolInstanceId = request.ProtocolInstanceId,
        Body = Any.Pack(new Acceptance { AcceptedRequestMessageId = request.Id, AcceptedRequestSequencingEventId = request.EventId }),
    });

    private Task RespondAsync(RawWorker raw, PollWorkflowTaskQueueResponse task, Message message)
    {
        var request = new RespondWorkflowTaskCompletedRequest { Namespace = Client.Options.Namespace, TaskToken = task.TaskToken, Identity = RawWorker.Identity };
        request.Messages.Add(message);
        return raw.Service.RespondWorkflowTaskCompletedAsync(request, Rpc);
    }
}
