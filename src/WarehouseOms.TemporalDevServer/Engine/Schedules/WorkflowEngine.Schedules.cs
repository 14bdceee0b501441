using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Schedules;
using WarehouseOms.TemporalDevServer.Engine.Visibility;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Schedules, as Temporal's scheduler runs them, driven by the engine's clock instead of a workflow:
/// each wake-up turns the spec times since the last one into buffered starts (those older than the
/// catch-up window are counted as missed), applies patches and updates, buffers up to ten backfilled
/// actions, then starts what the overlap policy allows. A started run's chain closing (watched through
/// <see cref="OnScheduledRunClosed"/>) records its result for the next run, may pause the schedule, and
/// lets buffered starts go.
/// </summary>
internal sealed partial class WorkflowEngine
{
    private const int FutureActionCount = 10;
    private const int RecentActionCount = 10;
    private const int ListActionCount = 5;
    private const int MaxBufferSize = 1000;
    private const int BackfillsPerIteration = 10;
    private static readonly TimeSpan AllowAllBackfillPause = TimeSpan.FromSeconds(1);
    private const int MaxMatchingTimes = 1000;
    private static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(365);
    private static readonly TimeSpan MinCatchupWindow = TimeSpan.FromSeconds(10);

    private readonly Dictionary<(string Namespace, string ScheduleId), ScheduleEntry> schedules = [];
    private readonly Dictionary<(string Namespace, string WorkflowId), ScheduleEntry> scheduledRuns = [];
    private readonly Dictionary<(string Namespace, string ScheduleId), ScheduleEntry> dirtySchedules = [];

    public CreateScheduleResponse CreateSchedule(CreateScheduleRequest request)
    {
        if (string.IsNullOrEmpty(request.ScheduleId))
        {
            throw Errors.InvalidArgument("ScheduleId is not set on request.");
        }

        if (string.IsNullOrEmpty(request.RequestId))
        {
            throw Errors.InvalidArgument("RequestId is not set on request.");
        }

        var schedule = request.Schedule?.Clone() ?? new Schedule();
        var spec = CanonicalSpec(schedule.Spec);
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            RequireValidScheduleAction(ns, schedule.Action);
            RequireValidSearchAttributes(ns, request.SearchAttributes);
            if (schedules.TryGetValue((ns, request.ScheduleId), out var existing))
            {
                return existing.CreateRequestId == request.RequestId
                    ? new CreateScheduleResponse { ConflictToken = TokenBytes(existing.ConflictToken) }
                    : throw Errors.AlreadyStarted($"schedule \"{request.ScheduleId}\" is already registered", string.Empty, string.Empty);
            }

            schedule.Spec = spec;
            var entry = new ScheduleEntry
            {
                Namespace = ns,
                ScheduleId = request.ScheduleId,
                CreateRequestId = request.RequestId,
                Schedule = WithDefaults(schedule),
                Info = new ScheduleInfo { CreateTime = Now },
                Memo = request.Memo,
                SearchAttributes = request.SearchAttributes,
                LastProcessedTime = Clock.Now,
            };
            entry.Spec = CompiledScheduleSpec.Compile(spec);
            schedules[entry.Key] = entry;
            Log("Created schedule {ScheduleId}", request.ScheduleId);
            RunSchedule(entry, request.InitialPatch is { } patch ? s => ApplyPatch(s, patch) : null);
            return new CreateScheduleResponse { ConflictToken = TokenBytes(entry.ConflictToken) };
        }
    }

    public DescribeScheduleResponse DescribeSchedule(DescribeScheduleRequest request)
    {
        using (gate.Enter())
        {
            var s = FindSchedule(request.Namespace, request.ScheduleId);
            var schedule = s.Schedule.Clone();
            schedule.Spec = CompiledScheduleSpec.Clean(schedule.Spec);
            var info = s.Info.Clone();
            // As Temporal's frontend: only the chains whose current run is RUNNING are listed. A paused run (ADR 0056)
            // still holds its overlap slot but is left out.
            foreach (var run in info.RunningWorkflows.Where(r => Current(s.Namespace, r.WorkflowId) is not { Status: WorkflowExecutionStatus.Running } current || current.FirstRunId != r.RunId).ToList())
            {
                info.RunningWorkflows.Remove(run);
            }

            info.FutureActionTimes.Clear();
            info.FutureActionTimes.AddRange(FutureActionTimes(s, FutureActionCount).Select(Timestamp.FromDateTime));
            info.BufferSize = s.Buffer.Count;
            return new DescribeScheduleResponse
            {
                Schedule = schedule,
                Info = info,
                Memo = s.Memo,
                SearchAttributes = s.SearchAttributes,
                ConflictToken = TokenBytes(s.ConflictToken),
            };
        }
    }

    public UpdateScheduleResponse UpdateSchedule(UpdateScheduleRequest request)
    {
        var schedule = request.Schedule?.Clone() ?? new Schedule();
        var spec = CanonicalSpec(schedule.Spec);
        using (gate.Enter())
        {
            var s = FindSchedule(request.Namespace, request.ScheduleId);
            RequireValidScheduleAction(s.Namespace, schedule.Action);
            RequireValidSearchAttributes(s.Namespace, request.SearchAttributes);
            if (request.ConflictToken.Length >= 8 && BinaryPrimitives.ReadInt64BigEndian(request.ConflictToken.Span) != s.ConflictToken)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "mismatched conflict token"));
            }

            RunSchedule(s, entry =>
            {
                schedule.Spec = spec;
                entry.Schedule = WithDefaults(schedule);
                entry.Spec = CompiledScheduleSpec.Compile(spec);
                if (request.SearchAttributes is not null)
                {
                    entry.SearchAttributes = request.SearchAttributes;
                }

                entry.Info.UpdateTime = Now;
                entry.ConflictToken++;
            });
            return new UpdateScheduleResponse();
        }
    }

    public PatchScheduleResponse PatchSchedule(PatchScheduleRequest request)
    {
        using (gate.Enter())
        {
            var s = FindSchedule(request.Namespace, request.ScheduleId);
            RunSchedule(s, entry => ApplyPatch(entry, request.Patch ?? new SchedulePatch()));
            return new PatchScheduleResponse();
        }
    }

    public DeleteScheduleResponse DeleteSchedule(DeleteScheduleRequest request)
    {
        using (gate.Enter())
        {
            RemoveSchedule(FindSchedule(request.Namespace, request.ScheduleId));
            return new DeleteScheduleResponse();
        }
    }

    /// <summary>Under the lock: the schedule stops and leaves memory and, with the next commit, the store.</summary>
    private void RemoveSchedule(ScheduleEntry s)
    {
        s.Deleted = true;
        s.Wakeup?.Cancel();
        schedules.Remove(s.Key);
        foreach (var run in s.Info.RunningWorkflows)
        {
            scheduledRuns.Remove((s.Namespace, run.WorkflowId));
        }

        MarkScheduleDirty(s);
        Log("Deleted schedule {ScheduleId}", s.ScheduleId);
    }

    /// <summary>Every schedule of a namespace being deleted.</summary>
    private void RemoveSchedulesOf(string ns)
    {
        foreach (var s in schedules.Values.Where(s => s.Namespace == ns).ToList())
        {
            RemoveSchedule(s);
        }
    }

    public ListSchedulesResponse ListSchedules(ListSchedulesRequest request)
    {
        var skip = 0;
        if (!request.NextPageToken.IsEmpty && !int.TryParse(request.NextPageToken.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out skip))
        {
            throw Errors.InvalidArgument("invalid next page token");
        }

        var pageSize = VisibilityPageSize(request.MaximumPageSize);
        using (gate.Enter())
        {
            var page = MatchingSchedules(request.Namespace, request.Query, out _)
                .OrderBy(s => s.ScheduleId, StringComparer.Ordinal).Skip(skip).Take(pageSize + 1).ToList();
            var response = new ListSchedulesResponse();
            response.Schedules.AddRange(page.Take(pageSize).Select(ListEntry));
            if (page.Count > pageSize)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((skip + pageSize).ToString(CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    /// <summary>
    /// CountSchedules: the schedules ListSchedules would return for the query; with <c>GROUP BY ExecutionStatus</c>, one
    /// group, Running, as every scheduler workflow of Temporal's is running.
    /// </summary>
    public CountSchedulesResponse CountSchedules(CountSchedulesRequest request)
    {
        using (gate.Enter())
        {
            var count = MatchingSchedules(request.Namespace, request.Query, out var query).LongCount();
            var response = new CountSchedulesResponse { Count = count };
            if (query.GroupBy is not null && count > 0)
            {
                var group = new CountSchedulesResponse.Types.AggregationGroup { Count = count };
                group.GroupValues.Add(SearchAttributeRegistry.JsonPayload(nameof(WorkflowExecutionStatus.Running), "Keyword"));
                response.Groups.Add(group);
            }

            return response;
        }
    }

    // Under the lock: a namespace's schedules that match a list query (ScheduleId, TemporalSchedulePaused and the
    // namespace's search attributes).
    private IEnumerable<ScheduleEntry> MatchingSchedules(string requestedNamespace, string? text, out VisibilityQuery query)
    {
        var ns = Ns(requestedNamespace);
        var parsed = VisibilityQuery.Parse(text, name => name switch
        {
            "ScheduleId" => IndexedValueType.Keyword,
            "TemporalSchedulePaused" => IndexedValueType.Bool,
            _ => searchAttributes.TypeOf(ns, name),
        });
        query = parsed;
        return schedules.Values.Where(s => s.Namespace == ns && parsed.Matches(AsVisibilityRecord(s)));
    }

    public ListScheduleMatchingTimesResponse ListScheduleMatchingTimes(ListScheduleMatchingTimesRequest request)
    {
        if (request.StartTime is null || request.EndTime is null)
        {
            throw Errors.InvalidArgument("missing or invalid query");
        }

        using (gate.Enter())
        {
            var s = FindSchedule(request.Namespace, request.ScheduleId);
            var response = new ListScheduleMatchingTimesResponse();
            if (s.Spec is { } spec)
            {
                response.StartTime.AddRange(spec.Actions(JitterSeed(s), request.StartTime.ToDateTime(), request.EndTime.ToDateTime(), MaxMatchingTimes)
                    .Select(a => Timestamp.FromDateTime(a.Due)));
            }

            return response;
        }
    }

    /// <summary>Called under the lock when a run chain ends: a schedule that started it hears of it.</summary>
    private void OnScheduledRunClosed(Execution execution, HistoryEvent closeEvent)
    {
        if (scheduledRuns.Count == 0 || !scheduledRuns.TryGetValue((execution.Namespace, execution.WorkflowId), out var s))
        {
            return;
        }

        var index = s.Info.RunningWorkflows.ToList().FindIndex(r => r.WorkflowId == execution.WorkflowId && r.RunId == execution.FirstRunId);
        if (index < 0)
        {
            return;
        }

        s.Info.RunningWorkflows.RemoveAt(index);
        scheduledRuns.Remove((execution.Namespace, execution.WorkflowId));
        foreach (var recent in s.Info.RecentActions.Where(a => a.StartWorkflowResult?.RunId == execution.FirstRunId))
        {
            recent.StartWorkflowStatus = execution.Status;
        }

        var state = s.Schedule.State;
        if (s.Schedule.Policies.PauseOnFailure && !state.Paused && execution.Status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut)
        {
            state.Paused = true;
            state.Notes = execution.Status == WorkflowExecutionStatus.Failed
                ? $"paused due to workflow failure: {execution.WorkflowId}: {closeEvent.WorkflowExecutionFailedEventAttributes?.Failure?.Message}"
                : $"paused due to workflow timeout: {execution.WorkflowId}";
            s.ConflictToken++;
        }

        switch (closeEvent.EventType)
        {
            case EventType.WorkflowExecutionCompleted:
                s.LastCompletionResult = closeEvent.WorkflowExecutionCompletedEventAttributes?.Result;
                s.ContinuedFailure = null;
                break;
            case EventType.WorkflowExecutionFailed:
                // The last completion result stays: the next run sees both.
                s.ContinuedFailure = closeEvent.WorkflowExecutionFailedEventAttributes?.Failure;
                break;
        }

        MarkScheduleDirty(s);
        if (s.Buffer.Count > 0)
        {
            // Not from inside the close: the scheduler may terminate or start runs itself.
            Clock.Schedule(TimeSpan.Zero, () => RunSchedule(s));
        }
    }

    /// <summary>One wake-up of a schedule (under the lock): catch up on spec times, apply a change, start what may start, sleep.</summary>
    private void RunSchedule(ScheduleEntry s, Action<ScheduleEntry>? change = null)
    {
        if (s.Deleted)
        {
            return;
        }

        s.Wakeup?.Cancel();
        s.Wakeup = null;
        var now = Clock.Now;
        var until = now > s.LastProcessedTime ? now : s.LastProcessedTime;
        s.LastProcessedTime = ProcessTimeRange(s, s.LastProcessedTime, until);
        change?.Invoke(s);
        ProcessBackfills(s);
        for (var round = 0; round < MaxBufferSize && ProcessBuffer(s); round++)
        {
        }

        if (HasMoreAllowAllBackfills(s))
        {
            // As Temporal: nothing else wakes the schedule for these (their runs are not watched), so it comes back in a second.
            s.Wakeup = Clock.Schedule(AllowAllBackfillPause, () => RunSchedule(s));
        }
        else if (CanTakeScheduledAction(s, manual: false, decrement: false) && s.Spec?.NextAction(JitterSeed(s), s.LastProcessedTime) is { } next)
        {
            s.Wakeup = Clock.ScheduleAt(next.Due, () => RunSchedule(s));
        }

        MarkScheduleDirty(s);
    }

    private void ApplyPatch(ScheduleEntry s, SchedulePatch patch)
    {
        if (patch.TriggerImmediately is { } trigger)
        {
            var at = trigger.ScheduledTime?.ToDateTime() ?? Clock.Now;
            AddStart(s, at, at, trigger.OverlapPolicy, manual: true);
        }

        foreach (var backfill in patch.BackfillRequest)
        {
            if (s.Backfills.Count >= MaxBufferSize)
            {
                s.Info.BufferDropped++; // as Temporal's "buffer overrun for backfill requests"
                continue;
            }

            // The start time is inclusive (Temporal ≥ 1.24); an unset time is Go's zero time, the earliest there is.
            var start = backfill.StartTime?.ToDateTime() is { } given && given > DateTime.MinValue ? given.AddMilliseconds(-1) : DateTime.MinValue;
            s.Backfills.Add(new OngoingBackfill(start, backfill.EndTime?.ToDateTime() ?? DateTime.MinValue, backfill.OverlapPolicy));
        }

        if (!string.IsNullOrEmpty(patch.Pause))
        {
            s.Schedule.State.Paused = true;
            s.Schedule.State.Notes = patch.Pause;
            s.ConflictToken++;
        }

        if (!string.IsNullOrEmpty(patch.Unpause))
        {
            s.Schedule.State.Paused = false;
            s.Schedule.State.Notes = patch.Unpause;
            s.ConflictToken++;
        }
    }

    /// <summary>
    /// Buffers the spec's actions due in (<paramref name="after"/>, <paramref name="until"/>]; returns how far time is
    /// processed: <paramref name="until"/>, or just before a nominal time already passed whose jittered action
    /// is not yet due (so the next wake-up still takes it).
    /// </summary>
    private DateTime ProcessTimeRange(ScheduleEntry s, DateTime after, DateTime until)
    {
        if (s.Spec is null || !CanTakeScheduledAction(s, manual: false, decrement: false))
        {
            return until; // paused or out of actions: the time passes without actions (not counted as missed)
        }

        var catchup = CatchupWindow(s);
        var updated = s.Info.UpdateTime?.ToDateTime();
        var seed = JitterSeed(s);
        var processed = after;
        foreach (var (nominal, due) in s.Spec.Actions(seed, after, until, int.MaxValue))
        {
            processed = due;
            if (updated > due)
            {
                continue; // before the last update: the old spec's time
            }

            if (until - due > catchup)
            {
                s.Info.MissedCatchupWindow++;
                continue;
            }

            AddStart(s, nominal, due, ScheduleOverlapPolicy.Unspecified, manual: false);
        }

        return s.Spec.NextAction(seed, processed) is { } pending && pending.Nominal <= until
            ? pending.Nominal - TimeSpan.FromSeconds(1) // spec times fall on whole seconds
            : until;
    }

    /// <summary>
    /// As Temporal's scheduler (processBackfills): at most ten backfilled actions per wake-up, oldest request first,
    /// and only while the buffer is less than half full, so a long backfill neither floods the buffer nor
    /// crowds out the schedule's own times.
    /// </summary>
    private static void ProcessBackfills(ScheduleEntry s)
    {
        var limit = BackfillsPerIteration;
        while (s.Backfills.Count > 0 && limit > 0 && s.Buffer.Count < MaxBufferSize / 2)
        {
            var backfill = s.Backfills[0];
            var times = s.Spec?.Actions(JitterSeed(s), backfill.After, backfill.End, limit).ToList() ?? [];
            foreach (var (nominal, due) in times)
            {
                AddStart(s, nominal, due, backfill.Overlap, manual: true);
            }

            // As Temporal: a request that used up the limit resumes after its last time, even when that was its end.
            if (times.Count == limit)
            {
                s.Backfills[0] = backfill with { After = times[^1].Due };
            }
            else
            {
                s.Backfills.RemoveAt(0);
            }

            limit -= times.Count;
        }
    }

    private static bool HasMoreAllowAllBackfills(ScheduleEntry s) =>
        s.Backfills.Count > 0 && s.Resolve(s.Backfills[0].Overlap) == ScheduleOverlapPolicy.AllowAll;

    private static void AddStart(ScheduleEntry s, DateTime nominal, DateTime actual, ScheduleOverlapPolicy overlap, bool manual)
    {
        if (s.Buffer.Count >= MaxBufferSize)
        {
            s.Info.BufferDropped++;
            return;
        }

        s.Buffer.Add(new BufferedStart(nominal, actual, overlap, manual));
    }

    // Returns true when there may be more to do at once (a start was refused or held back).
    private bool ProcessBuffer(ScheduleEntry s)
    {
        ForgetClosedRuns(s);
        var action = s.Schedule.Action?.StartWorkflow;
        if (action is null || s.Buffer.Count == 0)
        {
            s.Buffer.Clear();
            return false;
        }

        var decision = OverlapDecision.Of(s.Buffer, s.Info.RunningWorkflows.Count > 0, s.Resolve);
        s.Buffer = decision.NewBuffer;
        s.Info.OverlapSkipped += decision.Skipped;
        var tryAgain = false;
        var starts = decision.NonOverlapping is { } single ? decision.Overlapping.Append(single) : decision.Overlapping;
        foreach (var start in starts.ToList())
        {
            if (!CanTakeScheduledAction(s, start.Manual, decrement: true))
            {
                tryAgain = true;
                continue;
            }

            try
            {
                StartScheduledRun(s, action, start, tracked: start == decision.NonOverlapping);
            }
            catch (RpcException ex)
            {
                // As Temporal: the action is dropped (e.g. its workflow ID is already used), the schedule goes on.
                logger?.LogWarning("Schedule {ScheduleId} did not start its action: {Reason}", s.ScheduleId, ex.Status.Detail);
                tryAgain = true;
            }
        }

        if (decision.NeedTerminate || decision.NeedCancel)
        {
            foreach (var run in s.Info.RunningWorkflows.ToList())
            {
                if (Current(s.Namespace, run.WorkflowId) is { IsOpen: true } execution && execution.FirstRunId == run.RunId)
                {
                    StopForOverlap(s, execution, decision.NeedTerminate);
                }
            }
        }

        return tryAgain;
    }

    private void StopForOverlap(ScheduleEntry s, Execution execution, bool terminate)
    {
        var identity = SchedulerIdentity(s);
        if (terminate)
        {
            Terminate(execution, "terminated by schedule overlap policy", null, identity);
        }
        else if (!execution.CancelRequested)
        {
            execution.CancelRequested = true;
            AddExternal(execution, NewEvent(EventType.WorkflowExecutionCancelRequested, e => e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
            {
                Cause = "cancelled by schedule overlap policy",
                Identity = identity,
            }));
        }
    }

    private void StartScheduledRun(ScheduleEntry s, Temporalio.Api.Workflow.V1.NewWorkflowExecutionInfo action, BufferedStart start, bool tracked)
    {
        var nominal = new DateTime(start.Nominal.Ticks - (start.Nominal.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var workflowId = action.WorkflowId + "-" + nominal.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var allowAll = s.Resolve(start.Overlap) == ScheduleOverlapPolicy.AllowAll;
        var attributes = action.SearchAttributes?.Clone() ?? new SearchAttributes();
        attributes.IndexedFields["TemporalScheduledStartTime"] = SearchAttributeRegistry.JsonPayload(nominal.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), "Datetime");
        attributes.IndexedFields["TemporalScheduledById"] = SearchAttributeRegistry.JsonPayload(s.ScheduleId, "Keyword");
        var args = new StartArgs
        {
            Namespace = s.Namespace,
            WorkflowId = workflowId,
            WorkflowType = action.WorkflowType.Name,
            TaskQueue = action.TaskQueue.Name,
            RequestId = Guid.NewGuid().ToString(),
            Input = action.Input,
            ExecutionTimeout = action.WorkflowExecutionTimeout,
            RunTimeout = action.WorkflowRunTimeout,
            TaskTimeout = action.WorkflowTaskTimeout,
            Identity = SchedulerIdentity(s),
            RetryPolicy = action.RetryPolicy,
            Memo = action.Memo,
            SearchAttributes = attributes,
            Header = action.Header,
            Priority = action.Priority,
            UserMetadata = action.UserMetadata,
            // Allow-all runs overlap: they take no part in the result chain.
            LastCompletionResult = allowAll ? null : s.LastCompletionResult,
            ContinuedFailure = allowAll ? null : s.ContinuedFailure,
        };
        var reuse = start.Manual ? WorkflowIdReusePolicy.AllowDuplicate : WorkflowIdReusePolicy.RejectDuplicate;
        var (execution, _, _) = StartWithPolicies(args, reuse, WorkflowIdConflictPolicy.Unspecified, signal: null);
        s.Info.ActionCount++;
        s.Info.RecentActions.Add(new ScheduleActionResult
        {
            ScheduleTime = Timestamp.FromDateTime(start.Actual),
            ActualTime = Timestamp.FromDateTime(execution.StartTime),
            StartWorkflowResult = new WorkflowExecution { WorkflowId = workflowId, RunId = execution.RunId },
            StartWorkflowStatus = WorkflowExecutionStatus.Running,
        });
        while (s.Info.RecentActions.Count > RecentActionCount)
        {
            s.Info.RecentActions.RemoveAt(0);
        }

        if (tracked)
        {
            s.Info.RunningWorkflows.Add(new WorkflowExecution { WorkflowId = workflowId, RunId = execution.RunId });
            scheduledRuns[(s.Namespace, workflowId)] = s;
        }
    }

    // A run whose close this schedule missed (it closed while the store held an older schedule state) is settled now.
    private void ForgetClosedRuns(ScheduleEntry s)
    {
        foreach (var run in s.Info.RunningWorkflows.ToList())
        {
            var chain = runsById.TryGetValue((s.Namespace, run.WorkflowId), out var runs) ? runs.LastOrDefault(r => r.FirstRunId == run.RunId) : null;
            if (chain is null)
            {
                s.Info.RunningWorkflows.Remove(run);
                scheduledRuns.Remove((s.Namespace, run.WorkflowId));
            }
            else if (!chain.IsOpen && chain.NextRunId is null)
            {
                scheduledRuns[(s.Namespace, run.WorkflowId)] = s;
                OnScheduledRunClosed(chain, chain.History[^1]);
            }
        }
    }

    private static bool CanTakeScheduledAction(ScheduleEntry s, bool manual, bool decrement)
    {
        var state = s.Schedule.State;
        if (manual || (!state.Paused && !state.LimitedActions))
        {
            return true;
        }

        if (state.Paused || state.RemainingActions <= 0)
        {
            return false;
        }

        if (decrement)
        {
            state.RemainingActions--;
            s.ConflictToken++;
        }

        return true;
    }

    private static IEnumerable<DateTime> FutureActionTimes(ScheduleEntry s, int count)
    {
        if (s.Spec is null)
        {
            return [];
        }

        if (s.Schedule.State.LimitedActions)
        {
            count = (int)Math.Min(count, Math.Max(s.Schedule.State.RemainingActions, 0));
        }

        var updated = s.Info.UpdateTime?.ToDateTime();
        return s.Spec.Actions(JitterSeed(s), s.LastProcessedTime, DateTime.MaxValue, int.MaxValue).Select(a => a.Due).Where(t => !(updated > t)).Take(count).ToList();
    }

    // Temporal seeds a schedule's jitter with its namespace and ID: the same times wherever they are computed.
    private static string JitterSeed(ScheduleEntry s) => $"{s.Namespace}-{s.ScheduleId}";

    private static TimeSpan CatchupWindow(ScheduleEntry s)
    {
        var window = s.Schedule.Policies.CatchupWindow?.ToTimeSpan();
        return window is null ? DefaultCatchupWindow : window < MinCatchupWindow ? MinCatchupWindow : window.Value;
    }

    // Defaults set eagerly so that describe shows them, as Temporal does.
    private static Schedule WithDefaults(Schedule schedule)
    {
        schedule.Action ??= new ScheduleAction();
        schedule.Policies ??= new SchedulePolicies();
        schedule.State ??= new Temporalio.Api.Schedule.V1.ScheduleState();
        var policies = schedule.Policies;
        if (policies.OverlapPolicy == ScheduleOverlapPolicy.Unspecified)
        {
            policies.OverlapPolicy = ScheduleOverlapPolicy.Skip;
        }

        var window = policies.CatchupWindow?.ToTimeSpan();
        policies.CatchupWindow = Duration.FromTimeSpan(window is null ? DefaultCatchupWindow : window < MinCatchupWindow ? MinCatchupWindow : window.Value);
        return schedule;
    }

    private static ScheduleSpec CanonicalSpec(ScheduleSpec? spec)
    {
        try
        {
            return CompiledScheduleSpec.Canonicalize(spec);
        }
        catch (FormatException ex)
        {
            throw Errors.InvalidArgument($"Invalid schedule spec: {ex.Message}");
        }
    }

    // Temporal's scheduler appends a timestamp of this length to the workflow ID of each start; the ID is checked with it.
    private const string AppendedTimestampForValidation = "-2009-11-10T23:00:00Z";

    /// <summary>Temporal's validateStartWorkflowArgsForSchedule, in its order and with its messages.</summary>
    private void RequireValidScheduleAction(string ns, ScheduleAction? action)
    {
        if (action?.StartWorkflow is not { } start)
        {
            return;
        }

        if (string.IsNullOrEmpty(start.WorkflowId))
        {
            throw Errors.InvalidArgument("WorkflowId is not set on request.");
        }

        // The start's own checks, in the same order: the ID (with the timestamp), type, task queue, timeouts.
        RequireStartFields(new StartFields(start.WorkflowId + AppendedTimestampForValidation, start.WorkflowType?.Name, start.TaskQueue,
            RequestId: null, RetryPolicy: null, StartDelay: null, start.WorkflowExecutionTimeout, start.WorkflowRunTimeout, start.WorkflowTaskTimeout));
        if (!string.IsNullOrEmpty(start.CronSchedule))
        {
            throw Errors.InvalidArgument("Scheduled workflow must not contain CronSchedule");
        }

        // Each start gets its own ID (the timestamp appended), so only a policy that allows another run makes sense.
        if (start.WorkflowIdReusePolicy is not (WorkflowIdReusePolicy.Unspecified or WorkflowIdReusePolicy.AllowDuplicate))
        {
            throw Errors.InvalidArgument("Scheduled workflow must not contain WorkflowIDReusePolicy");
        }

        if (RetryPolicyRules.Problem(start.RetryPolicy) is { } badRetry)
        {
            throw Errors.InvalidArgument(badRetry);
        }

        RequireValidSearchAttributes(ns, start.SearchAttributes);
    }

    private ScheduleEntry FindSchedule(string ns, string scheduleId) =>
        schedules.TryGetValue((Ns(ns), scheduleId ?? string.Empty), out var s) ? s : throw Errors.NotFound("schedule not found");

    private ScheduleListEntry ListEntry(ScheduleEntry s) => new()
    {
        ScheduleId = s.ScheduleId,
        Memo = s.Memo,
        SearchAttributes = s.SearchAttributes,
        Info = new ScheduleListInfo
        {
            Spec = CompiledScheduleSpec.Clean(s.Schedule.Spec),
            WorkflowType = s.Schedule.Action?.StartWorkflow?.WorkflowType,
            Notes = s.Schedule.State.Notes,
            Paused = s.Schedule.State.Paused,
            RecentActions = { s.Info.RecentActions.Skip(Math.Max(0, s.Info.RecentActions.Count - ListActionCount)) },
            FutureActionTimes = { FutureActionTimes(s, ListActionCount).Select(Timestamp.FromDateTime) },
        },
    };

    // A schedule seen by the list query language as Temporal's scheduler workflow is: its ID, paused flag and search attributes.
    private static Execution AsVisibilityRecord(ScheduleEntry s)
    {
        var attributes = s.SearchAttributes?.Clone() ?? new SearchAttributes();
        attributes.IndexedFields["ScheduleId"] = SearchAttributeRegistry.JsonPayload(s.ScheduleId, "Keyword");
        attributes.IndexedFields["TemporalSchedulePaused"] = SearchAttributeRegistry.JsonPayload(s.Schedule.State.Paused, "Bool");
        return new Execution
        {
            Namespace = s.Namespace,
            WorkflowId = s.ScheduleId,
            RunId = s.ScheduleId,
            FirstRunId = s.ScheduleId,
            WorkflowType = "temporal-sys-scheduler-workflow",
            TaskQueue = string.Empty,
            StartRequestId = s.CreateRequestId,
            StartTime = s.Info.CreateTime?.ToDateTime() ?? DateTime.UnixEpoch,
            SearchAttributes = attributes,
        };
    }

    private static string SchedulerIdentity(ScheduleEntry s) => $"temporal-scheduler-{s.Namespace}-{s.ScheduleId}";

    private static ByteString TokenBytes(long token)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, token);
        return ByteString.CopyFrom(bytes);
    }

    // ---- durability ----

    private void MarkScheduleDirty(ScheduleEntry s)
    {
        if (store.IsDurable)
        {
            dirtySchedules[s.Key] = s;
            changeSeq++;
        }
    }

    /// <summary>Under the lock: every changed schedule (a null state: deleted).</summary>
    private List<ScheduleChange> TakeDirtySchedules()
    {
        var changes = dirtySchedules.Values.Select(s => new ScheduleChange(s.Namespace, s.ScheduleId, s.Deleted ? null : s.ToBytes())).ToList();
        dirtySchedules.Clear();
        return changes;
    }

    /// <summary>Loads the stored schedules and wakes each: missed times within the catch-up window start now.</summary>
    private async Task RestoreSchedulesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadSchedulesAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var bytes in stored)
            {
                var s = ScheduleEntry.FromBytes(bytes);
                try
                {
                    s.Spec = CompiledScheduleSpec.Compile(s.Schedule.Spec);
                }
                catch (FormatException ex)
                {
                    // E.g. a time zone this machine does not know: the schedule is kept, but takes no spec actions.
                    logger?.LogWarning("Schedule {ScheduleId} has a spec this engine cannot evaluate: {Problem}", s.ScheduleId, ex.Message);
                }

                namespaces.Ensure(s.Namespace);
                schedules[s.Key] = s;
                foreach (var run in s.Info.RunningWorkflows)
                {
                    scheduledRuns[(s.Namespace, run.WorkflowId)] = s;
                }
            }

            foreach (var s in schedules.Values.ToList())
            {
                RunSchedule(s);
            }

            if (stored.Count > 0)
            {
                logger?.LogInformation("Engine restored {Schedules} schedules from {Store}", stored.Count, store.Description);
            }
        }
    }
}
