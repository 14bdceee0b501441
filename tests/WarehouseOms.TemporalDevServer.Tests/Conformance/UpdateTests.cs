using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Workflow updates: validators, the accepted and completed events, wait stages, polling, update-with-start.</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class UpdateTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private TemporalWorkerOptionsBuilder Worker => new(WorkerOptions().AddWorkflow<UpdatableWorkflow>());

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnUpdateNoWorkerTakes_FailsWithItsCallersShortTimeout_AsTheSdkExpects()
    {
        // No worker: the update can only be admitted. Temporal answers at the caller's deadline with
        // DEADLINE_EXCEEDED; an answer "admitted" before it made the SDK ask again, for ever.
        var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-timeout"));

        var update = handle.ExecuteUpdateAsync(wf => wf.AddAsync("a"), new() { Rpc = new() { Timeout = TimeSpan.FromMilliseconds(300), CancellationToken = Deadline } });

        await Assert.ThrowsAsync<WorkflowUpdateRpcTimeoutOrCanceledException>(() => update);
        var raw = await Assert.ThrowsAsync<RpcException>(() => Client.WorkflowService.UpdateWorkflowExecutionAsync(new UpdateWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = handle.Id },
            WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Accepted },
            Request = new() { Meta = new() { UpdateId = "raw" }, Input = new() { Name = "AddAsync" } },
        }, new() { Timeout = TimeSpan.FromSeconds(2), CancellationToken = Deadline }));
        Assert.True(raw.Code is RpcException.StatusCode.DeadlineExceeded or RpcException.StatusCode.Cancelled, $"{raw.Code}: {raw.Message}");
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ExecuteUpdate_RunsTheHandler_AndRecordsAcceptedAndCompleted()
    {
        var (count, events) = await WithWorkerAsync(Worker.Options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update"));
            var n = await handle.ExecuteUpdateAsync(wf => wf.AddAsync("a"), new() { Rpc = Rpc });
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal(["a"], await handle.GetResultAsync(rpcOptions: Rpc));
            return (n, (await handle.FetchHistoryAsync(HistoryRpc)).Events);
        });

        Assert.Equal(1, count);
        var accepted = events.Single(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        var completed = events.Single(e => e.EventType == EventType.WorkflowExecutionUpdateCompleted).WorkflowExecutionUpdateCompletedEventAttributes;
        Assert.Equal(accepted.EventId, completed.AcceptedEventId);
        Assert.Equal(accepted.WorkflowExecutionUpdateAcceptedEventAttributes.ProtocolInstanceId, completed.Meta.UpdateId);
        Assert.NotNull(completed.Outcome.Success);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateRejectedByItsValidator_FailsTheCaller_AndLeavesNoUpdateEvent()
    {
        var (error, events) = await WithWorkerAsync(Worker.Options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-rejected"));
            var failure = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(string.Empty), new() { Rpc = Rpc }));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Empty(await handle.GetResultAsync(rpcOptions: Rpc));
            return (failure, (await handle.FetchHistoryAsync(HistoryRpc)).Events);
        });

        Assert.Contains("an item must not be empty", error.InnerException?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.EventType is EventType.WorkflowExecutionUpdateAccepted or EventType.WorkflowExecutionUpdateCompleted);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RejectedUpdates_LeaveTheHistoryAsItWas_SpeculativeTask_AndTheWorkflowGoesOn()
    {
        var (before, afterRejections, result, events) = await WithWorkerAsync(Worker.Options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-speculative"));
            var before = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                h => h.Count > 0 && h[^1].EventType == EventType.WorkflowTaskCompleted,
                "the first workflow task to complete");

            // Each rejection ran a workflow task on the worker (the validator), yet nothing was written.
            for (var i = 0; i < 3; i++)
            {
                await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(string.Empty), new() { Rpc = Rpc }));
            }

            var afterRejections = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();

            // The worker's cached run and the server agree after the dropped tasks: the next update is applied.
            Assert.Equal(1, await handle.ExecuteUpdateAsync(wf => wf.AddAsync("kept"), new() { Rpc = Rpc }));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            var result = await handle.GetResultAsync(rpcOptions: Rpc);
            return (before, afterRejections, result, (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList());
        });

        Assert.Equal(before.Select(e => (e.EventId, e.EventType)), afterRejections.Select(e => (e.EventId, e.EventType)));
        Assert.Equal(["kept"], result);
        Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        Assert.Equal(events.Select(e => e.EventId), Enumerable.Range(1, events.Count).Select(i => (long)i));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AnUpdateAdmittedWhileATaskRuns_GetsASpeculativeTask_AndItsRejectionLeavesNoEvent()
    {
        var raw = new RawWorker(Client, Rpc);
        var handle = await raw.StartAsync(NewWorkflowId("update-during-task"), TaskQueue);
        var first = await raw.PollAsync(TaskQueue);

        // The update arrives while the first task is in flight: it waits for the next task.
        var update = raw.Service.UpdateWorkflowExecutionAsync(new UpdateWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = handle.Id },
            WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Accepted },
            Request = new()
            {
                Meta = new() { UpdateId = "during-task", Identity = "test" },
                Input = new() { Name = "Add", Args = RawWorker.NoPayloads() },
            },
        }, Rpc);
        await Task.Delay(TimeSpan.FromMilliseconds(500), Deadline); // lets the update reach the server first
        Assert.False(update.IsCompleted, "the update waits for a worker");
        await raw.CompleteAsync(first);
        var written = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();

        var second = await raw.PollAsync(TaskQueue);
        var request = Assert.Single(second.Messages);
        Assert.True(request.Body.Is(Request.Descriptor));
        var reject = new RespondWorkflowTaskCompletedRequest { Namespace = Client.Options.Namespace, TaskToken = second.TaskToken, Identity = RawWorker.Identity };
        reject.Messages.Add(new Message
        {
            Id = "during-task/reject",
            ProtocolInstanceId = request.ProtocolInstanceId,
            Body = Any.Pack(new Rejection
            {
                RejectedRequestMessageId = request.Id,
                RejectedRequestSequencingEventId = request.EventId,
                RejectedRequest = request.Body.Unpack<Request>(),
                Failure = new() { Message = "not now", ApplicationFailureInfo = new() },
            }),
        });
        await raw.Service.RespondWorkflowTaskCompletedAsync(reject, Rpc);

        Assert.Equal("not now", (await update).Outcome.Failure.Message);
        // A normal task would have written its scheduled, started and completed events; the speculative one left none.
        Assert.Equal(written.Select(e => (e.EventId, e.EventType)), (await handle.FetchHistoryAsync(HistoryRpc)).Events.Select(e => (e.EventId, e.EventType)));
        Assert.Equal(EventType.WorkflowTaskCompleted, written[^1].EventType);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartUpdate_ReturnsOnAcceptance_AndTheResultIsPolledLater()
    {
        var (result, accepted) = await WithWorkerAsync(Worker.Options, async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-stages"));
            var update = await handle.StartUpdateAsync(wf => wf.AddWhenReleasedAsync("late"), new(WorkflowUpdateStage.Accepted) { Rpc = Rpc });
            var whileAccepted = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Select(e => e.EventType).ToList();
            await handle.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
            var value = await update.GetResultAsync(Rpc);
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal(["late"], await handle.GetResultAsync(rpcOptions: Rpc));
            return (value, whileAccepted);
        });

        Assert.Equal("added late", result);
        Assert.Contains(EventType.WorkflowExecutionUpdateAccepted, accepted);
        Assert.DoesNotContain(EventType.WorkflowExecutionUpdateCompleted, accepted);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateWithStart_StartsTheWorkflow_ThenUsesTheRunningOne()
    {
        var id = NewWorkflowId("update-with-start");
        WithStartWorkflowOperation<WorkflowHandle<UpdatableWorkflow, IReadOnlyList<string>>> StartOperation() =>
            WithStartWorkflowOperation.Create((UpdatableWorkflow wf) => wf.RunAsync(), new(id, TaskQueue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });

        var (first, second, events) = await WithWorkerAsync(Worker.Options, async () =>
        {
            var start = StartOperation();
            var one = await Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync("a"), new(start) { Rpc = Rpc });
            var two = await Client.ExecuteUpdateWithStartWorkflowAsync((UpdatableWorkflow wf) => wf.AddAsync("b"), new(StartOperation()) { Rpc = Rpc });
            var handle = await start.GetHandleAsync();
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal(["a", "b"], await handle.GetResultAsync(rpcOptions: Rpc));
            return (one, two, (await handle.FetchHistoryAsync(HistoryRpc)).Events);
        });

        Assert.Equal((1, 2), (first, second));
        // The update reached the run's very first workflow task.
        var firstCompleted = events.First(e => e.EventType == EventType.WorkflowTaskCompleted).EventId;
        Assert.Equal(firstCompleted + 1, events.First(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).EventId);
        Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionStarted);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateOfACompletedWorkflow_IsNotFound()
    {
        var handle = await WithWorkerAsync(Worker.Options, async () =>
        {
            var started = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-closed"));
            await started.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await started.GetResultAsync(rpcOptions: Rpc);
            return started;
        });

        var error = await Assert.ThrowsAsync<RpcException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync("late"), new() { Rpc = Rpc }));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    // The worker options of these tests, built once per test.
    private sealed record TemporalWorkerOptionsBuilder(Temporalio.Worker.TemporalWorkerOptions Options);
}
