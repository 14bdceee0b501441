using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Everything a new run needs, whatever started it (client, signal-with-start, child, continue-as-new).</summary>
internal sealed record StartArgs
{
    public required string Namespace { get; init; }

    public required string WorkflowId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public required string RequestId { get; init; }

    public Payloads? Input { get; init; }

    public Google.Protobuf.WellKnownTypes.Duration? ExecutionTimeout { get; init; }

    public Google.Protobuf.WellKnownTypes.Duration? RunTimeout { get; init; }

    public Google.Protobuf.WellKnownTypes.Duration? TaskTimeout { get; init; }

    public string Identity { get; init; } = string.Empty;

    public RetryPolicy? RetryPolicy { get; init; }

    public Memo? Memo { get; init; }

    public SearchAttributes? SearchAttributes { get; init; }

    public Header? Header { get; init; }

    public Google.Protobuf.WellKnownTypes.Duration? StartDelay { get; init; }

    public ParentLink? Parent { get; init; }

    public WorkflowExecution? Root { get; init; }

    public string? FirstRunId { get; init; }

    /// <summary>Chosen before the run is created when something must name it first (the run it terminates).</summary>
    public string? RunId { get; init; }

    public string? ContinuedRunId { get; init; }

    /// <summary>The reset points of the run this one continues (continue-as-new, retry, cron), recorded on its started event.</summary>
    public Temporalio.Api.Workflow.V1.ResetPoints? PrevAutoResetPoints { get; init; }

    public ContinueAsNewInitiator Initiator { get; init; }

    public Failure? ContinuedFailure { get; init; }

    public Payloads? LastCompletionResult { get; init; }

    public int Attempt { get; init; } = 1;

    /// <summary>The first task goes back with the start response (recorded on the started event, as Temporal does).</summary>
    public bool EagerExecutionAccepted { get; init; }

    /// <summary>A cron workflow's schedule: every run that closes (not terminated or cancelled) starts the next.</summary>
    public string CronSchedule { get; init; } = string.Empty;

    public DateTime? ExecutionDeadline { get; init; }

    public Priority? Priority { get; init; }

    /// <summary>Static summary and details: kept on the started event, returned by describe.</summary>
    public Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata { get; init; }

    /// <summary>A pinned version the run starts with (Temporal's inheritance by a child or continue-as-new of a pinned run).</summary>
    public Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? InheritedPinnedVersion { get; init; }

    /// <summary>A continue-as-new run that starts AUTO_UPGRADE from its predecessor's version (Temporal's inherited auto-upgrade info).</summary>
    public Temporalio.Api.Deployment.V1.InheritedAutoUpgradeInfo? InheritedAutoUpgradeInfo { get; init; }

    /// <summary>The target version a pinned chain's previous run was told of and did not move to.</summary>
    public DeclinedTargetVersionUpgrade? DeclinedTargetUpgrade { get; init; }

    /// <summary>Where the chain's end is reported (a Nexus handler's caller): kept on the started event, carried to each next run.</summary>
    public IReadOnlyList<Callback> CompletionCallbacks { get; init; } = [];

    /// <summary>The start request's links (those its Nexus callbacks carry removed): kept on the started event.</summary>
    public IReadOnlyList<Link> Links { get; init; } = [];

    /// <summary>What a start that finds the workflow running (USE_EXISTING) attaches to it.</summary>
    public Temporalio.Api.Workflow.V1.OnConflictOptions? OnConflict { get; init; }

    /// <summary>The versioning override the run starts with: the start request's, or a pinned one passed on by its previous run or parent.</summary>
    public Temporalio.Api.Workflow.V1.VersioningOverride? VersioningOverride { get; init; }
}

internal sealed partial class WorkflowEngine
{
    private static readonly Google.Protobuf.WellKnownTypes.Duration DefaultTaskTimeout = new() { Seconds = 10 };
    private static readonly TimeSpan MaxTaskTimeout = TimeSpan.FromSeconds(120);

    public StartWorkflowExecutionResponse StartWorkflow(StartWorkflowExecutionRequest request)
    {
        GiveRequestId(request);
        RequireStartRequest(request);
        using (gate.Enter())
        {
            var args = StartArgsOf(request);
            // As Temporal: eager start is refused when the first task must wait (start delay, cron).
            var eager = request.RequestEagerExecution && args.StartDelay is null;
            var outcome = StartWithPolicies(args with { EagerExecutionAccepted = eager }, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy, signal: null);
            var execution = outcome.Execution;
            return new StartWorkflowExecutionResponse
            {
                RunId = execution.RunId,
                FirstExecutionRunId = execution.FirstRunId,
                Started = outcome.Started,
                Status = execution.Status, // running, or a deduplicated start's run as it is now
                EagerWorkflowTask = eager && outcome.Started ? EagerWorkflowTask(execution, request.Identity) : null,
                Link = StartAnswerLink(execution, request.RequestId, outcome.ByRequestId),
            };
        }
    }

    /// <summary>Temporal's frontend checks of a start request (StartWorkflowExecution and update-with-start's start), before the lock.</summary>
    private void RequireStartRequest(StartWorkflowExecutionRequest request)
    {
        RequireStartFields(new StartFields(request.WorkflowId, request.WorkflowType?.Name, request.TaskQueue, request.RequestId, request.RetryPolicy,
            request.WorkflowStartDelay, request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout));
        CheckBlobSize(request.Input, "StartWorkflowExecution");
        CheckMemoSize(request.Memo, "StartWorkflowExecution");
        LinkRules.ValidateOnConflict(request.OnConflictOptions);
        LinkRules.Validate(request.Links, request.CompletionCallbacks);
    }

    /// <summary>A start request's run, as StartWorkflowExecution and update-with-start both give it. Under the lock.</summary>
    private StartArgs StartArgsOf(StartWorkflowExecutionRequest request)
    {
        var args = ArgsOf(request.Namespace, request.WorkflowId, request.WorkflowType!.Name, request.TaskQueue!.Name, request.RequestId, request.Input,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.Identity, request.RetryPolicy,
            request.Memo, request.SearchAttributes, request.Header, request.WorkflowStartDelay, request.Priority) with
            {
                UserMetadata = request.UserMetadata,
                VersioningOverride = request.VersioningOverride,
                CompletionCallbacks = request.CompletionCallbacks,
                Links = LinkRules.WithoutCallbackLinks(request.Links, request.CompletionCallbacks),
                OnConflict = request.OnConflictOptions,
            };
        RequireUsableOverride(request.VersioningOverride, request.Namespace, request.TaskQueue.Name);
        return WithCron(args, request.CronSchedule);
    }

    /// <summary>
    /// Temporal's frontend checks of a signal-with-start, before the lock, in the order and words of its own validator
    /// (not the start's): the cron schedule, the workflow ID, the signal name, the type, the task queue, the request ID,
    /// the timeouts, the retry policy, the start delay, the ID policies (FAIL refused: signal-with-start never fails on a
    /// running workflow); then links and sizes. Returns the ID policies it runs under.
    /// </summary>
    private (WorkflowIdReusePolicy Reuse, WorkflowIdConflictPolicy Conflict) RequireSignalWithStartRequest(SignalWithStartWorkflowExecutionRequest request)
    {
        if (request.CronSchedule.Length > 0 && WorkflowCron.TryParse(request.CronSchedule, out var badCron) is null)
        {
            throw Errors.InvalidArgument(badCron);
        }

        RequireWorkflowId(request.WorkflowId);
        RequireName(request.SignalName, "signal not set", "signal name");
        RequireName(request.WorkflowType?.Name, "workflow type not set", "workflow type name");
        TaskQueueNames.RequireUserDefined(request.TaskQueue);
        if (IdLength(request.RequestId) is var requestIdLength && requestIdLength > MaxIdLength)
        {
            throw Errors.InvalidArgument($"Request ID exceeds maximum allowed length ({requestIdLength}/{MaxIdLength})");
        }

        RequireDuration(request.WorkflowExecutionTimeout, "WorkflowExecutionTimeoutSeconds");
        RequireDuration(request.WorkflowRunTimeout, "WorkflowRunTimeoutSeconds");
        RequireDuration(request.WorkflowTaskTimeout, "WorkflowTaskTimeoutSeconds");
        RequireRetryPolicy(request.RetryPolicy);
        if (request.CronSchedule.Length > 0 && request.WorkflowStartDelay is not null)
        {
            throw Errors.InvalidArgument("CronSchedule and WorkflowStartDelay may not be used together.");
        }

        RequireDuration(request.WorkflowStartDelay, "WorkflowStartDelaySeconds");
        var policies = MigratedPolicies(request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy);
        if (request.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.Fail)
        {
            throw Errors.InvalidArgument("Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.");
        }

        LinkRules.Validate(request.Links);
        CheckBlobSize(request.Input, "SignalWithStartWorkflowExecution");
        CheckBlobSize(request.SignalInput, "SignalWithStartWorkflowExecution");
        CheckMemoSize(request.Memo, "SignalWithStartWorkflowExecution");
        return policies;
    }

    public SignalWithStartWorkflowExecutionResponse SignalWithStart(SignalWithStartWorkflowExecutionRequest request)
    {
        GiveRequestId(request);
        var (reuse, conflict) = RequireSignalWithStartRequest(request);
        using (gate.Enter())
        {
            var signal = NewSignalEvent(request.SignalName, request.SignalInput, request.Identity, request.Header, request.RequestId, request.Links);
            var current = Current(request.Namespace, request.WorkflowId);
            if (current is { IsOpen: true } && conflict != WorkflowIdConflictPolicy.TerminateExisting)
            {
                // A retried request whose signal (or start) this run already has: nothing new, as in Temporal.
                if (current.RequestIds.Add(request.RequestId))
                {
                    AddExternal(current, signal, endStartDelay: true);
                }

                return SignalWithStartAnswer(current, started: false, request.RequestId);
            }

            var args = ArgsOf(request.Namespace, request.WorkflowId, request.WorkflowType!.Name, request.TaskQueue!.Name, request.RequestId, request.Input,
                request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.Identity, request.RetryPolicy,
                request.Memo, request.SearchAttributes, request.Header, request.WorkflowStartDelay, request.Priority) with
                {
                    UserMetadata = request.UserMetadata,
                    VersioningOverride = request.VersioningOverride,
                    Links = request.Links,
                };
            RequireUsableOverride(request.VersioningOverride, request.Namespace, request.TaskQueue.Name);

            var (execution, started, _) = StartWithPolicies(WithCron(args, request.CronSchedule), reuse, conflict, signal);
            return SignalWithStartAnswer(execution, started, request.RequestId);
        }
    }

    private static SignalWithStartWorkflowExecutionResponse SignalWithStartAnswer(Execution execution, bool started, string requestId) => new()
    {
        RunId = execution.RunId,
        FirstExecutionRunId = execution.FirstRunId,
        Started = started,
        SignalLink = RequestIdLink(execution, requestId, EventType.WorkflowExecutionSignaled),
    };

    // Start and signal-with-start requests carry the same start fields under the same names.
    private StartArgs ArgsOf(string ns, string workflowId, string type, string taskQueue, string requestId, Payloads? input,
        Google.Protobuf.WellKnownTypes.Duration? executionTimeout, Google.Protobuf.WellKnownTypes.Duration? runTimeout,
        Google.Protobuf.WellKnownTypes.Duration? taskTimeout, string identity, RetryPolicy? retryPolicy, Memo? memo,
        SearchAttributes? searchAttributes, Header? header, Google.Protobuf.WellKnownTypes.Duration? startDelay, Priority? priority)
    {
        RequireValidSearchAttributes(Ns(ns), searchAttributes);
        return new()
        {
            Namespace = Ns(ns),
            WorkflowId = workflowId,
            WorkflowType = type,
            TaskQueue = taskQueue,
            RequestId = requestId,
            Input = input,
            ExecutionTimeout = executionTimeout,
            RunTimeout = runTimeout,
            TaskTimeout = taskTimeout,
            Identity = identity,
            RetryPolicy = retryPolicy,
            Memo = memo,
            SearchAttributes = searchAttributes,
            Header = header,
            StartDelay = startDelay,
            Priority = priority,
        };
    }

    /// <summary>
    /// A cron workflow's first run, as Temporal starts it: initiated by the cron schedule, its first workflow
    /// task held until the schedule's next time (a start delay cannot be combined with it).
    /// </summary>
    private StartArgs WithCron(StartArgs args, string? cronSchedule)
    {
        if (string.IsNullOrEmpty(cronSchedule))
        {
            return args;
        }

        if (args.StartDelay is not null)
        {
            throw Errors.InvalidArgument("CronSchedule and WorkflowStartDelay may not be used together.");
        }

        var cron = WorkflowCron.TryParse(cronSchedule, out var problem) ?? throw Errors.InvalidArgument(problem);
        var now = Clock.Now;
        var backoff = cron.Backoff(now, now) ?? TimeSpan.Zero;
        return args with
        {
            CronSchedule = cronSchedule,
            Initiator = ContinueAsNewInitiator.CronSchedule,
            StartDelay = backoff > TimeSpan.Zero ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(backoff) : null,
        };
    }

    /// <summary>
    /// Temporal's frontend checks of a start's fields, in its order (prepareStartWorkflowRequest and the chasm
    /// RequestValidator): the workflow ID, the retry policy, the start delay, the type, the task queue, the timeouts,
    /// the request ID (given one beforehand if empty, <see cref="GiveRequestId(StartWorkflowExecutionRequest)"/>). Names and IDs are bounded by
    /// <c>limit.maxIDLength</c> (bytes).
    /// </summary>
    private static void RequireStartFields(StartFields start)
    {
        RequireWorkflowId(start.WorkflowId);
        RequireRetryPolicy(start.RetryPolicy);
        RequireDuration(start.StartDelay, "WorkflowStartDelaySeconds");
        if (string.IsNullOrEmpty(start.Type))
        {
            throw Errors.InvalidArgument("WorkflowType is not set on request.");
        }

        if (IdLength(start.Type) > MaxIdLength)
        {
            throw Errors.InvalidArgument("WorkflowType length exceeds limit.");
        }

        TaskQueueNames.RequireUserDefined(start.TaskQueue);
        RequireDuration(start.ExecutionTimeout, "WorkflowExecutionTimeoutSeconds");
        RequireDuration(start.RunTimeout, "WorkflowRunTimeoutSeconds");
        RequireDuration(start.TaskTimeout, "WorkflowTaskTimeoutSeconds");
        RequireRequestIdLength(start.RequestId);
    }

    private static void RequireWorkflowId(string? workflowId) => RequireName(workflowId, "WorkflowId is not set on request.", "WorkflowId");

    private static void RequireRetryPolicy(RetryPolicy? retryPolicy)
    {
        if (RetryPolicyRules.Problem(retryPolicy) is { } badRetry)
        {
            throw Errors.InvalidArgument(badRetry);
        }
    }

    /// <summary>An ID or name that must be set and within <c>limit.maxIDLength</c>, in the chasm validator's words.</summary>
    private static void RequireName(string? name, string notSet, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Errors.InvalidArgument(notSet);
        }

        if (IdLength(name) is var length && length > MaxIdLength)
        {
            throw Errors.InvalidArgument($"{what} exceeds maximum allowed length ({length}/{MaxIdLength})");
        }
    }

    /// <summary>
    /// As Temporal's validateRequestId: a start without a request ID is given one ("for easy direct API use"; SDKs
    /// always send their own, so that a retried call is recognised). Done by the start paths before the checks, which
    /// see the ID the start runs with.
    /// </summary>
    private static void GiveRequestId(StartWorkflowExecutionRequest request) => request.RequestId = RequestIdOrNew(request.RequestId);

    /// <inheritdoc cref="GiveRequestId(StartWorkflowExecutionRequest)"/>
    private static void GiveRequestId(SignalWithStartWorkflowExecutionRequest request) => request.RequestId = RequestIdOrNew(request.RequestId);

    private static string RequestIdOrNew(string requestId) => requestId.Length > 0 ? requestId : Guid.NewGuid().ToString();

    /// <summary>Temporal's ValidateAndCapProtoDuration for a start's duration field, with its message.</summary>
    private static void RequireDuration(Google.Protobuf.WellKnownTypes.Duration? duration, string field)
    {
        if (RetryPolicyRules.DurationProblem(duration) is { } problem)
        {
            throw Errors.InvalidArgument($"An invalid {field} is set on request. cause: {problem}");
        }
    }

    /// <summary>The fields of a start request <see cref="RequireStartFields"/> checks.</summary>
    private sealed record StartFields(
        string? WorkflowId,
        string? Type,
        Temporalio.Api.TaskQueue.V1.TaskQueue? TaskQueue,
        string? RequestId,
        RetryPolicy? RetryPolicy,
        Google.Protobuf.WellKnownTypes.Duration? StartDelay,
        Google.Protobuf.WellKnownTypes.Duration? ExecutionTimeout,
        Google.Protobuf.WellKnownTypes.Duration? RunTimeout,
        Google.Protobuf.WellKnownTypes.Duration? TaskTimeout);

    /// <summary>
    /// Temporal's check of the two policies, then its migration of the legacy TERMINATE_IF_RUNNING reuse policy
    /// (= ALLOW_DUPLICATE + TERMINATE_EXISTING), with its messages.
    /// </summary>
    private static (WorkflowIdReusePolicy Reuse, WorkflowIdConflictPolicy Conflict) MigratedPolicies(WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict)
    {
        if (reuse == WorkflowIdReusePolicy.TerminateIfRunning)
        {
            if (conflict != WorkflowIdConflictPolicy.Unspecified)
            {
                throw Errors.InvalidArgument("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy");
            }

            return (WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.TerminateExisting);
        }

        if (conflict == WorkflowIdConflictPolicy.TerminateExisting && reuse == WorkflowIdReusePolicy.RejectDuplicate)
        {
            throw Errors.InvalidArgument("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE cannot be used together with WorkflowIdConflictPolicy WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING");
        }

        return (reuse, conflict);
    }

    /// <summary>
    /// ID reuse and conflict policies, request-ID idempotency; then a new run. Under the lock. ByRequestId: the
    /// answer names the run by the request ID attached to it (USE_EXISTING with on-conflict options), as Temporal's link does.
    /// </summary>
    private (Execution Execution, bool Started, bool ByRequestId) StartWithPolicies(StartArgs args, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict, HistoryEvent? signal)
    {
        (reuse, conflict) = MigratedPolicies(reuse, conflict);

        var current = Current(args.Namespace, args.WorkflowId);
        if (current is not null)
        {
            if (current.StartRequestId == args.RequestId)
            {
                return (current, true, false);
            }

            if (HasAttachedRequestId(current, args.RequestId))
            {
                return (current, false, true);
            }

            if (current.IsOpen)
            {
                switch (conflict)
                {
                    case WorkflowIdConflictPolicy.UseExisting:
                        if (signal is not null)
                        {
                            AddExternal(current, signal, endStartDelay: true);
                        }

                        if (args.OnConflict is { } attach)
                        {
                            AttachOnConflict(current, args, attach);
                        }

                        return (current, false, args.OnConflict?.AttachRequestId == true);
                    case WorkflowIdConflictPolicy.TerminateExisting:
                        // Temporal's record of it: the history service terminates, naming the run that replaces it.
                        args = args with { RunId = Guid.NewGuid().ToString() };
                        Terminate(current, "TerminateIfRunning WorkflowIdReusePolicy", StringPayloads($"terminated by new runID: {args.RunId}"), HistoryServiceIdentity);
                        break;
                    default:
                        throw Errors.AlreadyStarted(args.WorkflowId, current.RunId, current.StartRequestId);
                }
            }
            else
            {
                var refusal = reuse switch
                {
                    WorkflowIdReusePolicy.RejectDuplicate =>
                        $"Workflow execution already finished. WorkflowId: {args.WorkflowId}, RunId: {current.RunId}. Workflow Id reuse policy: reject duplicate workflow Id.",
                    WorkflowIdReusePolicy.AllowDuplicateFailedOnly when current.Status is WorkflowExecutionStatus.Completed or WorkflowExecutionStatus.ContinuedAsNew =>
                        $"Workflow execution already finished successfully. WorkflowId: {args.WorkflowId}, RunId: {current.RunId}. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.",
                    _ => null,
                };
                if (refusal is not null)
                {
                    throw Errors.AlreadyStartedWith(refusal, current.RunId, current.StartRequestId);
                }
            }
        }

        RequireCallbackRoom(attached: 0, args.CompletionCallbacks.Count);
        return (CreateRun(args, signal), true, false);
    }

    /// <summary>Creates a run: WorkflowExecutionStarted (+ signal) + the first workflow task. Under the lock.</summary>
    private Execution CreateRun(StartArgs args, HistoryEvent? signal)
    {
        var runId = args.RunId ?? Guid.NewGuid().ToString();
        var taskTimeout = NonZero(args.TaskTimeout) ?? DefaultTaskTimeout;
        if (taskTimeout.ToTimeSpan() > MaxTaskTimeout)
        {
            taskTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(MaxTaskTimeout);
        }

        var runTimeout = NonZero(args.RunTimeout);
        var executionTimeout = NonZero(args.ExecutionTimeout);
        // As Temporal's overrideWorkflowRunTimeout: the run timeout is at most the execution timeout, which it defaults to.
        if (executionTimeout is not null && (runTimeout is null || runTimeout.ToTimeSpan() > executionTimeout.ToTimeSpan()))
        {
            runTimeout = executionTimeout;
        }

        if (runTimeout is not null && taskTimeout.ToTimeSpan() > runTimeout.ToTimeSpan())
        {
            taskTimeout = runTimeout;
        }

        var now = Clock.Now;
        var execution = new Execution
        {
            Namespace = args.Namespace,
            WorkflowId = args.WorkflowId,
            RunId = runId,
            FirstRunId = args.FirstRunId ?? runId,
            WorkflowType = args.WorkflowType,
            TaskQueue = args.TaskQueue,
            StartRequestId = args.RequestId,
            StartTime = now,
            FirstWorkflowTaskBackoff = args.StartDelay?.ToTimeSpan() ?? TimeSpan.Zero,
            TaskTimeout = taskTimeout,
            RunTimeout = runTimeout,
            ExecutionTimeout = executionTimeout,
            ExecutionDeadline = args.ExecutionDeadline ?? (executionTimeout is null ? null : now + executionTimeout.ToTimeSpan()),
            // Copies: upserts change the run, never the recorded started event.
            Memo = args.Memo?.Clone(),
            Priority = args.Priority?.Clone(),
            SearchAttributes = args.SearchAttributes?.Clone() ?? new SearchAttributes(),
            RetryPolicy = RetryPolicyRules.WithDefaults(args.RetryPolicy),
            Parent = args.Parent,
            Root = args.Root,
            AutoResetPoints = RolledOverResetPoints(args.PrevAutoResetPoints, args.ContinuedRunId, now, RetentionOf(args.Namespace)),
        };
        execution.RequestIds.Add(args.RequestId);
        Register(execution);

        var backoff = NonZero(args.StartDelay);
        Append(execution, NewEvent(EventType.WorkflowExecutionStarted, e =>
        {
            // The run's start time is its started event's time, as Temporal takes it from the event.
            e.EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(now);
            // Static summary/details live on the started event (not its attributes), as on Temporal; counted in its size.
            e.UserMetadata = args.UserMetadata;
            e.Links.AddRange(args.Links);
            e.WorkflowExecutionStartedEventAttributes = new WorkflowExecutionStartedEventAttributes
            {
                WorkflowId = args.WorkflowId,
                WorkflowType = new WorkflowType { Name = args.WorkflowType },
                TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = args.TaskQueue, Kind = TaskQueueKind.Normal },
                Input = args.Input,
                WorkflowExecutionTimeout = executionTimeout,
                WorkflowRunTimeout = runTimeout,
                WorkflowTaskTimeout = taskTimeout,
                Identity = args.Identity,
                Attempt = args.Attempt,
                OriginalExecutionRunId = runId,
                FirstExecutionRunId = execution.FirstRunId,
                ContinuedExecutionRunId = args.ContinuedRunId ?? string.Empty,
                PrevAutoResetPoints = args.PrevAutoResetPoints?.Clone(),
                Initiator = args.Initiator,
                ContinuedFailure = args.ContinuedFailure,
                LastCompletionResult = args.LastCompletionResult,
                RetryPolicy = execution.RetryPolicy?.Clone(),
                CronSchedule = args.CronSchedule,
                EagerExecutionAccepted = args.EagerExecutionAccepted,
                Memo = args.Memo,
                SearchAttributes = args.SearchAttributes,
                Header = args.Header,
                FirstWorkflowTaskBackoff = backoff,
                ParentWorkflowNamespace = args.Parent?.Namespace ?? string.Empty,
                ParentWorkflowNamespaceId = args.Parent is { } parentLink ? NamespaceIdOf(parentLink.Namespace) : string.Empty,
                ParentWorkflowExecution = args.Parent is null ? null : new WorkflowExecution { WorkflowId = args.Parent.WorkflowId, RunId = args.Parent.RunId },
                ParentInitiatedEventId = args.Parent?.InitiatedEventId ?? 0,
                // Only a child has a root: Workflow.Info.Root is null for a top-level workflow, as on Temporal.
                RootWorkflowExecution = args.Root,
                WorkflowExecutionExpirationTime = execution.ExecutionDeadline is { } deadline ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(deadline) : null,
                Priority = args.Priority,
                InheritedPinnedVersion = args.InheritedPinnedVersion,
                VersioningOverride = args.VersioningOverride,
                InheritedAutoUpgradeInfo = args.InheritedAutoUpgradeInfo,
                DeclinedTargetVersionUpgrade = args.DeclinedTargetUpgrade,
                CompletionCallbacks = { args.CompletionCallbacks },
            };
        }));
        execution.SetVersioningInfo(StartVersioningInfo(args.VersioningOverride, args.InheritedPinnedVersion, args.InheritedAutoUpgradeInfo));

        if (args.ContinuedRunId is not null && args.InheritedPinnedVersion is not null)
        {
            execution.DeclinedTargetUpgrade = args.DeclinedTargetUpgrade;
        }

        if (signal is not null)
        {
            Append(execution, signal);
        }

        ArmRunTimeout(execution, execution.ExecutionTime);
        if (backoff is not null)
        {
            execution.StartDelayDue = now + backoff.ToTimeSpan();
            ArmStartDelay(execution);
        }
        else
        {
            ScheduleWorkflowTask(execution);
        }

        taskFloor.ImmediateTask(now, gate.Transaction); // Temporal's visibility task for the start
        Log("Started {WorkflowId}/{RunId} ({Type})", execution.WorkflowId, runId, args.WorkflowType);
        return execution;
    }

    /// <summary>
    /// As Temporal's history applies the started event: the override (in its v0.32 form) and an inherited
    /// version, which pins the run from its first task. Null for a start that carries none of them.
    /// </summary>
    private static Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo? StartVersioningInfo(
        Temporalio.Api.Workflow.V1.VersioningOverride? versioningOverride, Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? inheritedPinnedVersion,
        Temporalio.Api.Deployment.V1.InheritedAutoUpgradeInfo? inheritedAutoUpgrade = null)
    {
        if (versioningOverride is null && inheritedPinnedVersion is null && inheritedAutoUpgrade is null)
        {
            return null;
        }

        var info = new Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo
        {
            VersioningOverride = Deployments.VersioningOverrides.Normalised(versioningOverride),
        };
        if (inheritedAutoUpgrade is { SourceDeploymentVersion: { } source })
        {
            // AUTO_UPGRADE for its first task, from the predecessor's version; the worker's behavior after that.
            info.Behavior = VersioningBehavior.AutoUpgrade;
            info.DeploymentVersion = source.Clone();
            info.RevisionNumber = inheritedAutoUpgrade.SourceDeploymentRevisionNumber;
            info.ContinueAsNewInitialVersioningBehavior = inheritedAutoUpgrade.ContinueAsNewInitialVersioningBehavior;
        }

        if (inheritedPinnedVersion is { } pinned)
        {
            info.Behavior = VersioningBehavior.Pinned;
            info.DeploymentVersion = pinned.Clone();
#pragma warning disable CS0612 // the v0.31 string Temporal still fills
            info.Version = Deployments.WorkerDeploymentVersionId.V31(pinned.DeploymentName, pinned.BuildId);
#pragma warning restore CS0612
        }

        return info;
    }

    /// <summary>
    /// As Temporal: the run timeout counts from the first workflow task's time (after a start delay, cron or
    /// retry backoff), capped by the execution timeout.
    /// </summary>
    /// <param name="from">When the run timeout starts counting: the run's execution time (a reset run: now).</param>
    private void ArmRunTimeout(Execution execution, DateTime from)
    {
        DateTime? deadline = execution.RunTimeout is null ? null : from + execution.RunTimeout.ToTimeSpan();
        if (execution.ExecutionDeadline is { } executionDeadline && (deadline is null || executionDeadline < deadline))
        {
            deadline = executionDeadline;
        }

        execution.RunTimeoutDue = deadline;
        ArmRunTimeoutTimer(execution);
    }

    private void ArmRunTimeoutTimer(Execution execution)
    {
        if (execution.RunTimeoutDue is { } due)
        {
            execution.RunTimeoutTimer = ScheduleTask(due, () => TimeOutRun(execution));
        }
    }

    private void ArmStartDelay(Execution execution)
    {
        if (execution.StartDelayDue is { } due)
        {
            execution.StartDelayTimer = ScheduleTask(due, () => ScheduleWorkflowTask(execution, endStartDelay: true));
        }
    }

    private void TimeOutRun(Execution execution)
    {
        if (!execution.IsOpen)
        {
            return;
        }

        // A run timeout is retried under the workflow's retry policy; the execution timeout is final.
        var executionExpired = execution.ExecutionDeadline is { } deadline && Clock.Now >= deadline;
        var failure = new Failure { Message = "workflow timeout", TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = TimeoutType.StartToClose } };
        var (retryState, next) = executionExpired ? (RetryState.Timeout, null) : RetryRun(execution, failure, TimeoutType.StartToClose);
        if (!executionExpired)
        {
            next ??= NextCronRun(execution, result: null, failure);
        }

        ForceClose(execution, NewEvent(EventType.WorkflowExecutionTimedOut, e => e.WorkflowExecutionTimedOutEventAttributes = new WorkflowExecutionTimedOutEventAttributes
        {
            RetryState = retryState,
            NewExecutionRunId = next?.RunId ?? string.Empty,
        }), WorkflowExecutionStatus.TimedOut);
    }

    private HistoryEvent NewSignalEvent(string name, Payloads? input, string identity, Header? header, string? requestId = null, IEnumerable<Link>? links = null) =>
        NewEvent(EventType.WorkflowExecutionSignaled, e =>
        {
            e.WorkflowExecutionSignaledEventAttributes = new WorkflowExecutionSignaledEventAttributes
            {
                SignalName = name,
                Input = input,
                Identity = identity ?? string.Empty,
                Header = header,
                RequestId = requestId ?? string.Empty,
            };
            e.Links.AddRange(links ?? []);
        });

    /// <summary>A string as Temporal's server encodes one it writes into history (its default converter: JSON).</summary>
    private static Payloads StringPayloads(string value) =>
        new() { Payloads_ = { SearchAttributeRegistry.JsonPayload(value, type: null) } };

    /// <summary>
    /// Eager start (request_eager_execution): the first workflow task is started at once and returned with
    /// the start response, as the Temporal CLI dev server does; the queued copy of it is then stale.
    /// </summary>
    private PollWorkflowTaskQueueResponse? EagerWorkflowTask(Execution execution, string identity) =>
        execution.Wft == WorkflowTaskState.Scheduled && !execution.WftOnSticky
            ? BuildWorkflowTask(new WorkflowTaskItem(execution, execution.WftScheduledId, execution.WftAttempt), identity)
            : null;
}
