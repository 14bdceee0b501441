using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// A Nexus operation whose handler starts a standalone activity (the SDK's <c>TemporalOperationHandler</c> with
/// <c>StartActivityAsync</c>), as Temporal runs it: the activity's close completes the caller's operation through its
/// completion callback, the started event links to the activity, a failure or a cancel reaches the caller as Temporal
/// wraps it, a second operation on the same activity ID under USE_EXISTING attaches its callback to the one run, and
/// the activity lists the links of the callers that started or attached to it.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class NexusStandaloneActivityTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const string Failed = "failed: nexus operation completed unsuccessfully";

    private async Task<Endpoint> CreateEndpointAsync() =>
        (await Client.Connection.OperatorService.CreateNexusEndpointAsync(new CreateNexusEndpointRequest
        {
            Spec = new EndpointSpec
            {
                Name = $"picking-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new EndpointTarget.Types.Worker { Namespace = Client.Options.Namespace, TaskQueue = TaskQueue } },
            },
        }, Rpc)).Endpoint;

    /// <summary>Caller, handler and the activities on the test's queue; heartbeats reach the server at least every 500 ms.</summary>
    private TemporalWorkerOptions CallerHandlerAndActivities()
    {
        var options = WorkerOptions().AddWorkflow<PickCallerWorkflow>().AddNexusService(new PickingService())
            .AddActivity(StandaloneActivities.EchoAsync).AddActivity(StandaloneActivities.FailNonRetryableAsync)
            .AddActivity(StandaloneActivities.HeartbeatUntilCancelledAsync).AddActivity(StandaloneActivities.CompleteLaterAsync);
        options.MaxHeartbeatThrottleInterval = TimeSpan.FromMilliseconds(500);
        return options;
    }

    private async Task<(string Result, List<HistoryEvent> Events)> CallAsync(PickCall call)
    {
        var handle = await Client.StartWorkflowAsync((PickCallerWorkflow w) => w.RunAsync(call), Options("pick-caller"));
        var result = await handle.GetResultAsync(rpcOptions: Rpc);
        return (result, (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList());
    }

    private Task<ActivityExecutionDescription> DescribeAsync(string activityId) =>
        Client.GetActivityHandle(activityId).DescribeAsync(new() { Rpc = Rpc });

    /// <summary>The raw DescribeActivityExecution: the SDK's description has no callbacks.</summary>
    private Task<DescribeActivityExecutionResponse> DescribeRawAsync(string activityId) =>
        Client.Connection.WorkflowService.DescribeActivityExecutionAsync(new() { Namespace = Client.Options.Namespace, ActivityId = activityId }, Rpc);

    private static List<EventType> NexusEvents(IEnumerable<HistoryEvent> events) =>
        events.Select(e => e.EventType).Where(t => t.ToString().StartsWith("NexusOperation", StringComparison.Ordinal)).ToList();

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnOperationBackedByAnActivity_CompletesWithItsResult_ThroughItsCallback_AndLinksToTheActivity()
    {
        var endpoint = await CreateEndpointAsync();
        var activityId = NewWorkflowId("pick-echo");
        var (result, events) = await WithWorkerAsync(CallerHandlerAndActivities(), () => CallAsync(new PickCall(endpoint.Spec.Name, new PickRequest(activityId, "echo"))));

        Assert.Equal($"echo:{activityId}", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationCompleted], NexusEvents(events));
        var description = await DescribeAsync(activityId);
        Assert.Equal(ActivityExecutionStatus.Completed, description.Status);

        // The handler's link to the activity (temporal:///namespaces/…/activities/{id}/{run}/details) on the started event.
        var started = events.Single(e => e.EventType == EventType.NexusOperationStarted);
        Assert.False(string.IsNullOrEmpty(started.NexusOperationStartedEventAttributes.OperationToken));
        var link = Assert.Single(started.Links, l => l.Activity != null).Activity;
        Assert.Equal((Client.Options.Namespace, activityId, description.ActivityRunId), (link.Namespace, link.ActivityId, link.RunId));

        // The activity carries the one callback that completed the operation.
        var callback = Assert.Single((await DescribeRawAsync(activityId)).Callbacks);
        Assert.NotNull(callback.Trigger.ActivityClosed);
        Assert.Equal(("temporal://system", CallbackState.Succeeded, 1), (callback.Info.Callback.Nexus.Url, callback.Info.State, callback.Info.Attempt));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnActivityThatFailsNonRetryably_FailsTheOperation_WithTheActivitysFailureAsTheCause()
    {
        var endpoint = await CreateEndpointAsync();
        var activityId = NewWorkflowId("pick-fail");
        var (result, events) = await WithWorkerAsync(CallerHandlerAndActivities(), () => CallAsync(new PickCall(endpoint.Spec.Name, new PickRequest(activityId, "fail"))));

        Assert.Equal($"{Failed} | ApplicationFailureException: business rule rejected", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationFailed], NexusEvents(events));
        var failure = events.Single(e => e.EventType == EventType.NexusOperationFailed).NexusOperationFailedEventAttributes.Failure;
        Assert.Equal("nexus operation completed unsuccessfully", failure.Message);
        Assert.Equal(("Rejected", true), (failure.Cause.ApplicationFailureInfo.Type, failure.Cause.ApplicationFailureInfo.NonRetryable));
        Assert.Null(failure.Cause.Cause);

        var description = await DescribeAsync(activityId);
        Assert.Equal((ActivityExecutionStatus.Failed, 1), (description.Status, description.Attempt));
        Assert.Equal(CallbackState.Succeeded, Assert.Single((await DescribeRawAsync(activityId)).Callbacks).Info.State);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CancellingTheOperation_CancelsTheRunningActivity_AndTheCallerSeesCanceled()
    {
        var endpoint = await CreateEndpointAsync();
        var activityId = NewWorkflowId("pick-wait");
        var (result, events) = await WithWorkerAsync(CallerHandlerAndActivities(), async () =>
        {
            var handle = await Client.StartWorkflowAsync(
                (PickCallerWorkflow w) => w.RunAsync(new PickCall(endpoint.Spec.Name, new PickRequest(activityId, "wait"), CancelOnSignal: true)), Options("pick-caller"));
            await Eventually.UntilAsync(() => ActivityJournal.For(activityId).Contains("started"), "the activity to run", cancellationToken: Deadline);
            await handle.SignalAsync(w => w.CancelPickAsync(), SignalRpc);
            return (await handle.GetResultAsync(rpcOptions: Rpc), (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList());
        });

        Assert.StartsWith($"{Failed} | CanceledFailureException", result, StringComparison.Ordinal);
        var nexus = NexusEvents(events);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationCancelRequested], nexus.Take(3));
        Assert.Equal(EventType.NexusOperationCanceled, nexus[^1]);

        // The cancel reached the activity through its heartbeat, and the activity ended canceled.
        await Eventually.UntilAsync(async () => (await DescribeAsync(activityId)).Status, s => s == ActivityExecutionStatus.Canceled, "the activity canceled", cancellationToken: Deadline);
        Assert.Contains("cancelled:CancelRequested", ActivityJournal.For(activityId));
    }

    /// <summary>
    /// Two callers whose operations start the same activity ID under USE_EXISTING (the second after the first's
    /// activity runs), then the activity completed by ID: each caller's ID, result and NexusOperationStarted event.
    /// </summary>
    private async Task<List<(string CallerId, string Result, HistoryEvent Started)>> TwoCallersOfOneActivityAsync(string activityId)
    {
        var endpoint = await CreateEndpointAsync();
        var call = new PickCall(endpoint.Spec.Name, new PickRequest(activityId, "later", Shared: true));
        return await WithWorkerAsync(CallerHandlerAndActivities(), async () =>
        {
            async Task<WorkflowHandle<PickCallerWorkflow, string>> StartedCallerAsync(string prefix)
            {
                var caller = await Client.StartWorkflowAsync((PickCallerWorkflow w) => w.RunAsync(call), Options(prefix));
                await Eventually.UntilAsync(
                    async () => (await caller.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                    e => e.Any(x => x.EventType == EventType.NexusOperationStarted), $"{prefix}'s operation started", cancellationToken: Deadline);
                return caller;
            }

            var first = await StartedCallerAsync("pick-first");
            await Eventually.UntilAsync(() => ActivityJournal.For(activityId).Any(e => e.StartsWith("token:", StringComparison.Ordinal)), "the activity to run", cancellationToken: Deadline);
            var second = await StartedCallerAsync("pick-second");
            await new AsyncActivityHandle(Client, new AsyncActivityHandle.IdReference(string.Empty, null, activityId)).CompleteAsync("picked together", new() { Rpc = Rpc });

            var callers = new List<(string, string, HistoryEvent)>();
            foreach (var caller in new[] { first, second })
            {
                var result = await caller.GetResultAsync(rpcOptions: Rpc);
                var events = (await caller.FetchHistoryAsync(HistoryRpc)).Events;
                callers.Add((caller.Id, result, events.Single(e => e.EventType == EventType.NexusOperationStarted)));
            }

            return callers;
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TwoOperationsOnOneActivityId_UnderUseExisting_ShareTheRun_AndBothCompleteThroughTheirCallbacks()
    {
        var activityId = NewWorkflowId("pick-shared");
        var callers = await TwoCallersOfOneActivityAsync(activityId);

        Assert.Equal(["picked together", "picked together"], callers.Select(c => c.Result));
        // One run, one attempt: both operations link to it; the second start attached its callback; both were delivered.
        var description = await DescribeAsync(activityId);
        Assert.Equal((ActivityExecutionStatus.Completed, 1), (description.Status, description.Attempt));
        Assert.Single(ActivityJournal.For(activityId), e => e.StartsWith("token:", StringComparison.Ordinal));
        Assert.All(callers, c => Assert.Equal(description.ActivityRunId, Assert.Single(c.Started.Links, l => l.Activity != null).Activity.RunId));
        var callbacks = (await DescribeRawAsync(activityId)).Callbacks;
        Assert.Equal([(CallbackState.Succeeded, 1), (CallbackState.Succeeded, 1)], callbacks.Select(c => (c.Info.State, c.Info.Attempt)));
        Assert.All(callbacks, c => Assert.Equal("temporal://system", c.Info.Callback.Nexus.Url));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TheActivitysDescribe_ListsTheLinksOfTheCallersThatStartedAndAttachedToIt()
    {
        // Temporal stores a start's links on the activity as they come (chasm/lib/activity/handler.go attachLinks,
        // for the creating start and for an attaching one), without the workflow start's dedup against the links its
        // callbacks carry, and Describe lists them (info.links = ctx.Links). The SDK sends the caller's link in both.
        var activityId = NewWorkflowId("pick-links");
        var callers = await TwoCallersOfOneActivityAsync(activityId);

        var links = (await DescribeAsync(activityId)).RawInfo.Links;
        Assert.Equal(
            callers.Select(c => c.CallerId).Order(StringComparer.Ordinal),
            links.Select(l => l.WorkflowEvent?.WorkflowId ?? l.ToString()).Order(StringComparer.Ordinal));
    }
}
