using Google.Protobuf;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// What Temporal records and answers beyond the happy path's events: the order of a buffered batch, what a forced
/// close keeps, the defaults it writes into events, list rows as its visibility keeps them, its NOT_FOUND messages.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class RecordedFieldsTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private RawWorker Raw => new(Client, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ABufferedBatch_IsWrittenWithActivityResultsLast_TheirStartedEventLinkedAllTheSame()
    {
        var queue = NewWorkflowId("buffer-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("buffer-order"), queue);
        var first = await Raw.PollAsync(queue);
        var fireAfter = TimeSpan.FromSeconds(4);
        await Raw.CompleteAsync(first, RawWorker.ScheduleActivity("a", queue, eager: false), RawWorker.StartTimer("t", fireAfter));
        var fires = DateTime.UtcNow + fireAfter;
        var activity = await Raw.PollActivityAsync(queue);

        // A signal makes a task; while it runs, the activity completes first, then the timer fires.
        await handle.SignalAsync("poke", Array.Empty<object?>(), new() { Rpc = Rpc });
        var running = await Raw.PollAsync(queue);
        await Raw.CompleteActivityAsync(activity.TaskToken);
        Assert.True(DateTime.UtcNow < fires, "the activity completed before the timer's fire time");
        await Eventually.UntilAsync(() => DateTime.UtcNow > fires + TimeSpan.FromMilliseconds(300), "the timer's fire time");
        await Raw.CompleteAsync(running);

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var afterTask = events.SkipWhile(e => e.EventType != EventType.WorkflowTaskCompleted).Skip(1)
            .SkipWhile(e => e.EventType != EventType.WorkflowTaskCompleted).Skip(1).Select(e => e.EventType).ToList();
        Assert.Equal(
            [EventType.ActivityTaskStarted, EventType.TimerFired, EventType.ActivityTaskCompleted, EventType.WorkflowTaskScheduled],
            afterTask);
        var started = events.Single(e => e.EventType == EventType.ActivityTaskStarted);
        Assert.Equal(started.EventId, events.Single(e => e.EventType == EventType.ActivityTaskCompleted).ActivityTaskCompletedEventAttributes.StartedEventId);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CancellingAFiredTimer_NamesItsStartedEvent_AndANotStartedActivitysCancelSaysSo()
    {
        var queue = NewWorkflowId("cancel-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("cancel-fields"), queue);
        var fireAfter = TimeSpan.FromMilliseconds(300);
        var first = await Raw.PollAsync(queue);
        await Raw.Service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = Client.Options.Namespace,
            TaskToken = first.TaskToken,
            Identity = RawWorker.Identity,
            ForceCreateNewWorkflowTask = true,
            Commands = { RawWorker.StartTimer("t", fireAfter), RawWorker.ScheduleActivity("never-polled", queue + "-nobody", eager: false) },
        }, Rpc);
        var fires = DateTime.UtcNow + fireAfter;
        var second = await Raw.PollAsync(queue);
        await Eventually.UntilAsync(() => DateTime.UtcNow > fires + TimeSpan.FromMilliseconds(200), "the timer's fire time");
        var scheduledId = second.History.Events.Concat((await handle.FetchHistoryAsync(HistoryRpc)).Events)
            .First(e => e.EventType == EventType.ActivityTaskScheduled).EventId;

        await Raw.CompleteAsync(second, RawWorker.CancelTimer("t"), new Command
        {
            CommandType = CommandType.RequestCancelActivityTask,
            RequestCancelActivityTaskCommandAttributes = new() { ScheduledEventId = scheduledId },
        });

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var timerStarted = events.Single(e => e.EventType == EventType.TimerStarted);
        Assert.Equal(timerStarted.EventId, events.Single(e => e.EventType == EventType.TimerCanceled).TimerCanceledEventAttributes.StartedEventId);
        var canceled = events.Single(e => e.EventType == EventType.ActivityTaskCanceled).ActivityTaskCanceledEventAttributes;
        Assert.Equal("\"ACTIVITY_ID_NOT_STARTED\"", canceled.Details.Payloads_.Single().Data.ToStringUtf8());
        Assert.Equal(RawWorker.Identity, canceled.Identity);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TerminateWhileATaskRuns_KeepsTheSignalsThatArrived_AndTheServerFailsTheTask()
    {
        var queue = NewWorkflowId("terminate-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("terminate-buffer"), queue);
        _ = await Raw.PollAsync(queue);
        await handle.SignalAsync("while-running", Array.Empty<object?>(), new() { Rpc = Rpc });

        await handle.TerminateAsync("operator", new() { Rpc = Rpc });

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        Assert.Equal(
            [EventType.WorkflowTaskFailed, EventType.WorkflowExecutionSignaled, EventType.WorkflowExecutionTerminated],
            events.TakeLast(3).Select(e => e.EventType));
        var failed = events[^3].WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.ForceCloseCommand, failed.Cause);
        Assert.Equal("history-service", failed.Identity);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Defaults_TemporalWritesIntoTheEvents_RetryPolicyChildPoliciesAndHeartbeatCap()
    {
        var queue = NewWorkflowId("defaults-queue");
        var parentId = NewWorkflowId("defaults");
        var handle = await Client.StartWorkflowAsync("RawWorkflow", Array.Empty<object?>(), new(parentId, queue)
        {
            Rpc = Rpc,
            RetryPolicy = new() { MaximumAttempts = 3, InitialInterval = TimeSpan.FromSeconds(2) },
        });
        var task = await Raw.PollAsync(queue);
        var child = new Command
        {
            CommandType = CommandType.StartChildWorkflowExecution,
            StartChildWorkflowExecutionCommandAttributes = new()
            {
                WorkflowId = NewWorkflowId("defaults-child"),
                WorkflowType = new() { Name = "RawWorkflow" },
                TaskQueue = new TaskQueue { Name = queue + "-child" },
                RetryPolicy = new RetryPolicy { MaximumAttempts = 2 },
                CronSchedule = "@every 1h",
            },
        };
        var activity = RawWorker.ScheduleActivity("hb", queue, eager: false);
        activity.ScheduleActivityTaskCommandAttributes.StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10));
        activity.ScheduleActivityTaskCommandAttributes.ScheduleToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1));
        activity.ScheduleActivityTaskCommandAttributes.HeartbeatTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30));
        await Raw.CompleteAsync(task, child, activity);

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        // A workflow's explicit policy gets the unset fields filled: maximum interval 100 × the initial one.
        var policy = events[0].WorkflowExecutionStartedEventAttributes.RetryPolicy;
        Assert.Equal((2.0, TimeSpan.FromSeconds(200), 3), (policy.BackoffCoefficient, policy.MaximumInterval.ToTimeSpan(), policy.MaximumAttempts));
        var initiated = events.Single(e => e.EventType == EventType.StartChildWorkflowExecutionInitiated).StartChildWorkflowExecutionInitiatedEventAttributes;
        Assert.Equal(ParentClosePolicy.Terminate, initiated.ParentClosePolicy);
        Assert.Equal(WorkflowIdReusePolicy.AllowDuplicate, initiated.WorkflowIdReusePolicy);
        Assert.Equal("@every 1h", initiated.CronSchedule);
        Assert.Equal(
            (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(100), 2.0),
            (initiated.RetryPolicy.InitialInterval.ToTimeSpan(), initiated.RetryPolicy.MaximumInterval.ToTimeSpan(), initiated.RetryPolicy.BackoffCoefficient));
        // The heartbeat timeout is capped at start-to-close, not at schedule-to-close.
        var scheduled = events.Single(e => e.EventType == EventType.ActivityTaskScheduled).ActivityTaskScheduledEventAttributes;
        Assert.Equal(TimeSpan.FromSeconds(10), scheduled.HeartbeatTimeout.ToTimeSpan());

        await Client.GetWorkflowHandle(initiated.WorkflowId).TerminateAsync("done", new() { Rpc = Rpc });
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ARetryPolicyTemporalRefuses_IsRefused_WithItsReason()
    {
        async Task<string> RefusedAsync(RetryPolicy policy)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => StartRawAsync(NewWorkflowId("bad-retry"), policy));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
            return error.Message;
        }

        Assert.Equal("invalid InitialInterval set on retry policy: negative duration", await RefusedAsync(new() { InitialInterval = new Duration { Seconds = -1 } }));
        // Unset, the initial interval is 1 s, more than this maximum.
        Assert.Equal("MaximumInterval cannot be less than InitialInterval on retry policy.", await RefusedAsync(new() { MaximumInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500)) }));
        Assert.Equal("Invalid timeout type value: Sometime.", await RefusedAsync(new() { NonRetryableErrorTypes = { "TemporalTimeout:Sometime" } }));

        // One attempt never retries: Temporal checks nothing else.
        var singleId = NewWorkflowId("single-attempt");
        var single = await StartRawAsync(singleId, new() { MaximumAttempts = 1, BackoffCoefficient = 0.5 });
        Assert.NotEmpty(single.RunId);
        await Client.GetWorkflowHandle(singleId).TerminateAsync("done", new() { Rpc = Rpc });
        Assert.Equal(
            "TemporalTimeout:StartToClose",
            (await RefusedOrStartedAsync(new() { NonRetryableErrorTypes = { "TemporalTimeout:StartToClose" } })).NonRetryableErrorTypes.Single());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ContinueAsNew_RecordsTheCommandsMemo_WithoutItsNullFields()
    {
        var queue = NewWorkflowId("can-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("can-memo"), queue);
        var task = await Raw.PollAsync(queue);
        var memo = new Memo();
        memo.Fields["stage"] = new Payload { Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain") }, Data = ByteString.CopyFromUtf8("\"second\"") };
        memo.Fields["gone"] = new Payload { Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain") }, Data = ByteString.CopyFromUtf8("null") };
        await Raw.CompleteAsync(task, new Command
        {
            CommandType = CommandType.ContinueAsNewWorkflowExecution,
            ContinueAsNewWorkflowExecutionCommandAttributes = new()
            {
                WorkflowType = new() { Name = "RawWorkflow" },
                TaskQueue = new TaskQueue { Name = queue },
                Memo = memo,
            },
        });

        var events = (await Client.GetWorkflowHandle(handle.Id, runId: handle.ResultRunId).FetchHistoryAsync(HistoryRpc)).Events;
        var continued = events.Last().WorkflowExecutionContinuedAsNewEventAttributes;
        Assert.Equal(["stage"], continued.Memo.Fields.Keys);
        var next = (await Client.GetWorkflowHandle(handle.Id).FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
        Assert.Equal(string.Empty, next.Identity); // Temporal starts the new run with no identity

        await Client.GetWorkflowHandle(handle.Id).TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ContinueAsNew_CarriesTheResetPoints_ThePreviousRunsExpiringARetentionAfterTheNewStart()
    {
        var queue = NewWorkflowId("can-reset-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("can-reset"), queue);
        await Raw.CompleteAsync(await Raw.PollAsync(queue), new Command
        {
            CommandType = CommandType.ContinueAsNewWorkflowExecution,
            ContinueAsNewWorkflowExecutionCommandAttributes = new() { WorkflowType = new() { Name = "RawWorkflow" }, TaskQueue = new TaskQueue { Name = queue } },
        });

        var first = (await DescribeRawAsync(handle.Id, handle.ResultRunId)).WorkflowExecutionInfo.AutoResetPoints.Points.Single();
        Assert.Equal(handle.ResultRunId, first.RunId);
        Assert.Null(first.ExpireTime);
        var started = (await Client.GetWorkflowHandle(handle.Id).FetchHistoryAsync(HistoryRpc)).Events.First();
        Assert.Equal(first, started.WorkflowExecutionStartedEventAttributes.PrevAutoResetPoints.Points.Single());

        // The new run's own completions by the same worker add no point (the pair is known); the carried one expires.
        var retention = (await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc))
            .Config.WorkflowExecutionRetentionTtl.ToTimeSpan();
        await Raw.CompleteAsync(await Raw.PollAsync(queue));
        var carried = (await DescribeRawAsync(handle.Id)).WorkflowExecutionInfo.AutoResetPoints.Points.Single();
        Assert.Equal((handle.ResultRunId, first.FirstWorkflowTaskCompletedId), (carried.RunId, carried.FirstWorkflowTaskCompletedId));
        Assert.Equal(started.EventTime.ToDateTime() + retention, carried.ExpireTime.ToDateTime());

        await Client.GetWorkflowHandle(handle.Id).TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ContinueAsNew_SoonerThanASecondAfterTheRunBegan_IsHeldBack_ALongerBackoffKept()
    {
        var queue = NewWorkflowId("can-min-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("can-min"), queue);
        Command ContinueAsNew(TimeSpan? backoff) => new()
        {
            CommandType = CommandType.ContinueAsNewWorkflowExecution,
            ContinueAsNewWorkflowExecutionCommandAttributes = new()
            {
                WorkflowType = new() { Name = "RawWorkflow" },
                TaskQueue = new TaskQueue { Name = queue },
                BackoffStartInterval = backoff is { } b ? Duration.FromTimeSpan(b) : null,
            },
        };

        await Raw.CompleteAsync(await Raw.PollAsync(queue), ContinueAsNew(null));
        var second = (await Client.GetWorkflowHandle(handle.Id).FetchHistoryAsync(HistoryRpc)).Events.First();
        var held = second.WorkflowExecutionStartedEventAttributes.FirstWorkflowTaskBackoff.ToTimeSpan();
        // Temporal's history.workflowIdReuseMinimalInterval: the new run begins a second after the previous one did.
        Assert.InRange(held, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        var task = await Raw.PollAsync(queue);
        Assert.True(task.StartedTime.ToDateTime() >= second.EventTime.ToDateTime() + held, "the second run's task waited for the backoff");

        await Task.Delay(TimeSpan.FromSeconds(1), Deadline);
        await Raw.CompleteAsync(task, ContinueAsNew(TimeSpan.FromSeconds(2)));
        var third = (await Client.GetWorkflowHandle(handle.Id).FetchHistoryAsync(HistoryRpc)).Events.First();
        Assert.Equal(TimeSpan.FromSeconds(2), third.WorkflowExecutionStartedEventAttributes.FirstWorkflowTaskBackoff.ToTimeSpan());
        await Client.GetWorkflowHandle(handle.Id).TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task APendingActivityWaitingToRetry_ShowsWhenAndAfterWhatInterval()
    {
        var queue = NewWorkflowId("retry-info-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("retry-info"), queue);
        var schedule = RawWorker.ScheduleActivity("flaky", queue, eager: false);
        schedule.ScheduleActivityTaskCommandAttributes.RetryPolicy = new RetryPolicy { InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) };
        await Raw.CompleteAsync(await Raw.PollAsync(queue), schedule);
        var attempt = await Raw.PollActivityAsync(queue);
        await Raw.Service.RespondActivityTaskFailedAsync(new()
        {
            Namespace = Client.Options.Namespace,
            TaskToken = attempt.TaskToken,
            Failure = new() { Message = "try again", ApplicationFailureInfo = new() },
        }, Rpc);

        var pending = (await DescribeRawAsync(handle.Id)).PendingActivities.Single();
        Assert.Equal((PendingActivityState.Scheduled, 2), (pending.State, pending.Attempt));
        Assert.Equal(TimeSpan.FromSeconds(30), pending.CurrentRetryInterval.ToTimeSpan());
        Assert.Equal(pending.LastAttemptCompleteTime.ToDateTime() + TimeSpan.FromSeconds(30), pending.NextAttemptScheduleTime.ToDateTime());
        Assert.Equal(pending.NextAttemptScheduleTime, pending.ScheduledTime);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ListRows_OfOpenRuns_CarryNoCounts_AsTemporalsVisibilityRecordsThemAtClose()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("list-counts"), NewWorkflowId("list-queue"));
        var open = Assert.Single(await ListAsync($"WorkflowId = '{handle.Id}'"));
        Assert.Equal(0, open.HistoryLength);
        Assert.True((await handle.DescribeAsync(new() { Rpc = Rpc })).HistoryLength > 0); // describe reads the run itself

        await handle.TerminateAsync("done", new() { Rpc = Rpc });
        var closed = Assert.Single(await ListAsync($"WorkflowId = '{handle.Id}'"));
        Assert.Equal(3, closed.HistoryLength);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task NotFound_SaysWhatTemporalSays()
    {
        var missing = NewWorkflowId("missing");
        var runId = Guid.NewGuid().ToString();
        var noRun = await Assert.ThrowsAsync<RpcException>(() => Client.GetWorkflowHandle(missing).DescribeAsync(new() { Rpc = Rpc }));
        var withRun = await Assert.ThrowsAsync<RpcException>(() => Client.GetWorkflowHandle(missing, runId).DescribeAsync(new() { Rpc = Rpc }));

        Assert.Equal((RpcException.StatusCode.NotFound, $"workflow not found for ID: {missing}"), (noRun.Code, noRun.Message));
        Assert.Equal($"workflow execution not found for workflow ID \"{missing}\" and run ID \"{runId}\"", withRun.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task HistoryPages_HoldAtMost256Events_WhateverPageSizeIsAsked()
    {
        var handle = await Raw.StartAsync(NewWorkflowId("paging"), NewWorkflowId("paging-queue"));
        for (var i = 0; i < 300; i++)
        {
            await handle.SignalAsync("s", Array.Empty<object?>(), new() { Rpc = Rpc });
        }

        foreach (var asked in new[] { 0, 1000 })
        {
            var page = await Client.Connection.WorkflowService.GetWorkflowExecutionHistoryAsync(
                new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id }, MaximumPageSize = asked }, Rpc);
            Assert.Equal(256, page.History.Events.Count);
            Assert.False(page.NextPageToken.IsEmpty);
        }

        Assert.Equal(302, (await handle.FetchHistoryAsync(HistoryRpc)).Events.Count); // the SDK follows the pages
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalExternal_IsSentByTheHistoryService_AndTheSourceRecordsTheRunItNamed()
    {
        var queue = NewWorkflowId("external-queue");
        var target = await Raw.StartAsync(NewWorkflowId("external-target"), NewWorkflowId("target-queue"));
        var source = await Raw.StartAsync(NewWorkflowId("external-source"), queue);
        var task = await Raw.PollAsync(queue);
        await Raw.CompleteAsync(task, new Command
        {
            CommandType = CommandType.SignalExternalWorkflowExecution,
            SignalExternalWorkflowExecutionCommandAttributes = new()
            {
                Execution = new() { WorkflowId = target.Id },
                SignalName = "hello",
            },
        });

        var signaled = await Eventually.UntilAsync(
            async () => (await target.FetchHistoryAsync(HistoryRpc)).Events.FirstOrDefault(e => e.EventType == EventType.WorkflowExecutionSignaled),
            e => e is not null,
            "the signal on the target");
        Assert.Equal("history-service", signaled!.WorkflowExecutionSignaledEventAttributes.Identity);
        var recorded = await Eventually.UntilAsync(
            async () => (await source.FetchHistoryAsync(HistoryRpc)).Events.FirstOrDefault(e => e.EventType == EventType.ExternalWorkflowExecutionSignaled),
            e => e is not null,
            "the source's record of it");
        Assert.Equal(string.Empty, recorded!.ExternalWorkflowExecutionSignaledEventAttributes.WorkflowExecution.RunId);

        await target.TerminateAsync("done", new() { Rpc = Rpc });
        await source.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task EveryEvent_HasATaskId_GrowingInHistoryOrder_AcrossRuns()
    {
        var queue = NewWorkflowId("task-id-queue");
        var first = await Raw.StartAsync(NewWorkflowId("task-id-a"), queue);
        var second = await Raw.StartAsync(NewWorkflowId("task-id-b"), queue);
        await Raw.CompleteAsync(await Raw.PollAsync(queue), RawWorker.StartTimer("t", TimeSpan.FromHours(1)));
        await Raw.CompleteAsync(await Raw.PollAsync(queue), RawWorker.StartTimer("t", TimeSpan.FromHours(1)));
        await first.SignalAsync("poke", Array.Empty<object?>(), new() { Rpc = Rpc });

        var a = (await first.FetchHistoryAsync(HistoryRpc)).Events.Select(e => e.TaskId).ToList();
        var b = (await second.FetchHistoryAsync(HistoryRpc)).Events.Select(e => e.TaskId).ToList();
        // Temporal's IDs come from one shard-wide sequence: each event has its own, later events larger ones.
        Assert.All(a.Concat(b), id => Assert.True(id > 0));
        Assert.Equal(a.Order(), a);
        Assert.Equal(b.Order(), b);
        Assert.Equal(a.Count + b.Count, a.Concat(b).Distinct().Count());
        Assert.True(a[^1] > b[^1], "the signal's event, written last, has the largest ID");

        await first.TerminateAsync("done", new() { Rpc = Rpc });
        await second.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task HistorySize_IsTheStoredBlobs_EachEventWithItsTagAndLengthPrefix()
    {
        var queue = NewWorkflowId("size-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("size"), queue);
        await Raw.CompleteAsync(await Raw.PollAsync(queue), RawWorker.StartTimer("t", TimeSpan.FromHours(1)));
        await handle.SignalAsync("poke", ["some input"], new() { Rpc = Rpc });
        await Raw.PollAsync(queue);

        // Temporal counts len(proto History{events}) per stored batch: per event, a tag byte, a length varint, the event.
        static long BlobSize(IEnumerable<Temporalio.Api.History.V1.HistoryEvent> events) =>
            events.Sum(e => 1 + CodedOutputStream.ComputeLengthSize(e.CalculateSize()) + e.CalculateSize());
        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var started = events.Last(e => e.EventType == EventType.WorkflowTaskStarted);
        Assert.Equal(BlobSize(events.TakeWhile(e => e.EventId < started.EventId)), started.WorkflowTaskStartedEventAttributes.HistorySizeBytes);
        var described = await DescribeRawAsync(handle.Id);
        Assert.Equal(BlobSize(events), described.WorkflowExecutionInfo.HistorySizeBytes);

        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AClosedRun_StillListsWhatWasPendingWhenItClosed()
    {
        var queue = NewWorkflowId("closed-pending-queue");
        var handle = await Raw.StartAsync(NewWorkflowId("closed-pending"), queue);
        var childId = NewWorkflowId("closed-pending-child");
        await Raw.CompleteAsync(
            await Raw.PollAsync(queue),
            RawWorker.ScheduleActivity("left", queue + "-nobody", eager: false),
            new Command
            {
                CommandType = CommandType.StartChildWorkflowExecution,
                StartChildWorkflowExecutionCommandAttributes = new()
                {
                    WorkflowId = childId,
                    WorkflowType = new() { Name = "RawWorkflow" },
                    TaskQueue = new TaskQueue { Name = queue + "-child" },
                    ParentClosePolicy = ParentClosePolicy.Abandon,
                },
            });
        // The child's start brings the next task; the workflow completes without waiting for either.
        await Raw.CompleteAsync(await Raw.PollAsync(queue), RawWorker.CompleteWorkflow());

        // Temporal keeps them in the closed run's mutable state, and describe shows them as they were.
        var described = await DescribeRawAsync(handle.Id);
        Assert.Equal(WorkflowExecutionStatus.Completed, described.WorkflowExecutionInfo.Status);
        var activity = Assert.Single(described.PendingActivities);
        Assert.Equal(("left", PendingActivityState.Scheduled), (activity.ActivityId, activity.State));
        var child = Assert.Single(described.PendingChildren);
        Assert.Equal((childId, ParentClosePolicy.Abandon), (child.WorkflowId, child.ParentClosePolicy));
        Assert.Null(described.PendingWorkflowTask);

        await Client.GetWorkflowHandle(childId).TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildAndExternalEvents_AndDescribe_NameTheNamespaceByItsId()
    {
        var namespaceId = (await Client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = Client.Options.Namespace }, Rpc)).NamespaceInfo.Id;
        Assert.NotEmpty(namespaceId);
        var queue = NewWorkflowId("ns-id-queue");
        var target = await Raw.StartAsync(NewWorkflowId("ns-id-target"), NewWorkflowId("ns-id-target-queue"));
        var parent = await Raw.StartAsync(NewWorkflowId("ns-id-parent"), queue);
        var childId = NewWorkflowId("ns-id-child");
        await Raw.CompleteAsync(
            await Raw.PollAsync(queue),
            new Command
            {
                CommandType = CommandType.StartChildWorkflowExecution,
                StartChildWorkflowExecutionCommandAttributes = new()
                {
                    WorkflowId = childId,
                    WorkflowType = new() { Name = "RawWorkflow" },
                    TaskQueue = new TaskQueue { Name = queue + "-child" },
                },
            },
            new Command
            {
                CommandType = CommandType.SignalExternalWorkflowExecution,
                SignalExternalWorkflowExecutionCommandAttributes = new() { Execution = new() { WorkflowId = target.Id }, SignalName = "hello" },
            });
        await Eventually.UntilAsync(
            async () => (await parent.FetchHistoryAsync(HistoryRpc)).Events.Select(e => e.EventType).ToList(),
            types => types.Contains(EventType.ChildWorkflowExecutionStarted) && types.Contains(EventType.ExternalWorkflowExecutionSignaled),
            "the child's start and the signal recorded on the parent");
        var child = Client.GetWorkflowHandle(childId);
        await child.TerminateAsync("done", new() { Rpc = Rpc });
        var events = await Eventually.UntilAsync(
            async () => (await parent.FetchHistoryAsync(HistoryRpc)).Events.ToList(),
            all => all.Any(e => e.EventType == EventType.ChildWorkflowExecutionTerminated),
            "the child's close recorded on the parent");

        // Temporal's event factory writes the target namespace's ID beside its name on each of these events.
        Assert.Equal(
            Enumerable.Repeat(namespaceId, 5),
            new[]
            {
                events.Single(e => e.EventType == EventType.StartChildWorkflowExecutionInitiated).StartChildWorkflowExecutionInitiatedEventAttributes.NamespaceId,
                events.Single(e => e.EventType == EventType.ChildWorkflowExecutionStarted).ChildWorkflowExecutionStartedEventAttributes.NamespaceId,
                events.Single(e => e.EventType == EventType.ChildWorkflowExecutionTerminated).ChildWorkflowExecutionTerminatedEventAttributes.NamespaceId,
                events.Single(e => e.EventType == EventType.SignalExternalWorkflowExecutionInitiated).SignalExternalWorkflowExecutionInitiatedEventAttributes.NamespaceId,
                events.Single(e => e.EventType == EventType.ExternalWorkflowExecutionSignaled).ExternalWorkflowExecutionSignaledEventAttributes.NamespaceId,
            });
        var childStarted = (await child.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes;
        Assert.Equal((Client.Options.Namespace, namespaceId), (childStarted.ParentWorkflowNamespace, childStarted.ParentWorkflowNamespaceId));
        var described = await DescribeRawAsync(childId);
        Assert.Equal(namespaceId, described.WorkflowExecutionInfo.ParentNamespaceId);

        await target.TerminateAsync("done", new() { Rpc = Rpc });
        await parent.TerminateAsync("done", new() { Rpc = Rpc });
    }

    private async Task<RetryPolicy> RefusedOrStartedAsync(RetryPolicy policy)
    {
        var id = NewWorkflowId("retry-ok");
        await StartRawAsync(id, policy);
        var handle = Client.GetWorkflowHandle(id);
        var started = (await handle.FetchHistoryAsync(HistoryRpc)).Events.First().WorkflowExecutionStartedEventAttributes.RetryPolicy;
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
        return started;
    }

    /// <summary>A start of a workflow no worker runs, with <paramref name="policy"/> as its retry policy, straight through the RPC.</summary>
    private Task<StartWorkflowExecutionResponse> StartRawAsync(string id, RetryPolicy policy) =>
        Client.Connection.WorkflowService.StartWorkflowExecutionAsync(
            new StartWorkflowExecutionRequest
            {
                Namespace = Client.Options.Namespace,
                WorkflowId = id,
                WorkflowType = new() { Name = "RawWorkflow" },
                TaskQueue = new TaskQueue { Name = "bad-retry" },
                RequestId = Guid.NewGuid().ToString(),
                RetryPolicy = policy,
            },
            Rpc);
}
