using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Nexus operations between workflows, as Temporal runs them with a worker-target endpoint: endpoints registered
/// through the OperatorService with Temporal's validation and versions; a sync operation completes with no started
/// event; an async one (a workflow behind it) starts and completes through the workflow's completion callback;
/// failures reach the caller wrapped as Temporal wraps them; retryable handler errors are retried without an event;
/// cancels and schedule-to-close timeouts end the operation.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class NexusTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private OperatorService Operator => Client.Connection.OperatorService;

    private async Task<Endpoint> CreateEndpointAsync(string? taskQueue = null) =>
        (await Operator.CreateNexusEndpointAsync(new CreateNexusEndpointRequest
        {
            Spec = new EndpointSpec
            {
                Name = $"stock-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new EndpointTarget.Types.Worker { Namespace = Client.Options.Namespace, TaskQueue = taskQueue ?? TaskQueue } },
            },
        }, Rpc)).Endpoint;

    private TemporalWorkerOptions CallerAndHandler() =>
        WorkerOptions().AddWorkflow<StockCallerWorkflow>().AddWorkflow<ReservationWorkflow>().AddNexusService(new StockService());

    private async Task<(string Result, List<HistoryEvent> Events)> CallAsync(StockCall call, string idPrefix = "nexus-caller")
    {
        var handle = await Client.StartWorkflowAsync((StockCallerWorkflow w) => w.RunAsync(call), Options(idPrefix));
        var result = await handle.GetResultAsync(rpcOptions: Rpc);
        return (result, (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList());
    }

    private static List<EventType> NexusEvents(IEnumerable<HistoryEvent> events) =>
        events.Select(e => e.EventType).Where(t => t.ToString().StartsWith("NexusOperation", StringComparison.Ordinal)).ToList();

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Endpoints_AreRegisteredVersionedListedAndDeleted_WithTemporalsRefusals()
    {
        var endpoint = await CreateEndpointAsync();
        Assert.Equal(1, endpoint.Version);
        Assert.Equal($"/nexus/endpoints/{endpoint.Id}/services", endpoint.UrlPrefix);
        Assert.NotNull(endpoint.CreatedTime);

        var again = await Assert.ThrowsAsync<RpcException>(() => Operator.CreateNexusEndpointAsync(new() { Spec = endpoint.Spec }, Rpc));
        Assert.Equal((RpcException.StatusCode.AlreadyExists, $"error creating Nexus endpoint. Endpoint with name {endpoint.Spec.Name} already registered"), (again.Code, again.Message));

        var badName = endpoint.Spec.Clone();
        badName.Name = "bad_name";
        var invalid = await Assert.ThrowsAsync<RpcException>(() => Operator.CreateNexusEndpointAsync(new() { Spec = badName }, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, invalid.Code);
        Assert.StartsWith("endpoint name must match the regex", invalid.Message, StringComparison.Ordinal);

        var elsewhere = endpoint.Spec.Clone();
        elsewhere.Name = $"elsewhere-{Guid.NewGuid():N}";
        elsewhere.Target.Worker.Namespace = "no-such-namespace";
        var missing = await Assert.ThrowsAsync<RpcException>(() => Operator.CreateNexusEndpointAsync(new() { Spec = elsewhere }, Rpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "could not verify namespace referenced by target exists: Namespace no-such-namespace is not found."), (missing.Code, missing.Message));

        var changed = endpoint.Spec.Clone();
        changed.Target.Worker.TaskQueue = $"{TaskQueue}-moved";
        var stale = await Assert.ThrowsAsync<RpcException>(() => Operator.UpdateNexusEndpointAsync(new() { Id = endpoint.Id, Version = 7, Spec = changed }, Rpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "nexus endpoint version mismatch. received: 7 expected 1"), (stale.Code, stale.Message));
        var updated = (await Operator.UpdateNexusEndpointAsync(new() { Id = endpoint.Id, Version = 1, Spec = changed }, Rpc)).Endpoint;
        Assert.Equal((2L, $"{TaskQueue}-moved"), (updated.Version, updated.Spec.Target.Worker.TaskQueue));
        Assert.NotNull(updated.LastModifiedTime);

        var fetched = (await Operator.GetNexusEndpointAsync(new() { Id = endpoint.Id }, Rpc)).Endpoint;
        Assert.Equal(updated, fetched);
        var byName = await Operator.ListNexusEndpointsAsync(new() { Name = endpoint.Spec.Name }, Rpc);
        Assert.Equal([endpoint.Id], byName.Endpoints.Select(e => e.Id));

        // Paging in ID order: a full page always carries a token, the last one may be empty.
        await CreateEndpointAsync();
        var seen = new List<string>();
        var request = new ListNexusEndpointsRequest { PageSize = 1 };
        do
        {
            var page = await Operator.ListNexusEndpointsAsync(request, Rpc);
            Assert.True(page.Endpoints.Count <= 1);
            seen.AddRange(page.Endpoints.Select(e => e.Id));
            request.NextPageToken = page.NextPageToken;
        }
        while (!request.NextPageToken.IsEmpty);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Contains(endpoint.Id, seen);

        await Operator.DeleteNexusEndpointAsync(new() { Id = endpoint.Id, Version = 2 }, Rpc);
        var gone = await Assert.ThrowsAsync<RpcException>(() => Operator.GetNexusEndpointAsync(new() { Id = endpoint.Id }, Rpc));
        Assert.Equal((RpcException.StatusCode.NotFound, $"Nexus endpoint with ID `{endpoint.Id}` not found"), (gone.Code, gone.Message));
        var twice = await Assert.ThrowsAsync<RpcException>(() => Operator.DeleteNexusEndpointAsync(new() { Id = endpoint.Id, Version = 2 }, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, twice.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ANamespaceAnEndpointTargets_IsNotDeleted_UntilTheEndpointIsGone()
    {
        var ns = $"nexus-target-{Guid.NewGuid():N}";
        await Client.Connection.WorkflowService.RegisterNamespaceAsync(
            new() { Namespace = ns, WorkflowExecutionRetentionPeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) }, Rpc);
        var endpoint = (await Operator.CreateNexusEndpointAsync(new CreateNexusEndpointRequest
        {
            Spec = new EndpointSpec
            {
                Name = $"elsewhere-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new EndpointTarget.Types.Worker { Namespace = ns, TaskQueue = TaskQueue } },
            },
        }, Rpc)).Endpoint;

        var refused = await Assert.ThrowsAsync<RpcException>(() => Operator.DeleteNamespaceAsync(new() { Namespace = ns }, Rpc));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, $"cannot delete a namespace that is a target of a Nexus endpoint {endpoint.Spec.Name}"), (refused.Code, refused.Message));

        await Operator.DeleteNexusEndpointAsync(new() { Id = endpoint.Id, Version = endpoint.Version }, Rpc);
        await Operator.DeleteNamespaceAsync(new() { Namespace = ns }, Rpc);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ASyncOperation_CompletesWithItsResult_AndNoStartedEvent()
    {
        var endpoint = await CreateEndpointAsync();
        var (result, events) = await WithWorkerAsync(CallerAndHandler(), () => CallAsync(new StockCall(endpoint.Spec.Name, "SKU-1")));

        Assert.Equal("SKU-1: 7 in stock", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationCompleted], NexusEvents(events));
        var scheduled = events.Single(e => e.EventType == EventType.NexusOperationScheduled).NexusOperationScheduledEventAttributes;
        Assert.Equal((endpoint.Spec.Name, endpoint.Id, "StockService", "Check"), (scheduled.Endpoint, scheduled.EndpointId, scheduled.Service, scheduled.Operation));
        Assert.True(Guid.TryParse(scheduled.RequestId, out _));
        var completed = events.Single(e => e.EventType == EventType.NexusOperationCompleted).NexusOperationCompletedEventAttributes;
        Assert.Equal((scheduled.RequestId, events.Single(e => e.EventType == EventType.NexusOperationScheduled).EventId), (completed.RequestId, completed.ScheduledEventId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnAsyncOperation_StartsTheHandlersWorkflow_AndCompletesThroughItsCallback()
    {
        var endpoint = await CreateEndpointAsync();
        var reservationId = NewWorkflowId("reservation");
        var (result, events) = await WithWorkerAsync(CallerAndHandler(),
            () => CallAsync(new StockCall(endpoint.Spec.Name, "SKU-2", new ReservationRequest("SKU-2", reservationId, "reserved"))));

        Assert.Equal("SKU-2 reserved", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationCompleted], NexusEvents(events));
        var started = events.Single(e => e.EventType == EventType.NexusOperationStarted);
        Assert.False(string.IsNullOrEmpty(started.NexusOperationStartedEventAttributes.OperationToken));
        // The start response's link to the handler's workflow, as the handler passed it back.
        Assert.Contains(started.Links, l => l.WorkflowEvent?.WorkflowId == reservationId);

        // The handler's workflow carries the callback that reached the caller, and the request ID deduplicates its start.
        var handlerStarted = (await Client.GetWorkflowHandle(reservationId).FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
        var callback = Assert.Single(handlerStarted.CompletionCallbacks);
        Assert.Equal("temporal://system", callback.Nexus.Url);
        var scheduledRequestId = events.Single(e => e.EventType == EventType.NexusOperationScheduled).NexusOperationScheduledEventAttributes.RequestId;
        var description = await Client.GetWorkflowHandle(reservationId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
        Assert.NotEmpty(scheduledRequestId);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TwoCallersOfOneSharedWorkflow_BothCompleteWhenItCompletes()
    {
        var endpoint = await CreateEndpointAsync();
        var reservationId = NewWorkflowId("shared-reservation");
        var call = new StockCall(endpoint.Spec.Name, "SKU-S", new ReservationRequest("SKU-S", reservationId, "wait", Shared: true));
        await WithWorkerAsync(CallerAndHandler(), async () =>
        {
            async Task<WorkflowHandle<StockCallerWorkflow, string>> StartedCallerAsync(string prefix)
            {
                var caller = await Client.StartWorkflowAsync((StockCallerWorkflow w) => w.RunAsync(call), Options(prefix));
                await WarehouseOms.Testing.Eventually.UntilAsync(
                    async () => (await caller.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                    e => e.Any(x => x.EventType == EventType.NexusOperationStarted), $"{prefix}'s operation started", cancellationToken: Deadline);
                return caller;
            }

            var first = await StartedCallerAsync("nexus-first");
            var second = await StartedCallerAsync("nexus-second");
            await Client.GetWorkflowHandle<ReservationWorkflow>(reservationId).SignalAsync(w => w.ReleaseAsync(), SignalRpc);

            Assert.Equal("SKU-S reserved after waiting", await first.GetResultAsync(rpcOptions: Rpc));
            Assert.Equal("SKU-S reserved after waiting", await second.GetResultAsync(rpcOptions: Rpc));

            // One handler workflow: the second start attached its request ID and callback to it, as Temporal does.
            var handlerEvents = (await Client.GetWorkflowHandle(reservationId).FetchHistoryAsync(HistoryRpc)).Events.ToList();
            Assert.Single(handlerEvents, e => e.EventType == EventType.WorkflowExecutionStarted);
            var attached = Assert.Single(handlerEvents, e => e.EventType == EventType.WorkflowExecutionOptionsUpdated).WorkflowExecutionOptionsUpdatedEventAttributes;
            var secondRequestId = (await second.FetchHistoryAsync(HistoryRpc)).Events
                .Single(e => e.EventType == EventType.NexusOperationScheduled).NexusOperationScheduledEventAttributes.RequestId;
            Assert.Equal(secondRequestId, attached.AttachedRequestId);
            Assert.Equal("temporal://system", Assert.Single(attached.AttachedCompletionCallbacks).Nexus.Url);

            // Describe: both callbacks called once, successfully, the second registered by the attaching request.
            var callbacks = (await Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(
                new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = reservationId } }, Rpc)).Callbacks;
            Assert.Equal([(CallbackState.Succeeded, 1), (CallbackState.Succeeded, 1)], callbacks.Select(c => (c.State, c.Attempt)));
            Assert.Equal(secondRequestId, callbacks[1].RequestId);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ARequestIsGivenWhatIsLeftOfTheOperationsTimeout_AndNoneIsSentWithTooLittleLeft()
    {
        var endpoint = await CreateEndpointAsync();
        static long Milliseconds(string header) => long.Parse(header.EndsWith("ms", StringComparison.Ordinal) ? header[..^2] : header, System.Globalization.CultureInfo.InvariantCulture);
        await WithWorkerAsync(CallerAndHandler(), async () =>
        {
            // Temporal's request timeout (10 s), cut to the schedule-to-close timeout when that ends first: the
            // handler's SDK cancels its work when the header's time is up, before the operation times out.
            var (unbounded, _) = await CallAsync(new StockCall(endpoint.Spec.Name, "show-request-timeout"));
            Assert.InRange(Milliseconds(unbounded), 8_000, 10_000);
            var (bounded, _) = await CallAsync(new StockCall(endpoint.Spec.Name, "show-request-timeout", ScheduleToClose: TimeSpan.FromSeconds(5)));
            Assert.InRange(Milliseconds(bounded), 1_500, 5_000);

            // Below Temporal's minimum of 1.5 s, no request goes out: the operation times out at once.
            var (result, events) = await CallAsync(new StockCall(endpoint.Spec.Name, "show-request-timeout", ScheduleToClose: TimeSpan.FromSeconds(1)));
            Assert.Equal("failed: nexus operation completed unsuccessfully | TimeoutFailureException: operation timed out", result);
            Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationTimedOut], NexusEvents(events));
            var scheduled = events.Single(e => e.EventType == EventType.NexusOperationScheduled).EventTime.ToDateTime();
            var timedOut = events.Single(e => e.EventType == EventType.NexusOperationTimedOut);
            Assert.Equal(TimeoutType.ScheduleToClose, timedOut.NexusOperationTimedOutEventAttributes.Failure.Cause.TimeoutFailureInfo.TimeoutType);
            Assert.True(timedOut.EventTime.ToDateTime() - scheduled < TimeSpan.FromSeconds(1), "timed out before the schedule-to-close timeout itself");
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Failures_ReachTheCaller_WrappedAsTemporalWrapsThem()
    {
        var endpoint = await CreateEndpointAsync();
        await WithWorkerAsync(CallerAndHandler(), async () =>
        {
            // The handler refuses the operation (sync).
            var (refused, refusedEvents) = await CallAsync(new StockCall(endpoint.Spec.Name, "unknown"));
            Assert.Equal("failed: nexus operation completed unsuccessfully | ApplicationFailureException: no such SKU: unknown", refused);
            var failed = refusedEvents.Single(e => e.EventType == EventType.NexusOperationFailed).NexusOperationFailedEventAttributes.Failure;
            Assert.Equal(("StockService", "Check"), (failed.NexusOperationExecutionFailureInfo.Service, failed.NexusOperationExecutionFailureInfo.Operation));

            // The workflow behind the operation fails: its failure is the cause.
            var (workflowFailed, failedEvents) = await CallAsync(new StockCall(endpoint.Spec.Name, "SKU-3", new ReservationRequest("SKU-3", NewWorkflowId("reservation"), "fail")));
            Assert.Equal("failed: nexus operation completed unsuccessfully | ApplicationFailureException: bin empty", workflowFailed);
            Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationFailed], NexusEvents(failedEvents));
            var cause = failedEvents.Single(e => e.EventType == EventType.NexusOperationFailed).NexusOperationFailedEventAttributes.Failure.Cause;
            Assert.Equal("OutOfStock", cause.ApplicationFailureInfo.Type);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ARetryableHandlerError_IsRetriedAfterABackoff_WithoutAnEvent()
    {
        var endpoint = await CreateEndpointAsync();
        var sku = $"flaky-1-{Guid.NewGuid():N}";
        var (result, events) = await WithWorkerAsync(CallerAndHandler(), () => CallAsync(new StockCall(endpoint.Spec.Name, sku)));

        Assert.Equal($"{sku}: 7 in stock", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationCompleted], NexusEvents(events));
        var scheduled = events.Single(e => e.EventType == EventType.NexusOperationScheduled).EventTime.ToDateTime();
        var completed = events.Single(e => e.EventType == EventType.NexusOperationCompleted).EventTime.ToDateTime();
        Assert.True(completed - scheduled >= TimeSpan.FromMilliseconds(700), $"the second attempt waited its backoff (~1 s): {completed - scheduled}");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ACancelledOperation_CancelsTheHandlersWorkflow_AndEndsCanceled()
    {
        var endpoint = await CreateEndpointAsync();
        var reservationId = NewWorkflowId("reservation");
        var (result, events) = await WithWorkerAsync(CallerAndHandler(), () => CallAsync(
            new StockCall(endpoint.Spec.Name, "SKU-4", new ReservationRequest("SKU-4", reservationId, "wait"), CancelAfterStart: true)));

        Assert.StartsWith("failed: nexus operation completed unsuccessfully | CanceledFailureException", result, StringComparison.Ordinal);
        // The handler's answer to the cancel and its workflow's cancellation race (as on Temporal): once the operation
        // ended, a late answer to the cancel writes nothing.
        var nexus = NexusEvents(events);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationCancelRequested], nexus.Take(3));
        Assert.Equal(EventType.NexusOperationCanceled, nexus[^1]);
        Assert.True(nexus.Count == 4 || nexus[3] == EventType.NexusOperationCancelRequestCompleted, string.Join(", ", nexus));
        var handler = await Client.GetWorkflowHandle(reservationId).DescribeAsync(new() { Rpc = Rpc });
        Assert.Equal(WorkflowExecutionStatus.Canceled, handler.Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AResetRun_KeepsTheStartedOperation_AndItsCompletionFindsIt()
    {
        var endpoint = await CreateEndpointAsync();
        var reservationId = NewWorkflowId("reservation");
        await WithWorkerAsync(CallerAndHandler(), async () =>
        {
            var call = new StockCall(endpoint.Spec.Name, "SKU-R", new ReservationRequest("SKU-R", reservationId, "wait"));
            var handle = await Client.StartWorkflowAsync((StockCallerWorkflow w) => w.RunAsync(call), Options("nexus-reset"));
            var events = await WarehouseOms.Testing.Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                e => e.SkipWhile(x => x.EventType != EventType.NexusOperationStarted).Any(x => x.EventType == EventType.WorkflowTaskCompleted),
                "a workflow task after the operation started", cancellationToken: Deadline);
            var afterStart = events.SkipWhile(x => x.EventType != EventType.NexusOperationStarted).First(x => x.EventType == EventType.WorkflowTaskCompleted);

            var reset = await Client.Connection.WorkflowService.ResetWorkflowExecutionAsync(new()
            {
                Namespace = Client.Options.Namespace,
                WorkflowExecution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId },
                WorkflowTaskFinishEventId = afterStart.EventId,
                RequestId = Guid.NewGuid().ToString(),
                Reason = "replay the caller",
            }, Rpc);
            await Client.GetWorkflowHandle<ReservationWorkflow>(reservationId).SignalAsync(w => w.ReleaseAsync(), SignalRpc);

            var resetRun = Client.GetWorkflowHandle<StockCallerWorkflow, string>(handle.Id, runId: reset.RunId);
            Assert.Equal("SKU-R reserved after waiting", await resetRun.GetResultAsync(rpcOptions: Rpc));
            Assert.Contains(EventType.NexusOperationCompleted, NexusEvents((await resetRun.FetchHistoryAsync(HistoryRpc)).Events));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnOperationPastItsScheduleToCloseTimeout_TimesOut()
    {
        var endpoint = await CreateEndpointAsync();
        var (result, events) = await WithWorkerAsync(CallerAndHandler(), () => CallAsync(
            new StockCall(endpoint.Spec.Name, "SKU-5", new ReservationRequest("SKU-5", NewWorkflowId("reservation"), "wait"), ScheduleToClose: TimeSpan.FromSeconds(2))));

        Assert.Equal("failed: nexus operation completed unsuccessfully | TimeoutFailureException: operation timed out", result);
        Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationStarted, EventType.NexusOperationTimedOut], NexusEvents(events));
        var timedOut = events.Single(e => e.EventType == EventType.NexusOperationTimedOut).NexusOperationTimedOutEventAttributes.Failure.Cause;
        Assert.Equal(TimeoutType.ScheduleToClose, timedOut.TimeoutFailureInfo.TimeoutType);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnEndpointNobodyServes_LeavesTheOperationRetrying_UntilItTimesOut()
    {
        var endpoint = await CreateEndpointAsync(taskQueue: $"{TaskQueue}-nobody");
        await WithWorkerAsync(WorkerOptions().AddWorkflow<StockCallerWorkflow>(), async () =>
        {
            var call = new StockCall(endpoint.Spec.Name, "SKU-6", ScheduleToClose: TimeSpan.FromSeconds(3));
            var handle = await Client.StartWorkflowAsync((StockCallerWorkflow w) => w.RunAsync(call), Options("nexus-caller"));

            // Describe shows the operation waiting for a handler.
            var pending = await WarehouseOms.Testing.Eventually.UntilAsync(
                async () => (await Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc)).PendingNexusOperations,
                ops => ops.Count == 1, "the operation pending", cancellationToken: Deadline);
            Assert.Equal((endpoint.Spec.Name, "StockService", "Check", PendingNexusOperationState.Scheduled, 1),
                (pending[0].Endpoint, pending[0].Service, pending[0].Operation, pending[0].State, pending[0].Attempt));
            Assert.Equal(3, pending[0].ScheduleToCloseTimeout.Seconds);

            Assert.Equal("failed: nexus operation completed unsuccessfully | TimeoutFailureException: operation timed out", await handle.GetResultAsync(rpcOptions: Rpc));
            Assert.Equal([EventType.NexusOperationScheduled, EventType.NexusOperationTimedOut], NexusEvents((await handle.FetchHistoryAsync(HistoryRpc)).Events));
        });
    }
}
