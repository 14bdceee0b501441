using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WorkflowExecution = Temporalio.Api.Common.V1.WorkflowExecution;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;
using OnConflictOptions = Temporalio.Api.Workflow.V1.OnConflictOptions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Links and on-conflict options as Temporal keeps them: a request's links go on the event it writes (started,
/// signaled, cancel requested, terminated) within the frontend's limits; answers link back by request ID; a start
/// that finds the workflow running under USE_EXISTING attaches its request ID, completion callbacks and links to
/// it (one WorkflowExecutionOptionsUpdated event, no workflow task), a retry of it is deduplicated, and what it
/// attached goes on to the next run.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class LinkTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    private WorkflowService Service => Client.Connection.WorkflowService;

    private static Link EventLink(string workflowId, long eventId = 5) => new()
    {
        WorkflowEvent = new Link.Types.WorkflowEvent
        {
            Namespace = "default",
            WorkflowId = workflowId,
            RunId = Guid.NewGuid().ToString(),
            EventRef = new Link.Types.WorkflowEvent.Types.EventReference { EventId = eventId, EventType = EventType.NexusOperationScheduled },
        },
    };

    private static Callback NexusCallback(string name) => new()
    {
        Nexus = new Callback.Types.Nexus { Url = $"http://callbacks.invalid/{name}" },
    };

    private StartWorkflowExecutionRequest StartRequest(string workflowId) => new()
    {
        Namespace = Client.Options.Namespace,
        WorkflowId = workflowId,
        WorkflowType = new WorkflowType { Name = "RawWorkflow" },
        TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = TaskQueue },
        RequestId = Guid.NewGuid().ToString(),
        Identity = "link-tests",
    };

    private Command ContinueAsNew() => new()
    {
        CommandType = CommandType.ContinueAsNewWorkflowExecution,
        ContinueAsNewWorkflowExecutionCommandAttributes = new ContinueAsNewWorkflowExecutionCommandAttributes
        {
            WorkflowType = new WorkflowType { Name = "RawWorkflow" },
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = TaskQueue },
        },
    };

    private async Task<List<HistoryEvent>> EventsAsync(string workflowId, string? runId = null) =>
        (await Client.GetWorkflowHandle(workflowId, runId).FetchHistoryAsync(HistoryRpc)).Events.ToList();

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AStartThatFindsTheWorkflowRunning_AttachesItsRequestIdCallbacksAndLinks_OnceAndWithoutAWorkflowTask()
    {
        var id = NewWorkflowId("attach");
        var first = StartRequest(id);
        var started = await Service.StartWorkflowExecutionAsync(first, Rpc);
        Assert.True(started.Started);
        Assert.Equal(started.RunId, started.FirstExecutionRunId);
        Assert.Equal((1L, EventType.WorkflowExecutionStarted), (started.Link.WorkflowEvent.EventRef.EventId, started.Link.WorkflowEvent.EventRef.EventType));
        var before = (await EventsAsync(id)).Count;

        var attach = StartRequest(id);
        attach.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
        attach.OnConflictOptions = new OnConflictOptions { AttachRequestId = true, AttachCompletionCallbacks = true, AttachLinks = true };
        attach.CompletionCallbacks.Add(NexusCallback("second-caller"));
        attach.Links.Add(EventLink("second-caller"));
        var reused = await Service.StartWorkflowExecutionAsync(attach, Rpc);

        Assert.False(reused.Started);
        Assert.Equal((started.RunId, started.RunId), (reused.RunId, reused.FirstExecutionRunId));
        Assert.Equal(WorkflowExecutionStatus.Running, reused.Status);
        // The answer names the run's new event by the request that made it, as Temporal's does.
        Assert.Equal((attach.RequestId, EventType.WorkflowExecutionOptionsUpdated),
            (reused.Link.WorkflowEvent.RequestIdRef.RequestId, reused.Link.WorkflowEvent.RequestIdRef.EventType));

        var events = await EventsAsync(id);
        var updated = Assert.Single(events.Skip(before));
        Assert.Equal(EventType.WorkflowExecutionOptionsUpdated, updated.EventType);
        Assert.True(updated.WorkerMayIgnore);
        Assert.Equal(attach.RequestId, updated.WorkflowExecutionOptionsUpdatedEventAttributes.AttachedRequestId);
        Assert.Equal(attach.CompletionCallbacks, updated.WorkflowExecutionOptionsUpdatedEventAttributes.AttachedCompletionCallbacks);
        Assert.Equal(attach.Links, updated.Links);

        // The same request again (its answer was lost): deduplicated by the attached request ID, nothing written.
        var retried = await Service.StartWorkflowExecutionAsync(attach, Rpc);
        Assert.Equal((false, started.RunId, EventType.WorkflowExecutionOptionsUpdated), (retried.Started, retried.RunId, retried.Link.WorkflowEvent.RequestIdRef.EventType));
        Assert.Equal(events.Count, (await EventsAsync(id)).Count);

        // Without options, USE_EXISTING attaches nothing and links to the started event.
        var plain = StartRequest(id);
        plain.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
        var found = await Service.StartWorkflowExecutionAsync(plain, Rpc);
        Assert.Equal((false, 1L), (found.Started, found.Link.WorkflowEvent.EventRef.EventId));
        Assert.Equal(events.Count, (await EventsAsync(id)).Count);

        // Describe shows the attached callback waiting for the close; at the close it is called once (this server
        // makes no HTTP calls, so a callback to another server fails, with the reason).
        var describe = new DescribeWorkflowExecutionRequest { Namespace = Client.Options.Namespace, Execution = new WorkflowExecution { WorkflowId = id } };
        var described = await Service.DescribeWorkflowExecutionAsync(describe, Rpc);
        // Describe names each request ID the run knows by the event it made, as Temporal's RequestIdInfos.
        Assert.Equal(
            new Dictionary<string, (EventType, long, bool)>
            {
                [first.RequestId] = (EventType.WorkflowExecutionStarted, 1, false),
                [attach.RequestId] = (EventType.WorkflowExecutionOptionsUpdated, updated.EventId, false),
            },
            described.WorkflowExtendedInfo.RequestIdInfos.ToDictionary(p => p.Key, p => (p.Value.EventType, p.Value.EventId, p.Value.Buffered)));
        var waiting = Assert.Single(described.Callbacks);
        Assert.Equal((CallbackState.Standby, attach.RequestId, 0), (waiting.State, waiting.RequestId, waiting.Attempt));
        Assert.Equal(updated.EventTime, waiting.RegistrationTime);
        Assert.NotNull(waiting.Trigger.WorkflowClosed);
        await Client.GetWorkflowHandle(id).TerminateAsync("done", new() { Rpc = Rpc });
        var called = Assert.Single((await Service.DescribeWorkflowExecutionAsync(describe, Rpc)).Callbacks);
        Assert.Equal((CallbackState.Failed, 1), (called.State, called.Attempt));
        Assert.Contains("no HTTP calls", called.LastAttemptFailure.Message, StringComparison.Ordinal);
        Assert.NotNull(called.LastAttemptCompleteTime);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TheStartedEventsLinks_GoOnToEveryNextRun_ByContinueAsNewAndByRetry_ButAttachedLinksDoNot()
    {
        var id = NewWorkflowId("links-chain");
        var first = StartRequest(id);
        first.Links.Add(EventLink("starter"));
        first.RetryPolicy = new RetryPolicy { InitialInterval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)), MaximumAttempts = 2 };
        await Service.StartWorkflowExecutionAsync(first, Rpc);
        // Links a later start attaches go on its options-updated event only (Temporal carries the started event's).
        var attach = StartRequest(id);
        attach.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
        attach.OnConflictOptions = new OnConflictOptions { AttachRequestId = true, AttachLinks = true };
        attach.Links.Add(EventLink("attacher"));
        await Service.StartWorkflowExecutionAsync(attach, Rpc);

        var task = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(task, ContinueAsNew());
        var continued = (await EventsAsync(id)).First();
        Assert.Equal(ContinueAsNewInitiator.Workflow, continued.WorkflowExecutionStartedEventAttributes.Initiator);
        Assert.Equal(first.Links, continued.Links);

        task = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(task, new Command
        {
            CommandType = CommandType.FailWorkflowExecution,
            FailWorkflowExecutionCommandAttributes = new FailWorkflowExecutionCommandAttributes
            {
                Failure = new Temporalio.Api.Failure.V1.Failure { Message = "try again", ApplicationFailureInfo = new() },
            },
        });
        var retried = (await EventsAsync(id)).First();
        Assert.Equal(ContinueAsNewInitiator.Retry, retried.WorkflowExecutionStartedEventAttributes.Initiator);
        Assert.Equal(first.Links, retried.Links);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AttachedCallbacks_GoOnToTheNextRun_AndCountTowardsTheLimitOf32()
    {
        var id = NewWorkflowId("attach-can");
        var first = StartRequest(id);
        first.CompletionCallbacks.Add(NexusCallback("first-caller"));
        await Service.StartWorkflowExecutionAsync(first, Rpc);

        var attach = StartRequest(id);
        attach.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
        attach.OnConflictOptions = new OnConflictOptions { AttachRequestId = true, AttachCompletionCallbacks = true };
        attach.CompletionCallbacks.Add(NexusCallback("second-caller"));
        await Service.StartWorkflowExecutionAsync(attach, Rpc);

        var tooMany = StartRequest(id);
        tooMany.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
        tooMany.OnConflictOptions = new OnConflictOptions { AttachRequestId = true, AttachCompletionCallbacks = true };
        tooMany.CompletionCallbacks.AddRange(Enumerable.Range(0, 31).Select(i => NexusCallback($"caller-{i}")));
        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(tooMany, Rpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "cannot attach more than 32 callbacks to a workflow (2 callbacks already attached)"),
            (refused.Code, refused.Message));

        // The run continues as new: its next run starts with both callbacks, the attached one after the first.
        var task = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(task, ContinueAsNew());
        var next = (await EventsAsync(id)).First().WorkflowExecutionStartedEventAttributes;
        Assert.NotEqual(task.WorkflowExecution.RunId, next.OriginalExecutionRunId);
        Assert.Equal(["http://callbacks.invalid/first-caller", "http://callbacks.invalid/second-caller"], next.CompletionCallbacks.Select(c => c.Nexus.Url));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RequestsWithLinksOrOnConflictOptionsTheServerRefuses_AreInvalidArguments()
    {
        async Task<string> RefusedAsync(StartWorkflowExecutionRequest request)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request, Rpc));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
            return error.Message;
        }

        var callbacksAlone = StartRequest(NewWorkflowId("bad-options"));
        callbacksAlone.OnConflictOptions = new OnConflictOptions { AttachCompletionCallbacks = true };
        Assert.Equal("attaching request ID is required for attaching completion callbacks", await RefusedAsync(callbacksAlone));

        var eleven = StartRequest(NewWorkflowId("bad-links"));
        eleven.Links.AddRange(Enumerable.Range(0, 11).Select(i => EventLink($"caller-{i}")));
        Assert.Equal("cannot attach more than 10 links per request, got 11", await RefusedAsync(eleven));

        // A callback's links count with the request's.
        var viaCallback = StartRequest(NewWorkflowId("bad-links"));
        viaCallback.Links.AddRange(Enumerable.Range(0, 6).Select(i => EventLink($"caller-{i}")));
        var callback = NexusCallback("caller");
        callback.Links.AddRange(Enumerable.Range(0, 5).Select(i => EventLink($"cb-{i}")));
        viaCallback.CompletionCallbacks.Add(callback);
        Assert.Equal("cannot attach more than 10 links per request, got 11", await RefusedAsync(viaCallback));

        var noNamespace = StartRequest(NewWorkflowId("bad-links"));
        var link = EventLink("caller");
        link.WorkflowEvent.Namespace = string.Empty;
        noNamespace.Links.Add(link);
        Assert.Equal("workflow event link must not have an empty namespace field", await RefusedAsync(noNamespace));

        var huge = StartRequest(NewWorkflowId("bad-links"));
        huge.Links.Add(EventLink(new string('x', 4100)));
        Assert.StartsWith("link exceeds allowed size of 4000, got ", await RefusedAsync(huge), StringComparison.Ordinal);

        var signal = await Assert.ThrowsAsync<RpcException>(() => Service.SignalWorkflowExecutionAsync(new SignalWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = "never-started" },
            SignalName = "s",
            Links = { new Link() },
        }, Rpc));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "unsupported link variant"), (signal.Code, signal.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalsCancelsAndTerminations_KeepTheirLinks_AndAnswersLinkToTheSignal()
    {
        var id = NewWorkflowId("linked");
        var start = StartRequest(id);
        start.Links.Add(EventLink("starter"));
        await Service.StartWorkflowExecutionAsync(start, Rpc);

        var signal = new SignalWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = id },
            SignalName = "restock",
            RequestId = Guid.NewGuid().ToString(),
            Links = { EventLink("signaller") },
        };
        var signalled = await Service.SignalWorkflowExecutionAsync(signal, Rpc);
        Assert.Equal((id, signal.RequestId, EventType.WorkflowExecutionSignaled),
            (signalled.Link.WorkflowEvent.WorkflowId, signalled.Link.WorkflowEvent.RequestIdRef.RequestId, signalled.Link.WorkflowEvent.RequestIdRef.EventType));

        await Service.RequestCancelWorkflowExecutionAsync(new RequestCancelWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = id },
            RequestId = Guid.NewGuid().ToString(),
            Links = { EventLink("canceller") },
        }, Rpc);
        await Service.TerminateWorkflowExecutionAsync(new TerminateWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = id },
            Reason = "linked test",
            Links = { EventLink("terminator") },
        }, Rpc);

        var events = await EventsAsync(id);
        string LinkOf(EventType type) => Assert.Single(Assert.Single(events, e => e.EventType == type).Links).WorkflowEvent.WorkflowId;
        Assert.Equal("starter", LinkOf(EventType.WorkflowExecutionStarted));
        Assert.Equal("signaller", LinkOf(EventType.WorkflowExecutionSignaled));
        Assert.Equal("canceller", LinkOf(EventType.WorkflowExecutionCancelRequested));
        Assert.Equal("terminator", LinkOf(EventType.WorkflowExecutionTerminated));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_PutsItsLinksOnBothEvents_AndLinksToTheSignal()
    {
        var id = NewWorkflowId("linked-sws");
        var request = new SignalWithStartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = id,
            WorkflowType = new WorkflowType { Name = "RawWorkflow" },
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            SignalName = "restock",
            Links = { EventLink("upstream") },
        };
        var answer = await Service.SignalWithStartWorkflowExecutionAsync(request, Rpc);

        Assert.True(answer.Started);
        Assert.Equal(answer.RunId, answer.FirstExecutionRunId);
        Assert.Equal((request.RequestId, EventType.WorkflowExecutionSignaled), (answer.SignalLink.WorkflowEvent.RequestIdRef.RequestId, answer.SignalLink.WorkflowEvent.RequestIdRef.EventType));
        var events = await EventsAsync(id);
        Assert.Equal(request.Links, events.Single(e => e.EventType == EventType.WorkflowExecutionStarted).Links);
        Assert.Equal(request.Links, events.Single(e => e.EventType == EventType.WorkflowExecutionSignaled).Links);
    }
}
