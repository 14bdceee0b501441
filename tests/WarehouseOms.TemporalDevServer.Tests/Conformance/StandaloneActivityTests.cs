using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Standalone activity executions (an activity a client starts on its own, without a workflow) as the SDK's client
/// drives them: start and result, what the worker sees, retries, the four timeouts, describe before, during and after
/// the run, start delay, and completion from outside by ID or task token. Id policies, cancel, terminate, delete,
/// list/count and refusals: <see cref="StandaloneActivityControlTests"/>.
/// </summary>
[Collection(StandaloneActivitiesCollection.Name)]
public sealed class StandaloneActivityTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private StartActivityOptions ActivityOptions(string prefix) => new($"{prefix}-{Guid.NewGuid():N}", TaskQueue)
    {
        ScheduleToCloseTimeout = TimeSpan.FromSeconds(50),
        Rpc = Rpc,
    };

    /// <summary>A worker on the test's queue that sends heartbeats at least every 500 ms, whatever the heartbeat timeout.</summary>
    private TemporalWorkerOptions Worker(params Delegate[] activities)
    {
        var options = WorkerOptions();
        options.MaxHeartbeatThrottleInterval = TimeSpan.FromMilliseconds(500);
        foreach (var activity in activities)
        {
            options.AddActivity(activity);
        }

        return options;
    }

    private Task<ActivityExecutionDescription> DescribeAsync(ActivityHandle handle, ActivityDescribeOptions? options = null)
    {
        options ??= new();
        options.Rpc = Rpc;
        return handle.DescribeAsync(options);
    }

    private async Task<TException> FailureOfAsync<TException>(ActivityHandle handle)
        where TException : Exception
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => handle.GetResultAsync(Rpc));
        Output.WriteLine($"{handle.Id}: {error.InnerException}");
        return Assert.IsType<TException>(error.InnerException);
    }

    private Task WaitForJournalAsync(string activityId, string entry) => Eventually.UntilAsync(
        () => ActivityJournal.For(activityId).Contains(entry), $"the activity to record {entry}", cancellationToken: Deadline);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_WorkerRunsTheActivity_GetResultReturnsItsResult()
    {
        var options = ActivityOptions("echo");
        var (handle, result) = await WithWorkerAsync(Worker(StandaloneActivities.EchoAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("parcel"), options);
            return (handle, await handle.GetResultAsync(Rpc));
        });

        Assert.Equal("echo:parcel", result);
        Assert.Equal(options.Id, handle.Id);
        Assert.True(Guid.TryParse(handle.RunId, out _), $"run ID {handle.RunId} is a UUID");
        Assert.Equal(["attempt:1"], ActivityJournal.For(options.Id!));
        // A closed activity answers again, by run or as the current run of its ID.
        Assert.Equal("echo:parcel", await Client.GetActivityHandle<string>(options.Id!, handle.RunId).GetResultAsync(Rpc));
        Assert.Equal("echo:parcel", await Client.GetActivityHandle<string>(options.Id!).GetResultAsync(Rpc));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Worker_SeesTheActivityIdAndFirstAttempt_AndNoWorkflow()
    {
        var options = ActivityOptions("info");
        options.StartToCloseTimeout = TimeSpan.FromSeconds(20);
        var info = await WithWorkerAsync(Worker(StandaloneActivities.InspectInfoAsync), async () =>
            await (await Client.StartActivityAsync(() => StandaloneActivities.InspectInfoAsync(), options)).GetResultAsync(Rpc));

        Assert.Equal((options.Id, "InspectInfo", 1), (info.ActivityId, info.ActivityType, info.Attempt));
        Assert.Equal((Client.Options.Namespace, TaskQueue), (info.Namespace, info.TaskQueue));
        Assert.False(info.IsLocal);
        Assert.False(info.IsWorkflowActivity);
        Assert.Null(info.WorkflowId);
        Assert.Null(info.WorkflowRunId);
        Assert.Null(info.WorkflowType);
        Assert.Null(info.WorkflowNamespace);
        Assert.Equal(TimeSpan.FromSeconds(50), info.ScheduleToCloseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), info.StartToCloseTimeout);
        Assert.Null(info.HeartbeatTimeout);
        Assert.True(info.TaskTokenLength > 0);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_FailsTwiceThenSucceeds_ResultAfterThreeAttempts()
    {
        var options = ActivityOptions("retry");
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 5 };
        var (result, description) = await WithWorkerAsync(Worker(StandaloneActivities.FailUntilAttemptAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.FailUntilAttemptAsync(3), options);
            return (await handle.GetResultAsync(Rpc), await DescribeAsync(handle));
        });

        Assert.Equal("succeeded on attempt 3", result);
        Assert.Equal(["attempt:1", "attempt:2", "attempt:3"], ActivityJournal.For(options.Id!));
        Assert.Equal((ActivityExecutionStatus.Completed, 3), (description.Status, description.Attempt));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_NonRetryableFailure_FailsAfterTheFirstAttemptWithTheApplicationFailure()
    {
        var options = ActivityOptions("non-retryable");
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 5 };
        var (failure, description) = await WithWorkerAsync(Worker(StandaloneActivities.FailNonRetryableAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.FailNonRetryableAsync(), options);
            return (await FailureOfAsync<ApplicationFailureException>(handle), await DescribeAsync(handle, new() { IncludeOutcome = true }));
        });

        Assert.Equal(("business rule rejected", "Rejected", true), (failure.Message, failure.ErrorType, failure.NonRetryable));
        Assert.Equal(["attempt:1"], ActivityJournal.For(options.Id!));
        Assert.Equal((ActivityExecutionStatus.Failed, 1), (description.Status, description.Attempt));
        Assert.Equal(RetryState.NonRetryableFailure, description.RawOutcome?.RetryState);
        Assert.IsType<ApplicationFailureException>(await description.GetOutcomeFailureAsync());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_AlwaysFails_FailsAfterMaximumAttempts()
    {
        var options = ActivityOptions("max-attempts");
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 2 };
        var (failure, description) = await WithWorkerAsync(Worker(StandaloneActivities.AlwaysFailAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.AlwaysFailAsync(), options);
            return (await FailureOfAsync<ApplicationFailureException>(handle), await DescribeAsync(handle, new() { IncludeOutcome = true }));
        });

        Assert.Equal(("failed on attempt 2", "Transient"), (failure.Message, failure.ErrorType));
        Assert.Equal(["attempt:1", "attempt:2"], ActivityJournal.For(options.Id!));
        Assert.Equal((ActivityExecutionStatus.Failed, 2), (description.Status, description.Attempt));
        Assert.Equal(RetryState.MaximumAttemptsReached, description.RawOutcome?.RetryState);
        Assert.NotNull(description.CloseTime);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Activity_WaitingForItsRetry_DescribeShowsTheIntervalTheNextAttemptAndTheLastFailure()
    {
        var options = ActivityOptions("backoff");
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromSeconds(30), MaximumAttempts = 5 };
        var handle = await WithWorkerAsync(Worker(StandaloneActivities.AlwaysFailAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.AlwaysFailAsync(), options);
            await WaitForJournalAsync(options.Id!, "attempt:1");
            return handle;
        });

        var waiting = await Eventually.UntilAsync(
            () => DescribeAsync(handle, new() { IncludeLastFailure = true }), d => d.Attempt == 2, "the second attempt to be scheduled", cancellationToken: Deadline);
        Assert.Equal((ActivityExecutionStatus.Running, PendingActivityState.Scheduled), (waiting.Status, waiting.RunState));
        Assert.Equal(TimeSpan.FromSeconds(30), waiting.CurrentRetryInterval);
        Assert.NotNull(waiting.LastAttemptCompleteTime);
        Assert.Equal(waiting.LastAttemptCompleteTime + TimeSpan.FromSeconds(30), waiting.NextAttemptScheduleTime);
        var lastFailure = Assert.IsType<ApplicationFailureException>(await waiting.GetLastFailureAsync());
        Assert.Equal("failed on attempt 1", lastFailure.Message);
        await handle.TerminateAsync(new() { Reason = "test over", Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task NoWorker_ScheduleToCloseTimeout_TimesOut()
    {
        var options = ActivityOptions("schedule-to-close");
        options.ScheduleToCloseTimeout = TimeSpan.FromSeconds(2);
        var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("never"), options);

        var timeout = await FailureOfAsync<TimeoutFailureException>(handle);
        Assert.Equal((TimeoutType.ScheduleToClose, "activity ScheduleToClose timeout"), (timeout.TimeoutType, timeout.Message));
        var description = await DescribeAsync(handle, new() { IncludeOutcome = true });
        Assert.Equal(ActivityExecutionStatus.TimedOut, description.Status);
        Assert.Equal(RetryState.Timeout, description.RawOutcome?.RetryState);
        Assert.True(description.CloseTime >= description.ScheduleTime + TimeSpan.FromSeconds(2), $"closed at {description.CloseTime:O}, scheduled at {description.ScheduleTime:O}");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task NoWorker_ScheduleToStartTimeout_TimesOut()
    {
        var options = ActivityOptions("schedule-to-start");
        options.ScheduleToStartTimeout = TimeSpan.FromSeconds(1);
        var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("never"), options);

        var timeout = await FailureOfAsync<TimeoutFailureException>(handle);
        Assert.Equal((TimeoutType.ScheduleToStart, "activity ScheduleToStart timeout"), (timeout.TimeoutType, timeout.Message));
        Assert.Equal(ActivityExecutionStatus.TimedOut, (await DescribeAsync(handle)).Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SlowActivity_StartToCloseTimeout_WithOneAttempt_TimesOut()
    {
        var options = ActivityOptions("start-to-close");
        options.StartToCloseTimeout = TimeSpan.FromSeconds(1);
        options.RetryPolicy = new() { MaximumAttempts = 1 };
        var (timeout, description) = await WithWorkerAsync(Worker(StandaloneActivities.HangAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.HangAsync(), options);
            return (await FailureOfAsync<TimeoutFailureException>(handle), await DescribeAsync(handle, new() { IncludeOutcome = true }));
        });

        Assert.Equal((TimeoutType.StartToClose, "activity StartToClose timeout"), (timeout.TimeoutType, timeout.Message));
        Assert.Equal(["attempt:1"], ActivityJournal.For(options.Id!));
        Assert.Equal(ActivityExecutionStatus.TimedOut, description.Status);
        Assert.Equal(RetryState.MaximumAttemptsReached, description.RawOutcome?.RetryState);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SilentActivity_HeartbeatTimeout_TimesOutWithTheLastHeartbeatDetails()
    {
        var options = ActivityOptions("heartbeat-timeout");
        options.StartToCloseTimeout = TimeSpan.FromSeconds(40);
        options.HeartbeatTimeout = TimeSpan.FromSeconds(3);
        options.RetryPolicy = new() { MaximumAttempts = 1 };
        var timeout = await WithWorkerAsync(Worker(StandaloneActivities.HeartbeatOnceThenStallAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.HeartbeatOnceThenStallAsync(), options);
            return await FailureOfAsync<TimeoutFailureException>(handle);
        });

        Assert.Equal((TimeoutType.Heartbeat, "activity Heartbeat timeout"), (timeout.TimeoutType, timeout.Message));
        Assert.Equal(1, timeout.LastHeartbeatDetails?.Count);
        Assert.Equal("last-beat", timeout.LastHeartbeatDetails!.ElementAt<string>(0));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_NoWorker_RunningAndScheduled_WithTimeoutsNormalisedToScheduleToClose()
    {
        var options = ActivityOptions("describe-scheduled");
        options.ScheduleToCloseTimeout = TimeSpan.FromSeconds(40);
        var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("waiting"), options);

        var description = await DescribeAsync(handle);
        Assert.Equal((options.Id, handle.RunId, "Echo", TaskQueue), (description.ActivityId, description.ActivityRunId, description.ActivityType, description.TaskQueue));
        Assert.Equal((ActivityExecutionStatus.Running, PendingActivityState.Scheduled, 1), (description.Status, description.RunState, description.Attempt));
        Assert.True(description.ScheduleTime > DateTime.UtcNow.AddMinutes(-1) && description.ScheduleTime <= DateTime.UtcNow.AddMinutes(1), $"schedule time {description.ScheduleTime:O}");
        Assert.Null(description.LastStartedTime);
        Assert.Null(description.CloseTime);
        // Temporal's normalisation: start-to-close and schedule-to-start default to schedule-to-close; no heartbeat timeout.
        Assert.Equal(TimeSpan.FromSeconds(40), description.ScheduleToCloseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(40), description.StartToCloseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(40), description.ScheduleToStartTimeout);
        Assert.Equal(TimeSpan.Zero, description.HeartbeatTimeout ?? TimeSpan.Zero);
        Assert.Equal(description.ScheduleTime, description.ExecutionTime);
        Assert.Equal(description.ScheduleTime + TimeSpan.FromSeconds(40), description.ExpirationTime);
        await handle.TerminateAsync(new() { Reason = "test over", Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_OnlyStartToCloseGiven_NoOverallLimit_AndTheDefaultRetryPolicy()
    {
        var options = new StartActivityOptions($"describe-defaults-{Guid.NewGuid():N}", TaskQueue) { StartToCloseTimeout = TimeSpan.FromSeconds(20), Rpc = Rpc };
        var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("waiting"), options);

        var description = await DescribeAsync(handle);
        Assert.Equal(TimeSpan.FromSeconds(20), description.StartToCloseTimeout);
        Assert.Equal(TimeSpan.Zero, description.ScheduleToCloseTimeout ?? TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, description.ScheduleToStartTimeout ?? TimeSpan.Zero);
        Assert.Null(description.ExpirationTime);
        var retry = description.RetryPolicy;
        Assert.NotNull(retry);
        Assert.Equal((TimeSpan.FromSeconds(1), 2f, TimeSpan.FromSeconds(100), 0), (retry.InitialInterval, retry.BackoffCoefficient, retry.MaximumInterval, retry.MaximumAttempts));
        await handle.TerminateAsync(new() { Reason = "test over", Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_Running_ShowsTheStartedAttemptAndItsHeartbeats()
    {
        var options = ActivityOptions("describe-running");
        options.StartToCloseTimeout = TimeSpan.FromSeconds(45);
        options.HeartbeatTimeout = TimeSpan.FromSeconds(10);
        var (running, closed) = await WithWorkerAsync(Worker(StandaloneActivities.HeartbeatUntilCancelledAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.HeartbeatUntilCancelledAsync(), options);
            await WaitForJournalAsync(options.Id!, "started");
            var running = await Eventually.UntilAsync(
                () => DescribeAsync(handle, new() { IncludeHeartbeatDetails = true }), d => d.TotalHeartbeatCount > 0, "a recorded heartbeat", cancellationToken: Deadline);
            await handle.TerminateAsync(new() { Reason = "test over", Rpc = Rpc });
            return (running, await DescribeAsync(handle));
        });

        Assert.Equal((ActivityExecutionStatus.Running, PendingActivityState.Started, 1), (running.Status, running.RunState, running.Attempt));
        Assert.Equal(("HeartbeatUntilCancelled", TaskQueue), (running.ActivityType, running.TaskQueue));
        Assert.Equal((TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(10)), (running.ScheduleToCloseTimeout, running.StartToCloseTimeout, running.HeartbeatTimeout));
        Assert.NotNull(running.LastStartedTime);
        Assert.True(running.LastStartedTime >= running.ScheduleTime);
        Assert.NotNull(running.LastWorkerIdentity);
        Assert.NotNull(running.LastHeartbeatTime);
        Assert.True(running.HasHeartbeatDetails);
        Assert.Null(running.CloseTime);
        Assert.Equal((ActivityExecutionStatus.Terminated, PendingActivityState.Unspecified), (closed.Status, closed.RunState));
        Assert.NotNull(closed.CloseTime);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Describe_Completed_ShowsCloseTimeInputResultAndSummary()
    {
        var options = ActivityOptions("describe-completed");
        options.Summary = "pick list 42";
        var description = await WithWorkerAsync(Worker(StandaloneActivities.EchoAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("described"), options);
            await handle.GetResultAsync(Rpc);
            return await DescribeAsync(handle, new() { IncludeInput = true, IncludeOutcome = true });
        });

        Assert.Equal((ActivityExecutionStatus.Completed, PendingActivityState.Unspecified, 1), (description.Status, description.RunState, description.Attempt));
        Assert.NotNull(description.CloseTime);
        Assert.True(description.CloseTime >= description.LastStartedTime && description.LastStartedTime >= description.ScheduleTime);
        Assert.Equal(description.CloseTime - description.ScheduleTime, description.ExecutionDuration);
        Assert.Null(description.NextAttemptScheduleTime);
        Assert.True(description.HasInput);
        Assert.Equal("described", DataConverter.Default.PayloadConverter.ToValue<string>(description.RawInput!.Single()));
        Assert.True(description.HasResult);
        Assert.Equal("echo:described", await description.GetResultAsync<string>());
        Assert.Equal("pick list 42", await description.GetSummaryAsync());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task StartDelay_FirstAttemptIsDispatchedAfterTheDelay()
    {
        var options = ActivityOptions("start-delay");
        options.StartDelay = TimeSpan.FromSeconds(2);
        var (waiting, done, result) = await WithWorkerAsync(Worker(StandaloneActivities.EchoAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("later"), options);
            var waiting = await DescribeAsync(handle);
            var result = await handle.GetResultAsync(Rpc);
            return (waiting, await DescribeAsync(handle), result);
        });

        Assert.Equal("echo:later", result);
        Assert.Equal(TimeSpan.FromSeconds(2), waiting.StartDelay);
        Assert.Equal(waiting.ScheduleTime + TimeSpan.FromSeconds(2), waiting.ExecutionTime);
        Assert.Equal(waiting.ScheduleTime + TimeSpan.FromSeconds(52), waiting.ExpirationTime);
        Assert.True(done.LastStartedTime - done.ScheduleTime >= TimeSpan.FromSeconds(1.9), $"started {done.LastStartedTime:O}, scheduled {done.ScheduleTime:O}");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task PollForTheOutcome_AnswersEmptyBeforeTheCallersDeadline_SoGetResultPollsAgainUntilTheClose()
    {
        var handle = await Client.StartActivityAsync(() => StandaloneActivities.EchoAsync("waiting"), ActivityOptions("poll-deadline"));
        // No client retries: what is seen is what the server answered.
        var shortPoll = new RpcOptions { Timeout = TimeSpan.FromSeconds(4), Retry = false, CancellationToken = Deadline };

        var empty = await Client.Connection.WorkflowService.PollActivityExecutionAsync(
            new() { Namespace = Client.Options.Namespace, ActivityId = handle.Id, RunId = handle.RunId }, shortPoll);
        Assert.Null(empty.Outcome);
        Assert.Equal(string.Empty, empty.RunId);

        var result = handle.GetResultAsync(shortPoll);
        // The scenario, not a synchronisation: long enough for GetResultAsync to poll more than once.
        await Task.Delay(TimeSpan.FromSeconds(6), Deadline);
        await handle.TerminateAsync(new() { Reason = "test over", Rpc = Rpc });
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => result);
        Assert.IsType<TerminatedFailureException>(error.InnerException);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AsyncActivity_CancelRequested_HeartbeatByIdHearsIt_AndReportedCancellationEndsItCanceled()
    {
        var options = ActivityOptions("async-cancel");
        var (heartbeat, canceled, description) = await WithWorkerAsync(Worker(StandaloneActivities.CompleteLaterAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.CompleteLaterAsync(), options);
            await Eventually.UntilAsync(() => ActivityJournal.For(options.Id!).Count > 0, "the activity to start", cancellationToken: Deadline);
            var outside = Client.GetAsyncActivityHandle(workflowId: string.Empty, runId: handle.RunId!, activityId: options.Id!);
            await outside.HeartbeatAsync(new() { Details = ["still working"], Rpc = Rpc });
            await handle.CancelAsync(new() { Reason = "customer withdrew", Rpc = Rpc });
            var heartbeat = await Assert.ThrowsAsync<AsyncActivityCanceledException>(() => outside.HeartbeatAsync(new() { Rpc = Rpc }));
            await outside.ReportCancellationAsync(new() { Rpc = Rpc });
            return (heartbeat, await FailureOfAsync<CanceledFailureException>(handle), await DescribeAsync(handle));
        });

        Assert.NotNull(heartbeat);
        Assert.NotNull(canceled);
        Assert.Equal((ActivityExecutionStatus.Canceled, "customer withdrew"), (description.Status, description.CanceledReason));
        Assert.True(description.TotalHeartbeatCount >= 1);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CompletedById_GetResultReturnsWhatTheClientSent_AndASecondCompletionIsNotFound()
    {
        var options = ActivityOptions("complete-by-id");
        var (result, again) = await WithWorkerAsync(Worker(StandaloneActivities.CompleteLaterAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.CompleteLaterAsync(), options);
            await Eventually.UntilAsync(() => ActivityJournal.For(options.Id!).Count > 0, "the activity to start", cancellationToken: Deadline);
            // A standalone activity has no workflow: its ID reference carries an empty workflow ID and the activity's run ID.
            var outside = Client.GetAsyncActivityHandle(workflowId: string.Empty, runId: handle.RunId!, activityId: options.Id!);
            await outside.CompleteAsync("completed from outside", new() { Rpc = Rpc });
            var result = await handle.GetResultAsync(Rpc);
            return (result, await Assert.ThrowsAsync<RpcException>(() => outside.CompleteAsync("again", new() { Rpc = Rpc })));
        });

        Assert.Equal("completed from outside", result);
        Assert.Equal(RpcException.StatusCode.NotFound, again.Code);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CompletedByTaskToken_GetResultReturnsWhatTheClientSent()
    {
        var options = ActivityOptions("complete-by-token");
        var result = await WithWorkerAsync(Worker(StandaloneActivities.CompleteLaterAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.CompleteLaterAsync(), options);
            var entry = await Eventually.UntilAsync(
                () => Task.FromResult(ActivityJournal.For(options.Id!).FirstOrDefault()), e => e is not null, "the activity to hand over its task token", cancellationToken: Deadline);
            await Client.GetAsyncActivityHandle(Convert.FromBase64String(entry!["token:".Length..])).CompleteAsync("completed by token", new() { Rpc = Rpc });
            return await handle.GetResultAsync(Rpc);
        });

        Assert.Equal("completed by token", result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task FailedById_OfTheCurrentRun_GetResultThrowsTheClientsFailure()
    {
        var options = ActivityOptions("fail-by-id");
        options.RetryPolicy = new() { MaximumAttempts = 1 };
        var failure = await WithWorkerAsync(Worker(StandaloneActivities.CompleteLaterAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.CompleteLaterAsync(), options);
            await Eventually.UntilAsync(() => ActivityJournal.For(options.Id!).Count > 0, "the activity to start", cancellationToken: Deadline);
            // No run ID: the current run of the activity ID.
            var outside = new AsyncActivityHandle(Client, new AsyncActivityHandle.IdReference(string.Empty, null, options.Id!));
            await outside.FailAsync(new ApplicationFailureException("refused outside", errorType: "Outside"), new() { Rpc = Rpc });
            return await FailureOfAsync<ApplicationFailureException>(handle);
        });

        Assert.Equal(("refused outside", "Outside"), (failure.Message, failure.ErrorType));
    }
}
