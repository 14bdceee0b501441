using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Issue 13: schedules through the SDK's schedule client (create, describe, list, update, pause, trigger,
/// backfill, delete) and the raw ListScheduleMatchingTimes, as a Temporal server runs them.
/// </summary>
[Collection(SchedulesCollection.Name)]
public sealed class ScheduleTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private static readonly SearchAttributeKey<string> ScheduledById = SearchAttributeKey.CreateKeyword("TemporalScheduledById");
    private static readonly SearchAttributeKey<DateTimeOffset> ScheduledStartTime = SearchAttributeKey.CreateDateTimeOffset("TemporalScheduledStartTime");
    private static readonly SearchAttributeKey<string> CustomKeyword = SearchAttributeKey.CreateKeyword("CustomKeywordField");

    // A spec that never fires on its own while a test runs (backfills and triggers still act).
    private static readonly ScheduleSpec EveryMinute = new() { Intervals = [new(TimeSpan.FromMinutes(1))] };

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Create_Describe_ShowsCanonicalSpecPoliciesStateAndMemo_AndRefusesADuplicateId()
    {
        var action = ChainAction(failAt: 0) with { };
        action.Options.Memo = new Dictionary<string, object> { ["owner"] = "inventory" };
        var schedule = new Schedule(action, new ScheduleSpec
        {
            Calendars = [new() { Second = [new(1)], Minute = [new(2, 3)], Hour = [new(4, 5, 6)], DayOfMonth = [new(7)], Month = [new(9)], Year = [new(2080)], Comment = "calendar" }],
            Intervals = [new(TimeSpan.FromDays(10), TimeSpan.FromDays(2))],
            CronExpressions = ["0 12 * * MON"],
            Skip = [new() { Year = [new(2050)] }],
            StartAt = new DateTime(2060, 7, 8, 9, 10, 11, DateTimeKind.Utc),
            Jitter = TimeSpan.FromSeconds(80),
        })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.BufferOne, CatchupWindow = TimeSpan.FromMinutes(5), PauseOnFailure = true },
            State = new() { Note = "created paused", Paused = true, LimitedActions = true, RemainingActions = 30 },
        };
        var handle = await Client.CreateScheduleAsync(ScheduleId("describe"), schedule, new() { Memo = new Dictionary<string, object> { ["team"] = "warehouse" } });

        var described = await handle.DescribeAsync(Rpc);

        var describedAction = Assert.IsType<ScheduleActionStartWorkflow>(described.Schedule.Action);
        Assert.Equal("ScheduledChainWorkflow", describedAction.Workflow);
        Assert.Equal(action.Options.Id, describedAction.Options.Id);
        Assert.Equal("inventory", await Assert.IsType<EncodedRawValue>(describedAction.Options.Memo!["owner"]).ToValueAsync<string>());
        Assert.Equal("warehouse", await described.Memo["team"].ToValueAsync<string>());
        var spec = described.Schedule.Spec;
        Assert.Empty(spec.CronExpressions); // the cron string became a calendar, as Temporal stores it
        Assert.Equal(2, spec.Calendars.Count);
        var fromCron = spec.Calendars.Last();
        Assert.Equal([new(0, 0, 1)], fromCron.Second);
        Assert.Equal([new(12, 12, 1)], fromCron.Hour);
        Assert.Equal([new(1, 31, 1)], fromCron.DayOfMonth);
        Assert.Equal([new(1, 1, 1)], fromCron.DayOfWeek);
        Assert.Equal([new(2, 3, 1)], spec.Calendars.First().Minute);
        Assert.Equal(TimeSpan.FromDays(2), spec.Intervals.Single().Offset);
        Assert.Equal(schedule.Spec.StartAt, spec.StartAt);
        Assert.Equal(TimeSpan.FromSeconds(80), spec.Jitter);
        Assert.Equal(schedule.Policy, described.Schedule.Policy);
        Assert.Equal(schedule.State, described.Schedule.State);
        Assert.Equal(0, described.Info.NumActions);
        Assert.Equal(10, described.Info.NextActionTimes.Count);
        Assert.All(described.Info.NextActionTimes, t => Assert.True(t >= schedule.Spec.StartAt));

        var duplicate = schedule with { State = new() };
        await Assert.ThrowsAsync<ScheduleAlreadyRunningException>(() => Client.CreateScheduleAsync(handle.Id, duplicate));
        await handle.DeleteAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Create_CatchupWindowBelowTheMinimum_IsRaisedToTenSeconds_AndBadSpecsAreRefused()
    {
        var handle = await Client.CreateScheduleAsync(ScheduleId("catchup"), new(ChainAction(0), EveryMinute)
        {
            Policy = new() { CatchupWindow = TimeSpan.FromSeconds(1) },
            State = new() { Paused = true },
        });
        Assert.Equal(TimeSpan.FromSeconds(10), (await handle.DescribeAsync(Rpc)).Schedule.Policy.CatchupWindow);
        await handle.DeleteAsync();

        var badCron = await Assert.ThrowsAsync<RpcException>(() => Client.CreateScheduleAsync(ScheduleId("bad-cron"), new(ChainAction(0), new() { CronExpressions = ["61 * * * *"] })));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, badCron.Code);
        Assert.Contains("Minute is not in range [0-59]", badCron.Message, StringComparison.Ordinal);
        var badInterval = await Assert.ThrowsAsync<RpcException>(() => Client.CreateScheduleAsync(ScheduleId("bad-phase"), new(ChainAction(0), new() { Intervals = [new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2))] })));
        Assert.Contains("phase cannot be greater than Interval", badInterval.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("workflow ID with its timestamp over 1000 bytes", "WorkflowId exceeds maximum allowed length (1001/1000)")]
    [InlineData("type over 1000 bytes", "WorkflowType length exceeds limit.")]
    [InlineData("negative run timeout", "An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration")]
    [InlineData("cron", "Scheduled workflow must not contain CronSchedule")]
    [InlineData("reject duplicate", "Scheduled workflow must not contain WorkflowIDReusePolicy")]
    public async Task Create_WithAStartActionTemporalRefuses_IsInvalidArgument_WithItsMessage(string flaw, string message)
    {
        var start = new Temporalio.Api.Workflow.V1.NewWorkflowExecutionInfo
        {
            // Temporal checks the ID with the 21-character timestamp its scheduler appends to each start's.
            WorkflowId = flaw.StartsWith("workflow ID", StringComparison.Ordinal) ? new string('w', 980) : NewWorkflowId("refused"),
            WorkflowType = new() { Name = flaw.StartsWith("type", StringComparison.Ordinal) ? new string('t', 1001) : "ScheduledChainWorkflow" },
            TaskQueue = new() { Name = TaskQueue },
            WorkflowRunTimeout = flaw == "negative run timeout" ? new() { Seconds = -1 } : null,
            CronSchedule = flaw == "cron" ? "* * * * *" : string.Empty,
            WorkflowIdReusePolicy = flaw == "reject duplicate" ? WorkflowIdReusePolicy.RejectDuplicate : WorkflowIdReusePolicy.Unspecified,
        };
        var request = new Temporalio.Api.WorkflowService.V1.CreateScheduleRequest
        {
            Namespace = Client.Options.Namespace,
            ScheduleId = ScheduleId("refused"),
            RequestId = Guid.NewGuid().ToString(),
            Schedule = new()
            {
                Spec = new() { Interval = { new Temporalio.Api.Schedule.V1.IntervalSpec { Interval = new() { Seconds = 60 } } } },
                Action = new() { StartWorkflow = start },
                State = new() { Paused = true },
            },
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.WorkflowService.CreateScheduleAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task MatchingTimes_FollowIntervalOffsetCalendarCronStartEndAndTimeZone()
    {
        var start = new DateTime(2030, 3, 29, 0, 0, 0, DateTimeKind.Utc);
        async Task<List<DateTime>> TimesAsync(ScheduleSpec spec, DateTime until)
        {
            var handle = await Client.CreateScheduleAsync(ScheduleId("times"), new(ChainAction(0), spec) { State = new() { Paused = true } });
            var response = await Client.WorkflowService.ListScheduleMatchingTimesAsync(new ListScheduleMatchingTimesRequest
            {
                Namespace = Client.Options.Namespace,
                ScheduleId = handle.Id,
                StartTime = Timestamp.FromDateTime(start),
                EndTime = Timestamp.FromDateTime(until),
            });
            await handle.DeleteAsync();
            return response.StartTime.Select(t => t.ToDateTime()).ToList();
        }

        // Every 6 hours, offset by 2 hours: 02:00, 08:00, 14:00, 20:00.
        Assert.Equal(
            [start.AddHours(2), start.AddHours(8), start.AddHours(14), start.AddHours(20)],
            await TimesAsync(new() { Intervals = [new(TimeSpan.FromHours(6), TimeSpan.FromHours(2))] }, start.AddDays(1)));
        // 09:00 in Berlin: 08:00 UTC on the 30th (winter time), 07:00 UTC on the 31st (summer time from that night).
        Assert.Equal(
            [new DateTime(2030, 3, 29, 8, 0, 0, DateTimeKind.Utc), new DateTime(2030, 3, 30, 8, 0, 0, DateTimeKind.Utc), new DateTime(2030, 3, 31, 7, 0, 0, DateTimeKind.Utc)],
            await TimesAsync(new() { Calendars = [new() { Hour = [new(9)] }], TimeZoneName = "Europe/Berlin" }, start.AddDays(3)));
        // Cron with a step and a day-of-week name, bounded by start and end time.
        Assert.Equal(
            [new DateTime(2030, 4, 1, 12, 0, 0, DateTimeKind.Utc), new DateTime(2030, 4, 1, 12, 30, 0, DateTimeKind.Utc)],
            await TimesAsync(new()
            {
                CronExpressions = ["*/30 12 * * mon"],
                StartAt = new DateTime(2030, 3, 30, 0, 0, 0, DateTimeKind.Utc),
                EndAt = new DateTime(2030, 4, 1, 12, 30, 0, DateTimeKind.Utc),
            }, start.AddDays(30)));
        // A skipped calendar removes its times: weekdays only.
        var weekdays = await TimesAsync(new() { Calendars = [new()], Skip = [new() { DayOfWeek = [new(0), new(6)] }] }, start.AddDays(7));
        Assert.Equal(5, weekdays.Count);
        Assert.DoesNotContain(weekdays, t => t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Jitter_DelaysEachActionByAStableAmountBelowTheJitterAndTheNextNominalTime()
    {
        var handle = await Client.CreateScheduleAsync(ScheduleId("jitter"),
            new(ChainAction(0), new() { Intervals = [new(TimeSpan.FromHours(1))], Jitter = TimeSpan.FromMinutes(30) }) { State = new() { Paused = true } });
        var start = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        async Task<List<DateTime>> TimesAsync() => (await Client.WorkflowService.ListScheduleMatchingTimesAsync(new ListScheduleMatchingTimesRequest
        {
            Namespace = Client.Options.Namespace,
            ScheduleId = handle.Id,
            StartTime = Timestamp.FromDateTime(start),
            EndTime = Timestamp.FromDateTime(start.AddDays(1).AddMinutes(30)), // a time is listed when it is due, jitter included
        })).StartTime.Select(t => t.ToDateTime()).ToList();

        var times = await TimesAsync();
        Assert.Equal(24, times.Count);
        for (var hour = 0; hour < 24; hour++)
        {
            // Each hour's action is due within its first 30 minutes, in whole milliseconds.
            Assert.InRange(times[hour] - start.AddHours(hour + 1), TimeSpan.Zero, TimeSpan.FromMinutes(30) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, times[hour].Ticks % TimeSpan.TicksPerMillisecond);
        }

        Assert.True(times.Select((t, hour) => t - start.AddHours(hour + 1)).Distinct().Count() > 12, "the jitter differs from one time to the next");
        Assert.Equal(times, await TimesAsync()); // the same times for every reader

        var future = (await handle.DescribeAsync(Rpc)).Info.NextActionTimes;
        Assert.All(future, t => Assert.InRange(t - new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc), TimeSpan.Zero, TimeSpan.FromMinutes(30)));
        await handle.DeleteAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Jitter_RunsStartLate_ButAreNamedAndStampedByTheirNominalTime()
    {
        var id = ScheduleId("jittered-runs");
        var action = ChainAction(failAt: 0);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(id, new(action, new() { Intervals = [new(TimeSpan.FromSeconds(2))], Jitter = TimeSpan.FromMilliseconds(1900) }));
            var described = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.RecentActions.Count >= 2, "two jittered runs", cancellationToken: Deadline);
            await handle.DeleteAsync();

            foreach (var recent in described.Info.RecentActions.Take(2))
            {
                var run = Assert.IsType<ScheduleActionExecutionStartWorkflow>(recent.Action);
                var nominal = DateTime.ParseExact(run.WorkflowId[(action.Options.Id!.Length + 1)..], "yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
                Assert.Equal(0, nominal.Second % 2);
                Assert.InRange(recent.ScheduledAt - nominal, TimeSpan.Zero, TimeSpan.FromMilliseconds(1900));
                Assert.True(recent.StartedAt >= recent.ScheduledAt - TimeSpan.FromMilliseconds(1), $"started {recent.StartedAt:O} before it was due {recent.ScheduledAt:O}");
                var attributes = (await Client.GetWorkflowHandle(run.WorkflowId, run.FirstExecutionRunId).DescribeAsync(new() { Rpc = Rpc })).TypedSearchAttributes;
                Assert.Equal(nominal, attributes.Get(ScheduledStartTime).UtcDateTime);
            }
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Interval_StartsRunsNamedByNominalTime_WithScheduleSearchAttributes_AndChainsTheLastResult()
    {
        var id = ScheduleId("every-second");
        var action = ChainAction(failAt: 0);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(id, new(action, new() { Intervals = [new(TimeSpan.FromSeconds(1))] }));
            var described = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.RecentActions.Count >= 2, "two scheduled runs", cancellationToken: Deadline);
            await handle.PauseAsync("enough");

            var expectedCount = 1;
            foreach (var recent in described.Info.RecentActions.Take(2))
            {
                var run = Assert.IsType<ScheduleActionExecutionStartWorkflow>(recent.Action);
                Assert.Equal(0, recent.ScheduledAt.Millisecond); // intervals fall on whole seconds since the epoch
                Assert.Equal($"{action.Options.Id}-{recent.ScheduledAt:yyyy-MM-dd'T'HH:mm:ss'Z'}", run.WorkflowId);
                var workflow = Client.GetWorkflowHandle(run.WorkflowId, run.FirstExecutionRunId);
                var result = await workflow.GetResultAsync<ChainLink>(rpcOptions: Rpc);
                // Skip lets a run start only after the one before closed: each sees its predecessor's result.
                Assert.Equal(expectedCount++, result.Count);
                var attributes = (await workflow.DescribeAsync(new() { Rpc = Rpc })).TypedSearchAttributes;
                Assert.Equal(id, attributes.Get(ScheduledById));
                Assert.Equal(recent.ScheduledAt, attributes.Get(ScheduledStartTime).UtcDateTime);
            }

            Assert.Equal(described.Info.NumActions, described.Info.RecentActions.Count);
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task PauseAndUnpause_KeepTheirNotes_PausedTimeIsNotCaughtUp_AndTriggerStillRuns()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(ScheduleId("pause"), new(ChainAction(0), new() { Intervals = [new(TimeSpan.FromSeconds(1))] })
            {
                State = new() { Paused = true, Note = "created paused" },
            });
            Assert.Equal("created paused", (await handle.DescribeAsync(Rpc)).Schedule.State.Note);
            await handle.TriggerAsync(); // manual actions ignore the pause
            var triggered = await handle.DescribeAsync(Rpc);
            Assert.Equal(1, triggered.Info.NumActions);
            Assert.NotEmpty(triggered.Info.NextActionTimes);

            await handle.PauseAsync("paused for stock-take");
            var paused = await handle.DescribeAsync(Rpc);
            Assert.True(paused.Schedule.State.Paused);
            Assert.Equal("paused for stock-take", paused.Schedule.State.Note);

            var unpausedAt = DateTime.UtcNow;
            await handle.UnpauseAsync("back in business");
            var unpaused = await handle.DescribeAsync(Rpc);
            Assert.False(unpaused.Schedule.State.Paused);
            Assert.Equal("back in business", unpaused.Schedule.State.Note);
            var running = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions >= 2, "a scheduled run after unpausing", cancellationToken: Deadline);
            // The seconds spent paused were not caught up on: the first scheduled action follows the unpause.
            Assert.True(running.Info.RecentActions.ElementAt(1).ScheduledAt >= unpausedAt.AddSeconds(-1), $"{running.Info.RecentActions.ElementAt(1).ScheduledAt:O} vs {unpausedAt:O}");
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task TriggerImmediately_AtCreateStartsAtOnce_AndATriggerTakesItsOwnOverlapPolicy()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledHoldWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(ScheduleId("trigger"), new(HoldAction(), EveryMinute) { State = new() { Paused = true } },
                new() { TriggerImmediately = true });
            var created = await handle.DescribeAsync(Rpc);
            Assert.Equal(1, created.Info.NumActions);
            Assert.Single(created.Info.RunningActions);

            await handle.TriggerAsync(new() { Overlap = ScheduleOverlapPolicy.BufferOne });
            await handle.TriggerAsync(); // the schedule's policy: Skip
            var raw = await Client.WorkflowService.DescribeScheduleAsync(new DescribeScheduleRequest { Namespace = Client.Options.Namespace, ScheduleId = handle.Id });
            Assert.Equal(1, raw.Info.BufferSize);
            Assert.Equal(1, raw.Info.OverlapSkipped);
            Assert.Equal(1, raw.Info.ActionCount);

            await ReleaseAllAsync(created);
            var second = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions == 2 && d.Info.RunningActions.Count == 1,
                "the buffered trigger started", cancellationToken: Deadline);
            await ReleaseAllAsync(second);
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RemainingActions_StopTheScheduleAfterTheLimit()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(ScheduleId("limited"), new(ChainAction(0), new() { Intervals = [new(TimeSpan.FromSeconds(1))] })
            {
                State = new() { LimitedActions = true, RemainingActions = 2 },
            });
            var done = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Schedule.State.RemainingActions == 0 && d.Info.RunningActions.Count == 0,
                "two limited actions", cancellationToken: Deadline);
            Assert.Equal(2, done.Info.NumActions);
            Assert.Empty(done.Info.NextActionTimes);
            Assert.True(done.Schedule.State.LimitedActions);
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task PauseOnFailure_PausesWithTheFailure_AndTheNextRunSeesLastFailureAndLastResult()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(ScheduleId("pause-on-failure"), new(ChainAction(failAt: 2), new())
            {
                Policy = new() { PauseOnFailure = true },
            });
            async Task<ScheduleDescription> RunOnceAsync(int expectedActions)
            {
                await handle.TriggerAsync();
                return await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions == expectedActions && d.Info.RunningActions.Count == 0,
                    $"action {expectedActions} closed", cancellationToken: Deadline);
            }

            var first = await RunOnceAsync(1);
            Assert.False(first.Schedule.State.Paused);
            var second = await RunOnceAsync(2);
            var failed = Assert.IsType<ScheduleActionExecutionStartWorkflow>(second.Info.RecentActions.Last().Action);
            Assert.True(second.Schedule.State.Paused);
            Assert.Equal($"paused due to workflow failure: {failed.WorkflowId}: scheduled run failed on purpose", second.Schedule.State.Note);

            await handle.UnpauseAsync();
            var third = await RunOnceAsync(3);
            var last = Assert.IsType<ScheduleActionExecutionStartWorkflow>(third.Info.RecentActions.Last().Action);
            var result = await Client.GetWorkflowHandle(last.WorkflowId, last.FirstExecutionRunId).GetResultAsync<ChainLink>(rpcOptions: Rpc);
            // The failed run left the last result alone and added its failure.
            Assert.Equal(new ChainLink(2, "scheduled run failed on purpose"), result);
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Backfill_IncludesItsStart_StartsEveryTimeUnderAllowAll_UntrackedAsRunning()
    {
        var minute = TruncateToMinute(DateTime.UtcNow).AddMinutes(-30);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledHoldWorkflow>(), async () =>
        {
            var action = HoldAction();
            var handle = await Client.CreateScheduleAsync(ScheduleId("allow-all"), new(action, EveryMinute) { State = new() { Paused = true } },
                new() { Backfills = [new(minute, minute.AddMinutes(2), ScheduleOverlapPolicy.AllowAll)] });

            var described = await handle.DescribeAsync(Rpc);
            Assert.Equal(3, described.Info.NumActions);
            Assert.Empty(described.Info.RunningActions);
            Assert.Equal(
                [minute, minute.AddMinutes(1), minute.AddMinutes(2)],
                described.Info.RecentActions.Select(a => a.ScheduledAt).ToList());
            Assert.Equal(
                Enumerable.Range(0, 3).Select(i => $"{action.Options.Id}-{minute.AddMinutes(i):yyyy-MM-dd'T'HH:mm:ss'Z'}").ToList(),
                described.Info.RecentActions.Select(a => ((ScheduleActionExecutionStartWorkflow)a.Action).WorkflowId).ToList());
            await ReleaseAllAsync(described);
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Backfill_AllowAll_StartsTenActionsPerWakeUp_TheNextTenASecondLater()
    {
        var minute = TruncateToMinute(DateTime.UtcNow).AddMinutes(-60);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledChainWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(ScheduleId("paced"), new(ChainAction(0), EveryMinute) { State = new() { Paused = true } });
            await handle.BackfillAsync([new(minute, minute.AddMinutes(24), ScheduleOverlapPolicy.AllowAll)]);

            await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions == 25, "all 25 backfilled runs", cancellationToken: Deadline);
            var runs = await ListAsync($"TemporalScheduledById = '{handle.Id}'");

            // In nominal order (the ID ends with it); each wake-up takes the next ten, the following one comes a second later.
            var started = runs.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => r.StartTime).ToList();
            Assert.Equal(25, started.Count);
            Assert.True(started[10] - started[9] >= TimeSpan.FromSeconds(1), $"runs 10 and 11 started at {started[9]:O} and {started[10]:O}");
            Assert.True(started[20] - started[19] >= TimeSpan.FromSeconds(1), $"runs 20 and 21 started at {started[19]:O} and {started[20]:O}");
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Backfill_BuffersTenActionsPerWakeUp_AndStopsWhenTheBufferIsHalfFull()
    {
        // No worker: the first run never closes, so nothing but the test's patches wakes the paused schedule.
        var minute = TruncateToMinute(DateTime.UtcNow).AddDays(-1);
        var handle = await PausedHoldScheduleAsync("half-buffer");
        await handle.BackfillAsync([new(minute, minute.AddMinutes(599), ScheduleOverlapPolicy.BufferAll)]);
        var first = await handle.DescribeAsync(Rpc);
        Assert.Equal(1, first.Info.NumActions);
        Assert.Equal(9, (await RawDescribeAsync(handle)).Info.BufferSize);

        await handle.PauseAsync("wake up");
        Assert.Equal(19, (await RawDescribeAsync(handle)).Info.BufferSize);

        // Ten more per wake-up while fewer than 500 are buffered: 9 + 50 × 10, then no more however often it wakes.
        for (var wake = 0; wake < 55; wake++)
        {
            await handle.PauseAsync($"wake up {wake}");
        }

        var saturated = await RawDescribeAsync(handle);
        Assert.Equal(509, saturated.Info.BufferSize);
        Assert.Equal(0, saturated.Info.BufferDropped);
        Assert.Equal(1, saturated.Info.ActionCount);

        var running = Assert.IsType<ScheduleActionExecutionStartWorkflow>(first.Info.RunningActions.Single());
        await handle.DeleteAsync();
        await Client.GetWorkflowHandle(running.WorkflowId).TerminateAsync("test over", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Backfill_MoreThanAThousandRequestsAtOnce_DropsTheRest()
    {
        // Ranges between two spec times: each request is taken in and done with at once, without an action.
        var minute = TruncateToMinute(DateTime.UtcNow).AddDays(-1);
        var handle = await PausedHoldScheduleAsync("overrun");
        await handle.BackfillAsync(Enumerable.Range(0, 1001)
            .Select(i => new ScheduleBackfill(minute.AddMinutes(i).AddSeconds(10), minute.AddMinutes(i).AddSeconds(20), ScheduleOverlapPolicy.AllowAll))
            .ToList());

        var described = await RawDescribeAsync(handle);
        Assert.Equal(1, described.Info.BufferDropped);
        Assert.Equal(0, described.Info.ActionCount);
        await handle.DeleteAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Overlap_Skip_StartsOneAndCountsTheRestSkipped()
    {
        var minute = TruncateToMinute(DateTime.UtcNow).AddMinutes(-30);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledHoldWorkflow>(), async () =>
        {
            var handle = await PausedHoldScheduleAsync("skip");
            await handle.BackfillAsync([new(minute, minute.AddMinutes(2), ScheduleOverlapPolicy.Skip)]);
            var described = await handle.DescribeAsync(Rpc);
            Assert.Equal(1, described.Info.NumActions);
            Assert.Equal(2, described.Info.NumActionsSkippedOverlap);
            Assert.Single(described.Info.RunningActions);
            await ReleaseAllAsync(described);
            await handle.DeleteAsync();
        });
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(ScheduleOverlapPolicy.BufferOne, 2, 1)]
    [InlineData(ScheduleOverlapPolicy.BufferAll, 3, 0)]
    public async Task Overlap_Buffer_StartsTheBufferedOnesAsEachRunCloses(ScheduleOverlapPolicy policy, int expectedActions, int expectedSkipped)
    {
        var minute = TruncateToMinute(DateTime.UtcNow).AddMinutes(-30);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledHoldWorkflow>(), async () =>
        {
            var handle = await PausedHoldScheduleAsync(policy.ToString());
            await handle.BackfillAsync([new(minute, minute.AddMinutes(2), policy)]);
            var started = await handle.DescribeAsync(Rpc);
            Assert.Equal(1, started.Info.NumActions);
            Assert.Equal(expectedSkipped, started.Info.NumActionsSkippedOverlap);
            var raw = await Client.WorkflowService.DescribeScheduleAsync(new DescribeScheduleRequest { Namespace = Client.Options.Namespace, ScheduleId = handle.Id });
            Assert.Equal(expectedActions - 1, raw.Info.BufferSize);

            for (var n = 1; n < expectedActions; n++)
            {
                var current = await handle.DescribeAsync(Rpc);
                await ReleaseAllAsync(current);
                await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions == n + 1, $"buffered action {n + 1} started", cancellationToken: Deadline);
            }

            var ended = await handle.DescribeAsync(Rpc);
            Assert.Equal(
                Enumerable.Range(0, expectedActions).Select(i => minute.AddMinutes(i)).ToList(),
                ended.Info.RecentActions.Select(a => a.ScheduledAt).ToList());
            await ReleaseAllAsync(ended);
            await handle.DeleteAsync();
        });
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(ScheduleOverlapPolicy.CancelOther, WorkflowExecutionStatus.Canceled)]
    [InlineData(ScheduleOverlapPolicy.TerminateOther, WorkflowExecutionStatus.Terminated)]
    public async Task Overlap_CancelOrTerminateOther_StopsTheRunningOne_ThenStartsTheNew(ScheduleOverlapPolicy policy, WorkflowExecutionStatus stopped)
    {
        var minute = TruncateToMinute(DateTime.UtcNow).AddMinutes(-30);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledHoldWorkflow>(), async () =>
        {
            var handle = await PausedHoldScheduleAsync(policy.ToString());
            await handle.BackfillAsync([new(minute, minute, policy)]);
            var first = Assert.IsType<ScheduleActionExecutionStartWorkflow>((await handle.DescribeAsync(Rpc)).Info.RunningActions.Single());

            await handle.BackfillAsync([new(minute.AddMinutes(1), minute.AddMinutes(1), policy)]);
            var replaced = await Eventually.UntilAsync(() => handle.DescribeAsync(Rpc), d => d.Info.NumActions == 2 && d.Info.RunningActions.Count == 1,
                "the new run replaced the old", cancellationToken: Deadline);

            var old = await Client.GetWorkflowHandle(first.WorkflowId, first.FirstExecutionRunId).DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal(stopped, old.Status);
            var current = Assert.IsType<ScheduleActionExecutionStartWorkflow>(replaced.Info.RunningActions.Single());
            Assert.EndsWith($"{minute.AddMinutes(1):yyyy-MM-dd'T'HH:mm:ss'Z'}", current.WorkflowId, StringComparison.Ordinal);
            await ReleaseAllAsync(replaced);
            await handle.DeleteAsync();
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Update_ReplacesSpecActionAndSearchAttributes_NullUpdateChangesNothing()
    {
        var handle = await Client.CreateScheduleAsync(ScheduleId("update"), new(ChainAction(0), EveryMinute) { State = new() { Paused = true } },
            new() { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(CustomKeyword, "before").ToSearchAttributeCollection() });
        var created = await handle.DescribeAsync(Rpc);
        Assert.Null(created.Info.LastUpdatedAt);

        await handle.UpdateAsync(input =>
        {
            var action = Assert.IsType<ScheduleActionStartWorkflow>(input.Description.Schedule.Action);
            action.Options.TaskTimeout = TimeSpan.FromMinutes(7);
            return new ScheduleUpdate(input.Description.Schedule with { Spec = new() { Intervals = [new(TimeSpan.FromHours(1))] } })
            {
                TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(CustomKeyword, "after").ToSearchAttributeCollection(),
            };
        });
        var updated = await handle.DescribeAsync(Rpc);
        Assert.Equal(TimeSpan.FromMinutes(7), Assert.IsType<ScheduleActionStartWorkflow>(updated.Schedule.Action).Options.TaskTimeout);
        Assert.Equal(TimeSpan.FromHours(1), updated.Schedule.Spec.Intervals.Single().Every);
        Assert.Equal("after", updated.TypedSearchAttributes.Get(CustomKeyword));
        Assert.NotNull(updated.Info.LastUpdatedAt);
        Assert.All(updated.Info.NextActionTimes, t => Assert.Equal(0, t.Minute));

        await handle.UpdateAsync(_ => (ScheduleUpdate?)null);
        Assert.Equal(updated.Info.LastUpdatedAt, (await handle.DescribeAsync(Rpc)).Info.LastUpdatedAt);
        await handle.DeleteAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Delete_RemovesTheSchedule_LeavesItsRunRunning_AndTheIdIsFreeAgain()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<ScheduledHoldWorkflow>(), async () =>
        {
            var handle = await PausedHoldScheduleAsync("delete");
            await handle.TriggerAsync();
            var run = Assert.IsType<ScheduleActionExecutionStartWorkflow>((await handle.DescribeAsync(Rpc)).Info.RunningActions.Single());

            await handle.DeleteAsync();

            var gone = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync(Rpc));
            Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
            var workflow = Client.GetWorkflowHandle<ScheduledHoldWorkflow>(run.WorkflowId, run.FirstExecutionRunId);
            Assert.Equal(WorkflowExecutionStatus.Running, (await workflow.DescribeAsync(new() { Rpc = Rpc })).Status);
            var again = await Client.CreateScheduleAsync(handle.Id, new(HoldAction(), EveryMinute) { State = new() { Paused = true } });
            Assert.Equal(0, (await again.DescribeAsync(Rpc)).Info.NumActions);
            await again.DeleteAsync();
            await workflow.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task List_PagesThroughSchedules_AndFiltersByIdPausedAndSearchAttribute()
    {
        var prefix = ScheduleId("list");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var handle = await Client.CreateScheduleAsync($"{prefix}-{i}", new(ChainAction(0), EveryMinute) { State = new() { Paused = i == 0, Note = $"note {i}" } },
                new() { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(CustomKeyword, i == 2 ? "chosen" : "other").ToSearchAttributeCollection() });
            ids.Add(handle.Id);
        }

        async Task<List<ScheduleListDescription>> ListAsync(string query)
        {
            var found = new List<ScheduleListDescription>();
            await foreach (var schedule in Client.ListSchedulesAsync(new() { Query = query }))
            {
                found.Add(schedule);
            }

            return found;
        }

        var all = await ListAsync($"ScheduleId STARTS_WITH '{prefix}'");
        Assert.Equal(ids, all.Select(s => s.Id).Order(StringComparer.Ordinal).ToList());
        var first = all.Single(s => s.Id == ids[0]);
        Assert.Equal("ScheduledChainWorkflow", Assert.IsType<ScheduleListActionStartWorkflow>(first.Schedule!.Action).Workflow);
        Assert.True(first.Schedule.State.Paused);
        Assert.Equal("note 0", first.Schedule.State.Note);
        Assert.Equal(5, first.Info!.NextActionTimes.Count);
        Assert.Equal([ids[0]], (await ListAsync($"ScheduleId STARTS_WITH '{prefix}' AND TemporalSchedulePaused = true")).Select(s => s.Id));
        Assert.Equal([ids[2]], (await ListAsync($"ScheduleId STARTS_WITH '{prefix}' AND CustomKeywordField = 'chosen'")).Select(s => s.Id));

        var request = new ListSchedulesRequest { Namespace = Client.Options.Namespace, MaximumPageSize = 2, Query = $"ScheduleId STARTS_WITH '{prefix}'" };
        var page1 = await Client.WorkflowService.ListSchedulesAsync(request);
        Assert.Equal(2, page1.Schedules.Count);
        Assert.False(page1.NextPageToken.IsEmpty);
        request.NextPageToken = page1.NextPageToken;
        var page2 = await Client.WorkflowService.ListSchedulesAsync(request);
        Assert.Single(page2.Schedules);
        Assert.True(page2.NextPageToken.IsEmpty);
        Assert.Equal(ids, page1.Schedules.Concat(page2.Schedules).Select(s => s.ScheduleId).ToList());

        var bad = await Assert.ThrowsAsync<RpcException>(() => ListAsync("NoSuchField = 1"));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, bad.Code);

        // CountSchedules counts what ListSchedules lists; grouped by status, every schedule is Running.
        async Task<CountSchedulesResponse> CountAsync(string query) =>
            await Client.WorkflowService.CountSchedulesAsync(new() { Namespace = Client.Options.Namespace, Query = query }, Rpc);
        Assert.Equal(3, (await CountAsync($"ScheduleId STARTS_WITH '{prefix}'")).Count);
        Assert.Equal(1, (await CountAsync($"ScheduleId STARTS_WITH '{prefix}' AND TemporalSchedulePaused = true")).Count);
        var grouped = await CountAsync($"ScheduleId STARTS_WITH '{prefix}' GROUP BY ExecutionStatus");
        var group = Assert.Single(grouped.Groups);
        Assert.Equal((3L, "Running"), (group.Count, Temporalio.Converters.DataConverter.Default.PayloadConverter.ToValue<string>(group.GroupValues[0])));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => CountAsync("NoSuchField = 1"))).Code);
        foreach (var id in ids)
        {
            await Client.GetScheduleHandle(id).DeleteAsync();
        }
    }

    private Task<DescribeScheduleResponse> RawDescribeAsync(ScheduleHandle handle) =>
        Client.WorkflowService.DescribeScheduleAsync(new DescribeScheduleRequest { Namespace = Client.Options.Namespace, ScheduleId = handle.Id }, Rpc);

    private static string ScheduleId(string prefix) => $"schedule-{prefix}-{Guid.NewGuid():N}";

    private static DateTime TruncateToMinute(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);

    private ScheduleActionStartWorkflow ChainAction(int failAt) =>
        ScheduleActionStartWorkflow.Create((ScheduledChainWorkflow wf) => wf.RunAsync(failAt), new(NewWorkflowId("chain"), TaskQueue));

    private ScheduleActionStartWorkflow HoldAction() =>
        ScheduleActionStartWorkflow.Create((ScheduledHoldWorkflow wf) => wf.RunAsync(), new(NewWorkflowId("hold"), TaskQueue));

    private Task<ScheduleHandle> PausedHoldScheduleAsync(string prefix) =>
        Client.CreateScheduleAsync(ScheduleId(prefix), new(HoldAction(), EveryMinute) { State = new() { Paused = true } });

    private async Task ReleaseAllAsync(ScheduleDescription described)
    {
        foreach (var recent in described.Info.RecentActions)
        {
            var run = (ScheduleActionExecutionStartWorkflow)recent.Action;
            var workflow = Client.GetWorkflowHandle<ScheduledHoldWorkflow>(run.WorkflowId, run.FirstExecutionRunId);
            if ((await workflow.DescribeAsync(new() { Rpc = Rpc })).Status == WorkflowExecutionStatus.Running)
            {
                await workflow.SignalAsync(wf => wf.ReleaseAsync(), SignalRpc);
            }
        }
    }
}
