using Temporalio.Activities;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Standalone activity executions from the outside: ID reuse and conflict policies and request-ID dedupe, cancel
/// (at once when no attempt runs, through the heartbeat otherwise), terminate, delete, list and count with
/// Temporal's query names, and the refusals Temporal gives (invalid arguments, unknown activities).
/// </summary>
[Collection(StandaloneActivitiesCollection.Name)]
public sealed class StandaloneActivityControlTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    private string Namespace => Client.Options.Namespace;

    private static string NewActivityId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private StartActivityOptions ActivityOptions(string id, string? taskQueue = null) => new(id, taskQueue ?? TaskQueue)
    {
        ScheduleToCloseTimeout = TimeSpan.FromSeconds(50),
        Rpc = Rpc,
    };

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

    private Task<ActivityHandle<string>> StartEchoAsync(StartActivityOptions options, string input = "x") =>
        Client.StartActivityAsync(() => StandaloneActivities.EchoAsync(input), options);

    /// <summary>Starts an activity and waits for its result, with a worker only for that.</summary>
    private Task<ActivityHandle<string>> RunEchoAsync(StartActivityOptions options, string input = "x") =>
        WithWorkerAsync(Worker(StandaloneActivities.EchoAsync), async () =>
        {
            var handle = await StartEchoAsync(options, input);
            await handle.GetResultAsync(Rpc);
            return handle;
        });

    private Task<ActivityExecutionDescription> DescribeAsync(ActivityHandle handle) => handle.DescribeAsync(new() { Rpc = Rpc });

    private Task CancelAsync(ActivityHandle handle, string reason = "test cancel") => handle.CancelAsync(new() { Reason = reason, Rpc = Rpc });

    private Task TerminateAsync(ActivityHandle handle, string reason = "test over") => handle.TerminateAsync(new() { Reason = reason, Rpc = Rpc });

    private async Task<TException> FailureOfAsync<TException>(ActivityHandle handle)
        where TException : Exception
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => handle.GetResultAsync(Rpc));
        Output.WriteLine($"{handle.Id}: {error.InnerException}");
        return Assert.IsType<TException>(error.InnerException);
    }

    private StartActivityExecutionRequest RawStart(string activityId) => new()
    {
        Namespace = Namespace,
        ActivityId = activityId,
        ActivityType = new ActivityType { Name = "Echo" },
        TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = TaskQueue },
        StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
        RequestId = Guid.NewGuid().ToString(),
        Identity = "standalone-activity-tests",
    };

    private async Task<List<ActivityExecution>> ListActivitiesAsync(string query)
    {
        var executions = new List<ActivityExecution>();
        await foreach (var execution in Client.ListActivitiesAsync(query, new() { Rpc = Rpc }))
        {
            executions.Add(execution);
        }

        return executions;
    }

    /// <summary>An activity type no other test uses, so that queries by type see only this test's runs.</summary>
    private static ActivityDefinition UniqueEcho(string type) =>
        ActivityDefinition.Create(type, typeof(string), [typeof(string)], 1, args => $"{type}:{args[0]}");

    // ---- ID policies and request IDs ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdWhileRunning_ActivityAlreadyStarted()
    {
        var id = NewActivityId("conflict");
        var first = await StartEchoAsync(ActivityOptions(id));

        var refused = await Assert.ThrowsAsync<ActivityAlreadyStartedException>(() => StartEchoAsync(ActivityOptions(id)));

        Assert.Equal((id, "Echo", first.RunId), (refused.ActivityId, refused.ActivityType, refused.RunId));
        Assert.Equal("activity execution already started", refused.Message);
        Assert.Equal(ActivityExecutionStatus.Running, (await DescribeAsync(first)).Status);
        await TerminateAsync(first);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdWhileRunning_UseExisting_ReturnsTheRunningRun()
    {
        var id = NewActivityId("use-existing");
        var first = await StartEchoAsync(ActivityOptions(id));
        var again = ActivityOptions(id);
        again.IdConflictPolicy = ActivityIdConflictPolicy.UseExisting;

        var second = await StartEchoAsync(again);

        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal(1, (await Client.CountActivitiesAsync($"ActivityId = '{id}'", new() { Rpc = Rpc })).Count);
        await TerminateAsync(first);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameRequestIdAgain_ReturnsTheSameRunNotStarted_EvenAfterItClosed()
    {
        var request = RawStart(NewActivityId("request-id"));
        var started = await Service.StartActivityExecutionAsync(request, Rpc);
        Assert.True(started.Started);
        Assert.Equal((Namespace, request.ActivityId, started.RunId), (started.Link.Activity.Namespace, started.Link.Activity.ActivityId, started.Link.Activity.RunId));

        // The same request again (its answer was lost): the run it created, even under the default conflict policy Fail.
        var retried = await Service.StartActivityExecutionAsync(request, Rpc);
        Assert.Equal((false, started.RunId), (retried.Started, retried.RunId));

        await TerminateAsync(Client.GetActivityHandle(request.ActivityId, started.RunId));
        var afterClose = await Service.StartActivityExecutionAsync(request, Rpc);
        Assert.Equal((false, started.RunId), (afterClose.Started, afterClose.RunId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdAfterCompletion_RejectDuplicate_ActivityAlreadyStarted()
    {
        var id = NewActivityId("reject-duplicate");
        var first = await RunEchoAsync(ActivityOptions(id));
        var again = ActivityOptions(id);
        again.IdReusePolicy = ActivityIdReusePolicy.RejectDuplicate;

        var refused = await Assert.ThrowsAsync<ActivityAlreadyStartedException>(() => StartEchoAsync(again));

        Assert.Equal((id, first.RunId), (refused.ActivityId, refused.RunId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_SameIdAfterCompletion_AllowDuplicateByDefault_StartsANewCurrentRun()
    {
        var id = NewActivityId("allow-duplicate");
        var first = await RunEchoAsync(ActivityOptions(id), "first");

        var second = await StartEchoAsync(ActivityOptions(id), "second");

        Assert.NotEqual(first.RunId, second.RunId);
        var current = await DescribeAsync(Client.GetActivityHandle(id));
        Assert.Equal((second.RunId, ActivityExecutionStatus.Running), (current.ActivityRunId, current.Status));
        Assert.Equal("echo:first", await Client.GetActivityHandle<string>(id, first.RunId).GetResultAsync(Rpc));
        Assert.Equal(2, (await Client.CountActivitiesAsync($"ActivityId = '{id}'", new() { Rpc = Rpc })).Count);
        await TerminateAsync(second);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_AllowDuplicateFailedOnly_RefusedAfterCompletion_AllowedAfterTermination()
    {
        var completedId = NewActivityId("failed-only-completed");
        await RunEchoAsync(ActivityOptions(completedId));
        var terminatedId = NewActivityId("failed-only-terminated");
        await TerminateAsync(await StartEchoAsync(ActivityOptions(terminatedId)));

        var afterCompletion = ActivityOptions(completedId);
        afterCompletion.IdReusePolicy = ActivityIdReusePolicy.AllowDuplicateFailedOnly;
        await Assert.ThrowsAsync<ActivityAlreadyStartedException>(() => StartEchoAsync(afterCompletion));
        var afterTermination = ActivityOptions(terminatedId);
        afterTermination.IdReusePolicy = ActivityIdReusePolicy.AllowDuplicateFailedOnly;
        var restarted = await StartEchoAsync(afterTermination);

        Assert.Equal(ActivityExecutionStatus.Running, (await DescribeAsync(restarted)).Status);
        await TerminateAsync(restarted);
    }

    // ---- Cancel ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_NoAttemptRunning_CanceledAtOnceWithTheReason()
    {
        var handle = await StartEchoAsync(ActivityOptions(NewActivityId("cancel-scheduled")));

        await CancelAsync(handle, "no longer needed");

        var canceled = await FailureOfAsync<CanceledFailureException>(handle);
        Assert.Equal("Activity canceled", canceled.Message);
        Assert.Equal("no longer needed", canceled.Details.ElementAt<string>(0));
        var description = await DescribeAsync(handle);
        Assert.Equal((ActivityExecutionStatus.Canceled, "no longer needed"), (description.Status, description.CanceledReason));
        Assert.NotNull(description.CloseTime);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_RunningActivity_ActivityHearsItThroughItsHeartbeat_AndEndsCanceled()
    {
        var options = ActivityOptions(NewActivityId("cancel-running"));
        options.HeartbeatTimeout = TimeSpan.FromSeconds(10);
        var (canceled, status) = await WithWorkerAsync(Worker(StandaloneActivities.HeartbeatUntilCancelledAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.HeartbeatUntilCancelledAsync(), options);
            await Eventually.UntilAsync(() => ActivityJournal.For(options.Id!).Contains("started"), "the activity to start", cancellationToken: Deadline);
            await CancelAsync(handle);
            return (await FailureOfAsync<CanceledFailureException>(handle), (await DescribeAsync(handle)).Status);
        });

        Assert.NotNull(canceled);
        Assert.Equal(ActivityExecutionStatus.Canceled, status);
        Assert.Contains($"cancelled:{ActivityCancelReason.CancelRequested}", ActivityJournal.For(options.Id!));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_WhileCancelRequested_SameRequestIdIsHarmless_AnotherIsRefused()
    {
        var options = ActivityOptions(NewActivityId("cancel-twice"));
        var (pending, refused, requestId) = await WithWorkerAsync(Worker(StandaloneActivities.HangAsync), async () =>
        {
            // The activity never heartbeats, so it cannot hear of the cancellation: the run stays cancel-requested.
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.HangAsync(), options);
            await Eventually.UntilAsync(() => ActivityJournal.For(options.Id!).Count > 0, "the activity to start", cancellationToken: Deadline);
            var cancel = new RequestCancelActivityExecutionRequest
            {
                Namespace = Namespace, ActivityId = handle.Id, RunId = handle.RunId, RequestId = Guid.NewGuid().ToString(), Reason = "first request", Identity = "tests",
            };
            await Service.RequestCancelActivityExecutionAsync(cancel, Rpc);
            await Service.RequestCancelActivityExecutionAsync(cancel, Rpc);
            var pending = await DescribeAsync(handle);
            var refused = await Assert.ThrowsAsync<RpcException>(() => CancelAsync(handle, "second request"));
            await TerminateAsync(handle);
            return (pending, refused, cancel.RequestId);
        });

        Assert.Equal((ActivityExecutionStatus.Running, PendingActivityState.CancelRequested), (pending.Status, pending.RunState));
        Assert.Equal("first request", pending.CanceledReason);
        Assert.Equal((RpcException.StatusCode.FailedPrecondition, $"cancellation already requested with request ID {requestId}"), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Cancel_CompletedActivity_FailedPrecondition()
    {
        var handle = await RunEchoAsync(ActivityOptions(NewActivityId("cancel-completed")));

        var refused = await Assert.ThrowsAsync<RpcException>(() => CancelAsync(handle));

        Assert.Equal((RpcException.StatusCode.FailedPrecondition, "activity is in terminal state Completed"), (refused.Code, refused.Message));
    }

    // ---- Terminate and delete ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_NoAttemptRunning_TerminatedWithTheReason()
    {
        var handle = await StartEchoAsync(ActivityOptions(NewActivityId("terminate-scheduled")));

        await TerminateAsync(handle, "stock recount");

        var terminated = await FailureOfAsync<TerminatedFailureException>(handle);
        Assert.Equal("stock recount", terminated.Message);
        var description = await DescribeAsync(handle);
        Assert.Equal(ActivityExecutionStatus.Terminated, description.Status);
        Assert.NotNull(description.CloseTime);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_RunningActivity_WorkerHearsOnItsNextHeartbeatThatTheActivityIsGone()
    {
        var options = ActivityOptions(NewActivityId("terminate-running"));
        options.HeartbeatTimeout = TimeSpan.FromSeconds(10);
        var terminated = await WithWorkerAsync(Worker(StandaloneActivities.HeartbeatUntilCancelledAsync), async () =>
        {
            var handle = await Client.StartActivityAsync(() => StandaloneActivities.HeartbeatUntilCancelledAsync(), options);
            await Eventually.UntilAsync(() => ActivityJournal.For(options.Id!).Contains("started"), "the activity to start", cancellationToken: Deadline);
            await TerminateAsync(handle);
            var terminated = await FailureOfAsync<TerminatedFailureException>(handle);
            await Eventually.UntilAsync(
                () => ActivityJournal.For(options.Id!).Any(e => e.StartsWith("cancelled:", StringComparison.Ordinal)), "the worker to hear of it", cancellationToken: Deadline);
            return terminated;
        });

        Assert.Equal("test over", terminated.Message);
        Assert.Contains($"cancelled:{ActivityCancelReason.GoneFromServer}", ActivityJournal.For(options.Id!));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_SameRequestIdAgainIsHarmless_AnotherIsRefused()
    {
        var handle = await StartEchoAsync(ActivityOptions(NewActivityId("terminate-twice")));
        var terminate = new TerminateActivityExecutionRequest
        {
            Namespace = Namespace, ActivityId = handle.Id, RunId = handle.RunId, RequestId = Guid.NewGuid().ToString(), Reason = "first", Identity = "tests",
        };

        await Service.TerminateActivityExecutionAsync(terminate, Rpc);
        await Service.TerminateActivityExecutionAsync(terminate, Rpc);
        var refused = await Assert.ThrowsAsync<RpcException>(() => TerminateAsync(handle, "second"));

        Assert.Equal((RpcException.StatusCode.FailedPrecondition, $"already terminated with request ID {terminate.RequestId}"), (refused.Code, refused.Message));
        Assert.Equal("first", (await FailureOfAsync<TerminatedFailureException>(handle)).Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Terminate_CompletedActivity_FailedPrecondition()
    {
        var handle = await RunEchoAsync(ActivityOptions(NewActivityId("terminate-completed")));

        var refused = await Assert.ThrowsAsync<RpcException>(() => TerminateAsync(handle));

        Assert.Equal(RpcException.StatusCode.FailedPrecondition, refused.Code);
        Assert.Equal(ActivityExecutionStatus.Completed, (await DescribeAsync(handle)).Status);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Delete_RunningActivity_IsGoneFromDescribeAndList()
    {
        var handle = await StartEchoAsync(ActivityOptions(NewActivityId("delete")));

        await Service.DeleteActivityExecutionAsync(new() { Namespace = Namespace, ActivityId = handle.Id, RunId = handle.RunId }, Rpc);

        var gone = await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await DescribeAsync(handle);
                    return null;
                }
                catch (RpcException e)
                {
                    return e;
                }
            },
            e => e is not null,
            "the activity to be deleted",
            cancellationToken: Deadline);
        Assert.Equal(RpcException.StatusCode.NotFound, gone!.Code);
        Assert.Empty(await ListActivitiesAsync($"ActivityId = '{handle.Id}'"));
    }

    // ---- List and count ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task List_ByActivityTypeIdStatusAndTaskQueue_ReturnsTheMatchingRuns()
    {
        var type = $"ListedEcho{Guid.NewGuid():N}";
        var idleQueue = $"{TaskQueue}-idle";
        var completed = await WithWorkerAsync(WorkerOptions().AddActivity(UniqueEcho(type)), async () =>
        {
            var handle = await Client.StartActivityAsync(type, ["done"], ActivityOptions(NewActivityId("listed-completed")));
            await handle.GetResultAsync(Rpc);
            return handle;
        });
        var running = await Client.StartActivityAsync(type, ["waiting"], ActivityOptions(NewActivityId("listed-running"), idleQueue));
        var terminated = await Client.StartActivityAsync(type, ["stopped"], ActivityOptions(NewActivityId("listed-terminated"), idleQueue));
        await TerminateAsync(terminated);

        var all = await ListActivitiesAsync($"ActivityType = '{type}'");
        Assert.Equal(new[] { completed.Id, running.Id, terminated.Id }.Order(), all.Select(a => a.ActivityId).Order());
        var byId = Assert.Single(await ListActivitiesAsync($"ActivityId = '{running.Id}'"));
        Assert.Equal((running.RunId, type, idleQueue, ActivityExecutionStatus.Running), (byId.ActivityRunId, byId.ActivityType, byId.TaskQueue, byId.Status));
        Assert.Null(byId.CloseTime);
        Assert.Equal([running.Id], (await ListActivitiesAsync($"ActivityType = '{type}' AND ExecutionStatus = 'Running'")).Select(a => a.ActivityId));
        var done = Assert.Single(await ListActivitiesAsync($"ActivityType = '{type}' AND ExecutionStatus = 'Completed'"));
        Assert.Equal((completed.Id, TaskQueue), (done.ActivityId, done.TaskQueue));
        Assert.NotNull(done.CloseTime);
        Assert.True(done.CloseTime >= done.ScheduleTime);
        Assert.Equal(new[] { running.Id, terminated.Id }.Order(), (await ListActivitiesAsync($"TaskQueue = '{idleQueue}'")).Select(a => a.ActivityId).Order());
        await TerminateAsync(running);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Count_ByQuery_AndGroupedByExecutionStatus()
    {
        var type = $"CountedEcho{Guid.NewGuid():N}";
        await WithWorkerAsync(WorkerOptions().AddActivity(UniqueEcho(type)), async () =>
        {
            await (await Client.StartActivityAsync(type, ["done"], ActivityOptions(NewActivityId("counted-completed")))).GetResultAsync(Rpc);
        });
        var idleQueue = $"{TaskQueue}-idle";
        var running = new List<ActivityHandle>();
        for (var i = 0; i < 2; i++)
        {
            running.Add(await Client.StartActivityAsync(type, ["waiting"], ActivityOptions(NewActivityId("counted-running"), idleQueue)));
        }

        await TerminateAsync(await Client.StartActivityAsync(type, ["stopped"], ActivityOptions(NewActivityId("counted-terminated"), idleQueue)));

        Assert.Equal(4, (await Client.CountActivitiesAsync($"ActivityType = '{type}'", new() { Rpc = Rpc })).Count);
        Assert.Equal(2, (await Client.CountActivitiesAsync($"ActivityType = '{type}' AND ExecutionStatus = 'Running'", new() { Rpc = Rpc })).Count);
        var grouped = await Client.CountActivitiesAsync($"ActivityType = '{type}' GROUP BY ExecutionStatus", new() { Rpc = Rpc });
        Assert.Equal(4, grouped.Count);
        Assert.Equal(
            new Dictionary<string, long> { ["Completed"] = 1, ["Running"] = 2, ["Terminated"] = 1 },
            grouped.Groups.ToDictionary(g => (string)Assert.Single(g.GroupValues), g => g.Count));
        foreach (var handle in running)
        {
            await TerminateAsync(handle);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ListPaginated_HonoursThePageSize()
    {
        var prefix = NewActivityId("paged");
        var handles = new List<ActivityHandle<string>>();
        for (var i = 0; i < 3; i++)
        {
            handles.Add(await StartEchoAsync(ActivityOptions($"{prefix}-{i}")));
        }

        var query = $"TaskQueue = '{TaskQueue}'";
        var options = new ActivityListPaginatedOptions { PageSize = 2, Rpc = Rpc };
        var first = await Client.ListActivitiesPaginatedAsync(query, null, options);
        Assert.Equal(2, first.Activities.Count);
        Assert.NotNull(first.NextPageToken);
        var second = await Client.ListActivitiesPaginatedAsync(query, first.NextPageToken, options);
        Assert.Single(second.Activities);
        Assert.Null(second.NextPageToken);
        Assert.Equal(handles.Select(h => h.Id).Order(), first.Activities.Concat(second.Activities).Select(a => a.ActivityId).Order());
        foreach (var handle in handles)
        {
            await TerminateAsync(handle);
        }
    }

    // ---- Refusals ----

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Start_BackoffCoefficientBelowOne_InvalidArgument()
    {
        var options = ActivityOptions(NewActivityId("bad-backoff"));
        options.RetryPolicy = new() { BackoffCoefficient = 0.5f };

        var refused = await Assert.ThrowsAsync<RpcException>(() => StartEchoAsync(options));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
        Assert.Contains("BackoffCoefficient cannot be less than 1", refused.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("no activity ID", "activityId is not set")]
    [InlineData("no activity type", "activityType is not set")]
    [InlineData("no task queue", "taskQueue is not set")]
    [InlineData("empty task queue name", "missing task queue name")]
    [InlineData("system task queue", "task queue name cannot start with reserved prefix /_sys/")]
    [InlineData("internal task queue", "cannot use internal per-namespace task queue:temporal-sys-per-ns-tq")]
    [InlineData("negative maximum attempts", "MaximumAttempts cannot be negative on retry policy.")]
    [InlineData("maximum interval below initial", "MaximumInterval cannot be less than InitialInterval on retry policy.")]
    [InlineData("activity ID over 1000 bytes", "activityId exceeds length limit. Length=1200 Limit=1000")] // 600 characters
    [InlineData("no timeouts", "a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId={0} ActivityType=Echo")]
    public async Task Start_InvalidRequest_RefusedWithTemporalsMessage(string flaw, string message)
    {
        var request = RawStart(NewActivityId("invalid"));
        switch (flaw)
        {
            case "no activity ID": request.ActivityId = string.Empty; break;
            case "no activity type": request.ActivityType = null; break;
            case "activity ID over 1000 bytes": request.ActivityId = new string('é', 600); break;
            case "no task queue": request.TaskQueue = null; break;
            case "empty task queue name": request.TaskQueue.Name = string.Empty; break;
            case "system task queue": request.TaskQueue.Name = "/_sys/standalone"; break;
            case "internal task queue": request.TaskQueue.Name = "temporal-sys-per-ns-tq"; break;
            case "negative maximum attempts": request.RetryPolicy = new() { MaximumAttempts = -1 }; break;
            case "maximum interval below initial":
                request.RetryPolicy = new() { InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)), MaximumInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };
                break;
            case "no timeouts": request.StartToCloseTimeout = null; break;
            default: throw new ArgumentOutOfRangeException(nameof(flaw), flaw, null);
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.StartActivityExecutionAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, string.Format(System.Globalization.CultureInfo.InvariantCulture, message, request.ActivityId)), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UnknownActivityId_DescribeResultCancelAndTerminate_NotFound()
    {
        var unknown = Client.GetActivityHandle(NewActivityId("unknown"));
        var expected = (RpcException.StatusCode.NotFound, $"activity not found for ID: {unknown.Id}");

        foreach (var call in new Func<Task>[] { () => DescribeAsync(unknown), () => unknown.GetResultAsync(Rpc), () => CancelAsync(unknown), () => TerminateAsync(unknown) })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(expected, (refused.Code, refused.Message));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RunId_NotAUuid_InvalidArgument_AndAnUnknownRunOfAKnownId_NotFound()
    {
        var handle = await StartEchoAsync(ActivityOptions(NewActivityId("run-ids")));

        var malformed = await Assert.ThrowsAsync<RpcException>(() => DescribeAsync(Client.GetActivityHandle(handle.Id, "not-a-uuid")));
        var unknownRun = await Assert.ThrowsAsync<RpcException>(() => DescribeAsync(Client.GetActivityHandle(handle.Id, Guid.NewGuid().ToString())));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "invalid run id: must be a valid UUID"), (malformed.Code, malformed.Message));
        Assert.Equal(RpcException.StatusCode.NotFound, unknownRun.Code);
        await TerminateAsync(handle);
    }
}
