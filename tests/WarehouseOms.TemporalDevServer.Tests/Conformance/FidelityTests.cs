using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Where a real Temporal server answers differently from a lenient one: the same answer here.</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class FidelityTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_ConflictPolicyFail_OnARunningWorkflow_IsAnError()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var options = Options("sws-fail");
            var running = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("first"), options);
            var again = new WorkflowOptions(options.Id!, TaskQueue) { IdConflictPolicy = WorkflowIdConflictPolicy.Fail };
            again.SignalWithStart((CollectorWorkflow wf) => wf.AddAsync("must not arrive"));

            // Temporal's frontend refuses FAIL for signal-with-start outright (RequestValidator.ValidateSignalWithStartRequest).
            var refused = await Assert.ThrowsAsync<RpcException>(
                () => Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("second"), again));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);

            await running.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            Assert.Equal(["first"], await running.GetResultAsync(rpcOptions: Rpc));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CancelExternal_OfACompletedWorkflow_Succeeds()
    {
        var result = await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>().AddWorkflow<CancelExternalWorkflow>(), async () =>
        {
            var target = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("target"), Options("cancel-target"));
            await target.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await target.GetResultAsync(rpcOptions: Rpc);
            return await Client.ExecuteWorkflowAsync((CancelExternalWorkflow wf) => wf.RunAsync(target.Id), Options("canceller"));
        });

        Assert.Equal("requested", result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ScheduleActivity_WithBackoffCoefficientBelowOne_FailsTheWorkflowTaskWithTheCause()
    {
        var failed = await WithWorkerAsync(WorkerOptions().AddWorkflow<BadRetryPolicyWorkflow>().AddActivity(FidelityActivities.Echo), async () =>
        {
            var handle = await Client.StartWorkflowAsync((BadRetryPolicyWorkflow wf) => wf.RunAsync(), Options("bad-retry"));
            var failure = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.FirstOrDefault(e => e.EventType == EventType.WorkflowTaskFailed),
                e => e is not null,
                "a failed workflow task");
            await handle.TerminateAsync("cleanup", new() { Rpc = Rpc });
            return failure!.WorkflowTaskFailedEventAttributes;
        });

        Assert.Equal(WorkflowTaskFailedCause.BadScheduleActivityAttributes, failed.Cause);
        Assert.Contains("BackoffCoefficient cannot be less than 1", failed.Failure.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartWorkflow_WithANegativeRetryInterval_IsInvalidArgument()
    {
        var options = Options("bad-start-retry");
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromSeconds(5), MaximumInterval = TimeSpan.FromSeconds(1) };

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("x"), options));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("MaximumInterval cannot be less than InitialInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartDelay_EndsWithSignalWithStart_NotWithAPlainSignal()
    {
        var result = await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var options = Options("start-delay");
            options.StartDelay = TimeSpan.FromHours(1);
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("delayed"), options);
            await handle.SignalAsync(wf => wf.AddAsync("plain"), SignalRpc);
            await Task.Delay(TimeSpan.FromMilliseconds(500), Deadline);
            var history = await handle.FetchHistoryAsync(HistoryRpc);
            Assert.DoesNotContain(history.Events, e => e.EventType == EventType.WorkflowTaskScheduled);

            var signalWithStart = new WorkflowOptions(options.Id!, TaskQueue);
            signalWithStart.SignalWithStart((CollectorWorkflow wf) => wf.AddAsync("with start"));
            await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("ignored"), signalWithStart);
            await Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.Count, QueryRpc), n => n == 2, "both signals handled");
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            return await handle.GetResultAsync(rpcOptions: Rpc);
        });

        Assert.Equal(["delayed", "plain", "with start"], result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartDelay_IsTheExecutionTime_WhichVisibilityAndTheExecutionDurationCountFrom()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), async () =>
        {
            var delay = TimeSpan.FromSeconds(2);
            var options = Options("execution-time");
            options.StartDelay = delay;
            options.RunTimeout = TimeSpan.FromMinutes(10);
            var handle = await Client.StartWorkflowAsync((CollectorWorkflow wf) => wf.RunAsync("delayed"), options);

            // Temporal: ExecutionTime = StartTime + the first workflow task's backoff; the run expires a run timeout after it.
            var waiting = await handle.DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal(waiting.StartTime + delay, waiting.ExecutionTime);
            var extended = (await Client.WorkflowService.DescribeWorkflowExecutionAsync(
                new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc)).WorkflowExtendedInfo;
            Assert.Equal(waiting.ExecutionTime + TimeSpan.FromMinutes(10), extended.RunExpirationTime.ToDateTime());
            Assert.Equal(waiting.ExecutionTime, (await ListAsync($"WorkflowId = '{options.Id}'")).Single().ExecutionTime);
            var between = (waiting.StartTime + (delay / 2)).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Single(await ListAsync($"WorkflowId = '{options.Id}' AND ExecutionTime > '{between}'"));
            Assert.Empty(await ListAsync($"WorkflowId = '{options.Id}' AND StartTime > '{between}'"));

            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
            var closed = await handle.DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal(waiting.ExecutionTime, closed.ExecutionTime);
            var raw = await Client.WorkflowService.DescribeWorkflowExecutionAsync(
                new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc);
            var duration = raw.WorkflowExecutionInfo.ExecutionDuration.ToTimeSpan();
            Assert.Equal(closed.CloseTime!.Value - closed.ExecutionTime!.Value, duration);
            Assert.Single(await ListAsync($"WorkflowId = '{options.Id}' AND ExecutionDuration < '{(closed.CloseTime.Value - closed.StartTime).TotalMilliseconds - 1000:F0}ms'"));
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task MemoUpsert_ChangesDescribe_NeverTheRecordedStartEvent()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<MemoUpsertWorkflow>(), async () =>
        {
            var options = Options("memo");
            options.Memo = new Dictionary<string, object> { ["stage"] = "started" };
            var handle = await Client.StartWorkflowAsync((MemoUpsertWorkflow wf) => wf.RunAsync(), options);
            await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.Any(e => e.EventType == EventType.WorkflowPropertiesModified),
                found => found,
                "the memo upsert");

            var described = await handle.DescribeAsync(new() { Rpc = Rpc });
            var started = (await handle.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal("upserted", await described.Memo["stage"].ToValueAsync<string>());
            Assert.Equal("started", DataConverter.Default.PayloadConverter.ToValue<string>(started.Memo.Fields["stage"]));
            await handle.SignalAsync(wf => wf.FinishAsync(), SignalRpc);
            await handle.GetResultAsync(rpcOptions: Rpc);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_FailingAfterItsCancellationWasRequested_IsNotRetried()
    {
        var (result, attempts) = await WithWorkerAsync(WorkerOptions().AddWorkflow<FailAfterCancelWorkflow>().AddActivity(FidelityActivities.FailOnCancelAsync), async () =>
        {
            var handle = await Client.StartWorkflowAsync((FailAfterCancelWorkflow wf) => wf.RunAsync(), Options("fail-after-cancel"));
            var outcome = await handle.GetResultAsync(rpcOptions: Rpc);
            var history = await handle.FetchHistoryAsync(HistoryRpc);
            return (outcome, history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes.Attempt);
        });

        Assert.Equal(nameof(RetryState.CancelRequested), result);
        Assert.Equal(1, attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_WhoseNextRetryWouldPassScheduleToClose_StaysAnApplicationFailure()
    {
        var result = await WithWorkerAsync(WorkerOptions().AddWorkflow<OutOfRetryTimeWorkflow>().AddActivity(FidelityActivities.AlwaysFail), () =>
            Client.ExecuteWorkflowAsync((OutOfRetryTimeWorkflow wf) => wf.RunAsync(), Options("out-of-retry-time")));

        Assert.Equal("Timeout: ApplicationFailureException: still broken", result);
    }
}
