using Temporalio.Api.Enums.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Standalone Nexus operation executions through the SDK's client (ADR 0054): a Nexus client started by operation ID,
/// with no workflow around it, runs a sync operation or a workflow-backed one to its result; failures, cancels,
/// terminations and schedule-to-close timeouts end it as Temporal's CHASM operation does; describe, list and count
/// report it; operation IDs and request IDs follow Temporal's conflict rules; a deleted operation is gone.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class NexusStandaloneOperationTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    private string Namespace => Client.Options.Namespace;

    private async Task<string> CreateEndpointAsync() =>
        (await Client.Connection.OperatorService.CreateNexusEndpointAsync(new CreateNexusEndpointRequest
        {
            Spec = new EndpointSpec
            {
                Name = $"standalone-{Guid.NewGuid():N}",
                Target = new EndpointTarget { Worker = new EndpointTarget.Types.Worker { Namespace = Namespace, TaskQueue = TaskQueue } },
            },
        }, Rpc)).Endpoint.Spec.Name;

    private Temporalio.Worker.TemporalWorkerOptions Handler() => WorkerOptions().AddWorkflow<ReservationWorkflow>().AddNexusService(new StockService());

    private static NexusOperationOptions Op(string prefix, TimeSpan? scheduleToClose = null) =>
        new($"{prefix}-{Guid.NewGuid():N}") { ScheduleToCloseTimeout = scheduleToClose ?? TimeSpan.FromSeconds(30) };

    /// <summary>The raw description (the SDK's wrapper does not expose every field).</summary>
    private async Task<NexusOperationExecutionInfo> InfoAsync(string operationId) =>
        (await Service.DescribeNexusOperationExecutionAsync(new() { Namespace = Namespace, OperationId = operationId }, Rpc)).Info;

    private async Task<NexusOperationExecutionDescription> WaitUntilAsync(NexusOperationHandle handle, Func<NexusOperationExecutionDescription, bool> done, string what) =>
        await WarehouseOms.Testing.Eventually.UntilAsync(() => handle.DescribeAsync(new() { Rpc = Rpc }), done, what, cancellationToken: Deadline);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ASyncOperation_ReturnsItsResult_AndIsDescribedAsTemporalDescribesIt()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        await WithWorkerAsync(Handler(), async () =>
        {
            var handle = await nexus.StartNexusOperationAsync(s => s.Check("SKU-1"), Op("sync"));
            Assert.Equal("SKU-1: 7 in stock", await handle.GetResultAsync(Rpc));
            Assert.True(Guid.TryParse(handle.RunId, out _));

            var description = await handle.DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal((NexusOperationExecutionStatus.Completed, endpoint), (description.Status, description.Endpoint));
            var info = await InfoAsync(handle.Id);
            Assert.Equal((handle.Id, handle.RunId, endpoint, "StockService", "Check"), (info.OperationId, info.RunId, info.Endpoint, info.Service, info.Operation));
            Assert.Equal((NexusOperationExecutionStatus.Completed, PendingNexusOperationState.Unspecified, 1), (info.Status, info.State, info.Attempt));
            Assert.True(Guid.TryParse(info.RequestId, out _)); // the server's, sent to the handler
            Assert.Equal(TimeSpan.FromSeconds(30), info.ScheduleToCloseTimeout.ToTimeSpan());
            Assert.Equal(info.ScheduleTime.ToDateTime() + TimeSpan.FromSeconds(30), info.ExpirationTime.ToDateTime());
            Assert.NotNull(info.CloseTime);
            Assert.Equal(info.CloseTime.ToDateTime() - info.ScheduleTime.ToDateTime(), info.ExecutionDuration.ToTimeSpan());
            Assert.Equal(Client.Connection.Options.Identity, info.Identity);
            Assert.Empty(info.OperationToken);
            Assert.NotNull(description.LongPollToken);

            var raw = await Service.DescribeNexusOperationExecutionAsync(new()
            {
                Namespace = Namespace, OperationId = handle.Id, IncludeInput = true, IncludeOutcome = true,
            }, Rpc);
            Assert.Equal("\"SKU-1\"", raw.Input.Data.ToStringUtf8());
            Assert.Equal("\"SKU-1: 7 in stock\"", raw.Result.Data.ToStringUtf8());
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnAsyncOperation_StartsTheHandlersWorkflow_AndReturnsItsResultThroughTheCallback()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        var reservationId = NewWorkflowId("standalone-reservation");
        await WithWorkerAsync(Handler(), async () =>
        {
            var result = await nexus.ExecuteNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-2", reservationId, "reserved")), Op("async"));
            Assert.Equal("SKU-2 reserved", result);

            var handler = await Client.GetWorkflowHandle(reservationId).DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal(WorkflowExecutionStatus.Completed, handler.Status);
            var listed = await Client.ListNexusOperationsAsync($"Endpoint = '{endpoint}'", new() { Rpc = Rpc }).ToListAsync();
            var operation = Assert.Single(listed);
            var info = await InfoAsync(operation.OperationId);
            Assert.NotEmpty(info.OperationToken);
            // The handler's link to its workflow, as the start's answer carried it.
            Assert.Contains(info.Links, l => l.WorkflowEvent?.WorkflowId == reservationId);
            var callback = Assert.Single((await Client.GetWorkflowHandle(reservationId).FetchHistoryAsync(HistoryRpc)).Events.First()
                .WorkflowExecutionStartedEventAttributes.CompletionCallbacks);
            Assert.Equal("temporal://system", callback.Nexus.Url);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AHandlersFailure_FailsTheOperation()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        await WithWorkerAsync(Handler(), async () =>
        {
            var handle = await nexus.StartNexusOperationAsync(s => s.Check("unknown"), Op("failing"));
            var failed = await Assert.ThrowsAsync<NexusOperationFailedException>(() => handle.GetResultAsync(Rpc));
            Assert.Equal((handle.Id, handle.RunId), (failed.OperationId, failed.RunId));
            Assert.Contains("no such SKU: unknown", failed.InnerException?.Message, StringComparison.Ordinal);
            var info = await InfoAsync(handle.Id);
            Assert.Equal(NexusOperationExecutionStatus.Failed, info.Status);
            Assert.Contains("no such SKU: unknown", info.LastAttemptFailure.Message, StringComparison.Ordinal);

            // A workflow-backed operation whose workflow fails.
            var workflowFailed = await Assert.ThrowsAsync<NexusOperationFailedException>(() =>
                nexus.ExecuteNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-F", NewWorkflowId("failing-reservation"), "fail")), Op("failing-async")));
            Assert.Equal("bin empty", Assert.IsType<ApplicationFailureException>(workflowFailed.InnerException).Message);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ListAndCount_TakeTheListQueryLanguage_OverTheOperationsFields()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        await WithWorkerAsync(Handler(), async () =>
        {
            var first = await nexus.StartNexusOperationAsync(s => s.Check("SKU-L1"), Op("listed"));
            await first.GetResultAsync(Rpc);
            var second = await nexus.StartNexusOperationAsync(s => s.Check("unknown"), Op("listed"));
            await Assert.ThrowsAsync<NexusOperationFailedException>(() => second.GetResultAsync(Rpc));

            var listed = await Client.ListNexusOperationsAsync($"Endpoint = '{endpoint}'", new() { Rpc = Rpc }).ToListAsync();
            Assert.Equal([second.Id, first.Id], listed.Select(o => o.OperationId)); // newest first
            var row = listed[1];
            Assert.Equal((endpoint, "StockService", "Check", NexusOperationExecutionStatus.Completed), (row.Endpoint, row.Service, row.Operation, row.Status));
            Assert.NotNull(row.CloseTime);

            async Task<long> CountAsync(string query) => (await Client.CountNexusOperationsAsync(query, new() { Rpc = Rpc })).Count;
            Assert.Equal(2, await CountAsync($"Endpoint = '{endpoint}'"));
            Assert.Equal(1, await CountAsync($"Endpoint = '{endpoint}' AND ExecutionStatus = 'Failed'"));
            Assert.Equal(1, await CountAsync($"Endpoint = '{endpoint}' AND OperationId = '{first.Id}' AND Service = 'StockService' AND Operation = 'Check'"));
            Assert.Equal(0, await CountAsync($"Endpoint = '{endpoint}' AND CloseTime < '2000-01-01T00:00:00Z'"));
            Assert.Equal(2, await CountAsync($"Endpoint = '{endpoint}' AND StartTime > '2000-01-01T00:00:00Z'"));

            var grouped = await Service.CountNexusOperationExecutionsAsync(new() { Namespace = Namespace, Query = $"Endpoint = '{endpoint}' GROUP BY ExecutionStatus" }, Rpc);
            Assert.Equal(2, grouped.Groups.Count);

            var page = await Service.ListNexusOperationExecutionsAsync(new() { Namespace = Namespace, Query = $"Endpoint = '{endpoint}'", PageSize = 1 }, Rpc);
            Assert.Equal(second.Id, Assert.Single(page.Operations).OperationId);
            var next = await Service.ListNexusOperationExecutionsAsync(new() { Namespace = Namespace, Query = $"Endpoint = '{endpoint}'", PageSize = 1, NextPageToken = page.NextPageToken }, Rpc);
            Assert.Equal(first.Id, Assert.Single(next.Operations).OperationId);

            var bad = await Assert.ThrowsAsync<RpcException>(() => Client.CountNexusOperationsAsync("Endpoint = = 'x'", new() { Rpc = Rpc }));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, bad.Code);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnOperationId_FollowsTemporalsConflictAndReusePolicies_AndARepeatedRequestIdGetsItsRun()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        var id = $"conflict-{Guid.NewGuid():N}";
        var reservation = new ReservationRequest("SKU-C", NewWorkflowId("conflict-reservation"), "wait");
        await WithWorkerAsync(Handler(), async () =>
        {
            var running = await nexus.StartNexusOperationAsync(s => s.Reserve(reservation), new(id) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(60) });

            var refused = await Assert.ThrowsAsync<NexusOperationAlreadyStartedException>(() =>
                nexus.StartNexusOperationAsync(s => s.Reserve(reservation), new(id) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(60) }));
            Assert.Equal(running.RunId, refused.RunId);
            Assert.StartsWith("nexus operation execution already started: request_id=", refused.Message, StringComparison.Ordinal);

            var existing = await nexus.StartNexusOperationAsync(s => s.Reserve(reservation),
                new(id) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(60), IdConflictPolicy = NexusOperationIdConflictPolicy.UseExisting });
            Assert.Equal(running.RunId, existing.RunId);

            // The same request again (a client's retry): its run, not started again.
            var request = new StartNexusOperationExecutionRequest
            {
                Namespace = Namespace, OperationId = $"repeat-{Guid.NewGuid():N}", Endpoint = endpoint, Service = "StockService", Operation = "Check",
                RequestId = Guid.NewGuid().ToString(), ScheduleToCloseTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            };
            var made = await Service.StartNexusOperationExecutionAsync(request, Rpc);
            var again = await Service.StartNexusOperationExecutionAsync(request, Rpc);
            Assert.Equal((true, made.RunId, false), (made.Started, again.RunId, again.Started));

            // The handler starts the reservation's workflow on its own task: signal it once it exists.
            var reservationRun = Client.GetWorkflowHandle<ReservationWorkflow>(reservation.ReservationId);
            await Eventually.UntilAsync(async () => (await Client.CountWorkflowsAsync($"WorkflowId = '{reservation.ReservationId}'", new() { Rpc = Rpc })).Count,
                count => count > 0, "the reservation's workflow started", cancellationToken: Deadline);
            await reservationRun.SignalAsync(w => w.ReleaseAsync(), SignalRpc);
            Assert.Equal("SKU-C reserved after waiting", await running.GetResultAsync<string>(Rpc));

            await Assert.ThrowsAsync<NexusOperationAlreadyStartedException>(() => nexus.StartNexusOperationAsync(s => s.Check("SKU-C"),
                new(id) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(30), IdReusePolicy = NexusOperationIdReusePolicy.RejectDuplicate }));
            await Assert.ThrowsAsync<NexusOperationAlreadyStartedException>(() => nexus.StartNexusOperationAsync(s => s.Check("SKU-C"),
                new(id) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(30), IdReusePolicy = NexusOperationIdReusePolicy.AllowDuplicateFailedOnly }));
            var rerun = await nexus.StartNexusOperationAsync(s => s.Check("SKU-C"), new(id) { ScheduleToCloseTimeout = TimeSpan.FromSeconds(30) });
            Assert.NotEqual(running.RunId, rerun.RunId);
            Assert.Equal("SKU-C: 7 in stock", await rerun.GetResultAsync(Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_WaitsForTheStart_ThenReachesTheHandler_WhichCancelsItsWorkflow()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        var reservationId = NewWorkflowId("canceled-reservation");

        // Asked before any handler polls: held until the operation has started (the cancel needs its token).
        var handle = await nexus.StartNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-X", reservationId, "wait")), Op("canceled"));
        var request = new RequestCancelNexusOperationExecutionRequest { Namespace = Namespace, OperationId = handle.Id, RequestId = Guid.NewGuid().ToString(), Reason = "no longer needed" };
        await Service.RequestCancelNexusOperationExecutionAsync(request, Rpc);
        await Service.RequestCancelNexusOperationExecutionAsync(request, Rpc); // the same request again: harmless
        var second = await Assert.ThrowsAsync<RpcException>(() => handle.CancelAsync(new() { Rpc = Rpc }));
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, $"cancellation already requested with request ID {request.RequestId}"), (second.Code, second.Message));
        var waiting = await InfoAsync(handle.Id);
        Assert.Equal((NexusOperationExecutionStatus.Running, PendingNexusOperationState.Scheduled, "no longer needed"),
            (waiting.Status, waiting.State, waiting.CancellationInfo.Reason));

        await WithWorkerAsync(Handler(), async () =>
        {
            var canceled = await Assert.ThrowsAsync<NexusOperationFailedException>(() => handle.GetResultAsync(Rpc));
            Assert.IsType<CanceledFailureException>(canceled.InnerException);
            Assert.Equal(WorkflowExecutionStatus.Canceled, (await Client.GetWorkflowHandle(reservationId).DescribeAsync(new() { Rpc = Rpc })).Status);
            var info = await InfoAsync(handle.Id);
            Assert.Equal(NexusOperationExecutionStatus.Canceled, info.Status);
            Assert.NotEmpty(info.OperationToken);
            // The cancel was sent once; its answer may come after the workflow's close ended the operation (then it is not recorded).
            Assert.Equal(1, info.CancellationInfo.Attempt);
            Assert.NotNull(info.CancellationInfo.RequestedTime);

            var late = await Assert.ThrowsAsync<RpcException>(() => handle.CancelAsync(new() { Rpc = Rpc }));
            Assert.Equal((RpcException.StatusCode.FailedPrecondition, "operation already completed"), (late.Code, late.Message));
            await Service.RequestCancelNexusOperationExecutionAsync(request, Rpc); // its own repeat, even now
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_EndsTheOperationAtOnce_AndDeleteForgetsIt()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        await WithWorkerAsync(Handler(), async () =>
        {
            var handle = await nexus.StartNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-T", NewWorkflowId("terminated-reservation"), "wait")), Op("terminated"));
            await WaitUntilAsync(handle, d => d.State == PendingNexusOperationState.Started, "the operation started");
            await handle.TerminateAsync(new() { Reason = "operator says so", Rpc = Rpc });

            var terminated = await Assert.ThrowsAsync<NexusOperationFailedException>(() => handle.GetResultAsync(Rpc));
            Assert.Equal("operator says so", Assert.IsType<TerminatedFailureException>(terminated.InnerException).Message);
            Assert.Equal(NexusOperationExecutionStatus.Terminated, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
            var again = await Assert.ThrowsAsync<RpcException>(() => handle.TerminateAsync(new() { Rpc = Rpc }));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, again.Code);
            Assert.StartsWith("already terminated with request ID ", again.Message, StringComparison.Ordinal);

            // Delete: a running operation is terminated and forgotten; a closed one is forgotten.
            var running = await nexus.StartNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-D", NewWorkflowId("deleted-reservation"), "wait")), Op("deleted"));
            foreach (var id in new[] { handle.Id, running.Id })
            {
                await Service.DeleteNexusOperationExecutionAsync(new() { Namespace = Namespace, OperationId = id }, Rpc);
                var gone = await Assert.ThrowsAsync<RpcException>(() => Client.GetNexusOperationHandle(id).DescribeAsync(new() { Rpc = Rpc }));
                Assert.Equal((RpcException.StatusCode.NotFound, $"operation not found for ID: {id}"), (gone.Code, gone.Message));
            }

            Assert.Equal(0, (await Client.CountNexusOperationsAsync($"Endpoint = '{endpoint}'", new() { Rpc = Rpc })).Count);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ScheduleToClose_TimesTheOperationOut()
    {
        var endpoint = await CreateEndpointAsync();
        var nexus = Client.CreateNexusClient<IStockService>(endpoint);
        await WithWorkerAsync(Handler(), async () =>
        {
            var handle = await nexus.StartNexusOperationAsync(s => s.Reserve(new ReservationRequest("SKU-S", NewWorkflowId("slow-reservation"), "wait")),
                Op("timed-out", TimeSpan.FromSeconds(3)));
            var timedOut = await Assert.ThrowsAsync<NexusOperationFailedException>(() => handle.GetResultAsync(Rpc));
            var timeout = Assert.IsType<TimeoutFailureException>(timedOut.InnerException);
            Assert.Equal(("operation timed out", TimeoutType.ScheduleToClose), (timeout.Message, timeout.TimeoutType));
            Assert.Equal(NexusOperationExecutionStatus.TimedOut, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Requests_AreCheckedAsTemporalsValidatorChecksThem()
    {
        var endpoint = await CreateEndpointAsync();
        async Task<RpcException> RefusedAsync(Action<StartNexusOperationExecutionRequest> change)
        {
            var request = new StartNexusOperationExecutionRequest { Namespace = Namespace, OperationId = "op", Endpoint = endpoint, Service = "StockService", Operation = "Check" };
            change(request);
            return await Assert.ThrowsAsync<RpcException>(() => Service.StartNexusOperationExecutionAsync(request, Rpc));
        }

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "operation_id is required"), Of(await RefusedAsync(r => r.OperationId = string.Empty)));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "endpoint is required"), Of(await RefusedAsync(r => r.Endpoint = string.Empty)));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "service is required"), Of(await RefusedAsync(r => r.Service = string.Empty)));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "operation is required"), Of(await RefusedAsync(r => r.Operation = string.Empty)));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "nexus_header contains a disallowed key: \"Request-Timeout\""),
            Of(await RefusedAsync(r => r.NexusHeader["Request-Timeout"] = "1s")));
        Assert.Equal((RpcException.StatusCode.NotFound, "could not find Nexus endpoint by name: no-such-endpoint"), Of(await RefusedAsync(r => r.Endpoint = "no-such-endpoint")));
        var poll = await Assert.ThrowsAsync<RpcException>(() => Service.PollNexusOperationExecutionAsync(new() { Namespace = Namespace, OperationId = "op", RunId = "not-a-uuid" }, Rpc));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "run_id is not a valid UUID"), Of(poll));
        var missing = await Assert.ThrowsAsync<RpcException>(() => Service.PollNexusOperationExecutionAsync(new() { Namespace = Namespace, OperationId = $"none-{Guid.NewGuid():N}" }, Rpc));
        Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);

        // On here (as the CLI's dev server): DescribeNamespace says so.
        var described = await Service.DescribeNamespaceAsync(new() { Namespace = Namespace }, Rpc);
        Assert.True(described.NamespaceInfo.Capabilities.StandaloneNexusOperation);
    }

    private static (RpcException.StatusCode, string) Of(RpcException e) => (e.Code, e.Message);
}

/// <summary>With <c>nexusoperation.enableStandalone=false</c> (Temporal's server default): every standalone operation call is UNIMPLEMENTED.</summary>
[Collection(StandaloneNexusOffCollection.Name)]
public sealed class NexusStandaloneOperationsOffTests(StandaloneNexusOffEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task EveryCall_IsUnimplemented_AndTheCapabilityIsOff()
    {
        var nexus = Client.CreateNexusClient<IStockService>("any-endpoint");
        var start = await Assert.ThrowsAsync<RpcException>(() => nexus.StartNexusOperationAsync(s => s.Check("SKU"), new($"off-{Guid.NewGuid():N}")));
        Assert.Equal((RpcException.StatusCode.Unimplemented, "Standalone Nexus operation is disabled"), (start.Code, start.Message));
        var count = await Assert.ThrowsAsync<RpcException>(() => Client.CountNexusOperationsAsync("Endpoint = 'x'", new() { Rpc = Rpc }));
        Assert.Equal(RpcException.StatusCode.Unimplemented, count.Code);
        var describe = await Assert.ThrowsAsync<RpcException>(() => Client.GetNexusOperationHandle("op").DescribeAsync(new() { Rpc = Rpc }));
        Assert.Equal(RpcException.StatusCode.Unimplemented, describe.Code);

        var described = await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc);
        Assert.False(described.NamespaceInfo.Capabilities.StandaloneNexusOperation);
    }
}
