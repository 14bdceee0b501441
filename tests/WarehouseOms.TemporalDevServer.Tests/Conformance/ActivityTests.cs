using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Issue 2: start → activity → complete, retries, non-retryable failures, timeouts, heartbeats, cancellation.</summary>
[Collection(ActivitiesCollection.Name)]
public sealed class ActivityTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private string? lastScenarioWorkflowId;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ExecuteWorkflow_OneActivity_ReturnsActivityResult()
    {
        var options = Options("greeting");
        var result = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet),
            () => Client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("Warehouse"), options));

        Assert.Equal("Hello, Warehouse!", result);
        Assert.Equal(["greet:Warehouse:attempt1"], ActivityJournal.For(options.Id!));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ExecuteWorkflow_OneActivity_HistoryFollowsReferenceSequence()
    {
        var options = Options("greeting-history");
        var history = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("History"), options);
                await handle.GetResultAsync(rpcOptions: Rpc);
                return await handle.FetchHistoryAsync(HistoryRpc);
            });

        // Spec 3.5: the reference sequence of a one-activity workflow.
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.ActivityTaskScheduled, EventType.ActivityTaskStarted,
                EventType.ActivityTaskCompleted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionCompleted,
            ],
            history.Events.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, history.Events.Count).Select(i => (long)i), history.Events.Select(e => e.EventId));
        var started = history.Events.ElementAt(5).ActivityTaskStartedEventAttributes;
        var completed = history.Events.ElementAt(6).ActivityTaskCompletedEventAttributes;
        Assert.Equal(5, started.ScheduledEventId);
        Assert.Equal(5, completed.ScheduledEventId);
        Assert.Equal(6, completed.StartedEventId);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_FailsTwiceThenSucceeds_RetriedWithBackoffAndVisibleAttempts()
    {
        var options = Options("retry");
        var result = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<RetryWorkflow>().AddActivity(TestActivities.FailUntilAttempt),
            () => Client.ExecuteWorkflowAsync(
                (RetryWorkflow wf) => wf.RunAsync(new RetryInput(SucceedOnAttempt: 3, MaximumAttempts: 5, InitialIntervalSeconds: 0.3)),
                options));

        Assert.Equal("succeeded on attempt 3", result);
        var attempts = ActivityJournal.For(options.Id!).Select(ParseAttempt).ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));

        // Backoff 0.3 s then 0.6 s (coefficient 2): each retry is scheduled at least that long after the
        // previous attempt was scheduled. Lower bounds only; no upper bound on speed.
        Assert.True(attempts[1].Scheduled - attempts[0].Scheduled >= TimeSpan.FromMilliseconds(290), Describe(attempts));
        Assert.True(attempts[2].Scheduled - attempts[1].Scheduled >= TimeSpan.FromMilliseconds(590), Describe(attempts));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_AlwaysFails_StopsAtMaximumAttempts()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.MaximumAttempts);

        Assert.Null(outcome.Result);
        Assert.Equal(nameof(ApplicationFailureException), outcome.CauseType);
        Assert.Equal("Transient", outcome.ErrorType);
        Assert.Equal(RetryState.MaximumAttemptsReached, outcome.RetryState);
        Assert.Equal(["attempt:1", "attempt:2", "attempt:3"], attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_ErrorTypeListedNonRetryable_FailsAfterFirstAttempt()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.NonRetryableErrorType);

        Assert.Equal("Fatal", outcome.ErrorType);
        Assert.Equal(RetryState.NonRetryableFailure, outcome.RetryState);
        Assert.Equal(["attempt:1"], attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_NonRetryableApplicationFailure_FailsAfterFirstAttempt()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.NonRetryableFailure);

        Assert.Equal("Rejected", outcome.ErrorType);
        Assert.Equal(RetryState.NonRetryableFailure, outcome.RetryState);
        Assert.Equal(["attempt:1"], attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_StartToCloseTimeout_RetriedThenTimesOut()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.StartToCloseTimeout);

        Assert.Equal(nameof(TimeoutFailureException), outcome.CauseType);
        Assert.Equal(TimeoutType.StartToClose, outcome.TimeoutType);
        Assert.Equal(RetryState.MaximumAttemptsReached, outcome.RetryState);
        Assert.Equal(["attempt:1", "attempt:2"], attempts);
        // As Temporal records it: the final timeout's cause is the previous attempt's failure.
        var timedOut = await TimedOutEventAsync();
        Assert.Equal("activity StartToClose timeout", timedOut.Failure.Message);
        Assert.Equal("activity StartToClose timeout", timedOut.Failure.Cause?.Message);
        Assert.Equal(TimeoutType.StartToClose, timedOut.Failure.Cause!.TimeoutFailureInfo.TimeoutType);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_ScheduleToCloseTimeout_EndsRetriesAtTheDeadline()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.ScheduleToCloseTimeout);

        // 3 s schedule-to-close, 1 s start-to-close, 0.2 s backoff: two or three attempts fit, never more.
        Assert.Equal(nameof(TimeoutFailureException), outcome.CauseType);
        Assert.Equal(TimeoutType.ScheduleToClose, outcome.TimeoutType);
        Assert.Contains(outcome.RetryState, new RetryState?[] { RetryState.Timeout, RetryState.NonRetryableFailure });
        Assert.InRange(attempts.Count, 2, 3);
        var timedOut = await TimedOutEventAsync();
        Assert.Equal("Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying", timedOut.Failure.Message);
        Assert.Equal("activity StartToClose timeout", timedOut.Failure.Cause?.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_NoWorkerPollsItsQueue_ScheduleToStartTimeout()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.ScheduleToStartTimeout);

        Assert.Equal(TimeoutType.ScheduleToStart, outcome.TimeoutType);
        Assert.Empty(attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_HeartbeatThenFail_DetailsCarriedToNextAttempt()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.HeartbeatDetailsCarried);

        Assert.Equal("finished with details attempt-2", outcome.Result);
        Assert.Equal(["attempt:1:details:none", "attempt:2:details:attempt-1", "attempt:3:details:attempt-2"], attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_StopsHeartbeating_HeartbeatTimeoutWithLastDetails()
    {
        var (outcome, attempts) = await RunScenarioAsync(ActivityScenario.HeartbeatTimeout);

        Assert.Equal(TimeoutType.Heartbeat, outcome.TimeoutType);
        Assert.Equal(RetryState.MaximumAttemptsReached, outcome.RetryState);
        Assert.Equal("attempt-2", outcome.LastHeartbeatDetail);
        Assert.Equal(["attempt:1:details:none", "attempt:2:details:attempt-1"], attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_CancelledByWorkflow_ActivitySeesCancellationAndWorkflowSeesCanceledFailure()
    {
        var options = Options("activity-cancel");
        var (result, history) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<ActivityCancellationWorkflow>().AddActivity(TestActivities.HeartbeatUntilCancelledAsync),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((ActivityCancellationWorkflow wf) => wf.RunAsync(), options);
                await Eventually.UntilAsync(
                    () => ActivityJournal.For(options.Id!).Contains("started"), "the activity to start", cancellationToken: Deadline);
                await handle.SignalAsync(wf => wf.CancelActivityAsync(), SignalRpc);
                var result = await handle.GetResultAsync(rpcOptions: Rpc);
                return (result, await handle.FetchHistoryAsync(HistoryRpc));
            });

        Assert.Equal("activity canceled", result);
        Assert.Contains("cancelled:CancelRequested", ActivityJournal.For(options.Id!));
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Contains(EventType.ActivityTaskCancelRequested, types);
        Assert.Contains(EventType.ActivityTaskCanceled, types);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Workflow_CancelledWhileActivityRuns_ActivityCancelledAndWorkflowCanceled()
    {
        var options = Options("cancel-with-activity");
        var (error, status) = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<WorkflowWithLongActivity>().AddActivity(TestActivities.HeartbeatUntilCancelledAsync),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((WorkflowWithLongActivity wf) => wf.RunAsync(0), options);
                await Eventually.UntilAsync(
                    () => ActivityJournal.For(options.Id!).Contains("started"), "the activity to start", cancellationToken: Deadline);
                await handle.CancelAsync(new() { Rpc = Rpc });
                var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
                return (error, (await handle.DescribeAsync(new() { Rpc = Rpc })).Status);
            });

        Assert.IsType<CanceledFailureException>(error.InnerException);
        Assert.Equal(WorkflowExecutionStatus.Canceled, status);
        Assert.Contains("cancelled:CancelRequested", ActivityJournal.For(options.Id!));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_CompletedThroughTaskToken_WorkflowGetsResultAndSecondCompletionIsNotFound()
    {
        var options = Options("async-completion");
        var secondCompletion = await WithWorkerAsync(
            WorkerOptions().AddWorkflow<AsyncCompletionWorkflow>().AddActivity(TestActivities.CompleteAsynchronously),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((AsyncCompletionWorkflow wf) => wf.RunAsync(), options);
                var tokenEntry = await Eventually.UntilAsync(
                    () => Task.FromResult(ActivityJournal.For(options.Id!).FirstOrDefault(e => e.StartsWith("token:", StringComparison.Ordinal))),
                    entry => entry is not null,
                    "the activity to hand over its task token",
                    cancellationToken: Deadline);
                var activity = Client.GetAsyncActivityHandle(Convert.FromBase64String(tokenEntry!["token:".Length..]));
                await activity.CompleteAsync("completed from outside", new() { Rpc = Rpc });
                Assert.Equal("completed from outside", await handle.GetResultAsync(rpcOptions: Rpc));
                return await Assert.ThrowsAsync<RpcException>(
                    () => activity.CompleteAsync("again", new() { Rpc = Rpc }));
            });

        Assert.Equal(RpcException.StatusCode.NotFound, secondCompletion.Code);
    }

    private async Task<Temporalio.Api.History.V1.ActivityTaskTimedOutEventAttributes> TimedOutEventAsync() =>
        (await Client.GetWorkflowHandle(lastScenarioWorkflowId!).FetchHistoryAsync(HistoryRpc)).Events
            .Single(e => e.ActivityTaskTimedOutEventAttributes is not null).ActivityTaskTimedOutEventAttributes;

    private async Task<(ActivityOutcome Outcome, IReadOnlyList<string> Attempts)> RunScenarioAsync(ActivityScenario scenario)
    {
        var options = Options(scenario.ToString());
        var worker = WorkerOptions()
            .AddWorkflow<ActivityOutcomeWorkflow>()
            .AddActivity(TestActivities.AlwaysFail)
            .AddActivity(TestActivities.FailNonRetryable)
            .AddActivity(TestActivities.HangAsync)
            .AddActivity(TestActivities.HeartbeatThenStopAsync);
        lastScenarioWorkflowId = options.Id;
        var outcome = await WithWorkerAsync(
            worker,
            () => Client.ExecuteWorkflowAsync((ActivityOutcomeWorkflow wf) => wf.RunAsync(scenario), options));
        var attempts = ActivityJournal.For(options.Id!);
        Output.WriteLine($"{scenario}: {outcome}; attempts: {string.Join(", ", attempts)}");
        return (outcome, attempts);
    }

    private static (int Attempt, DateTime Scheduled) ParseAttempt(string entry)
    {
        // "attempt:<n>:<scheduled time, round-trip format>"
        var parts = entry.Split(':', 3);
        return (int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            DateTime.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind));
    }

    private static string Describe(IEnumerable<(int Attempt, DateTime Scheduled)> attempts) =>
        string.Join(", ", attempts.Select(a => $"#{a.Attempt} at {a.Scheduled:HH:mm:ss.fff}"));
}
