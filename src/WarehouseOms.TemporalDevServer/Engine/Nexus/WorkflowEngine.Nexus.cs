using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Nexus.V1;
using Endpoint = Temporalio.Api.Nexus.V1.Endpoint;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Nexus;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>What one workflow task's commands schedule and cancel, for the checks that count across commands.</summary>
internal sealed class NexusCommandTally
{
    public int Scheduled { get; set; }

    public HashSet<long> Cancelled { get; } = [];
}

/// <summary>A Nexus request waiting for a handler worker: the start of an operation, or its cancel.</summary>
/// <summary>What a completion callback delivers: when the handler's work started, the link to it, and its result or failure.</summary>
internal sealed record NexusCompletion(DateTime StartTime, Temporalio.Api.Common.V1.Link StartLink, Temporalio.Api.Common.V1.Payload? Result,
    Temporalio.Api.Failure.V1.Failure? Failure, bool Canceled);

internal sealed record NexusTaskItem(Execution Execution, long ScheduledEventId, int Attempt, bool Cancel) : RunWorkItem(Execution);

/// <summary>What a Nexus request names, whoever called (a workflow's scheduled event, a standalone operation).</summary>
internal sealed record NexusCall(string Endpoint, string Service, string Operation, IEnumerable<KeyValuePair<string, string>> Header, string RequestId,
    Payload? Input, NexusCallbackToken CallbackToken, Temporalio.Api.Nexus.V1.Link CallerLink);

/// <summary>A handler's answer to a start: a sync result, an async operation's token, or the end it reports.</summary>
internal abstract record NexusStartAnswer
{
    public sealed record Sync(Payload? Result, IReadOnlyList<Temporalio.Api.Nexus.V1.Link> Links) : NexusStartAnswer;

    public sealed record Async(string OperationToken, IReadOnlyList<Temporalio.Api.Common.V1.Link> Links) : NexusStartAnswer;

    public sealed record Ended(Failure Failure, bool Canceled) : NexusStartAnswer;
}

/// <summary>
/// Nexus operations called from workflows, as Temporal's history and matching run them with a worker-target
/// endpoint (ADR 0049): the start goes to the endpoint's task queue as a Nexus task; a sync result closes the
/// operation, an async one starts it and the handler's workflow closes it through its completion callback;
/// retryable handler errors and unanswered requests back off and try again within the operation's timeouts.
/// </summary>
internal sealed partial class WorkflowEngine
{
    // Temporal's component.nexusoperations.request.timeout (its retry policy: NexusOperationState.StartAttemptFailed).
    private static readonly TimeSpan NexusRequestTimeout = TimeSpan.FromSeconds(10);
    // component.nexusoperations.limit.request.timeout.min: with less time left a request is not sent.
    private static readonly TimeSpan NexusMinRequestTimeout = TimeSpan.FromMilliseconds(1500);
    private const int MaxPendingNexusOperations = 30;
    private const int MaxNexusNameLength = 1000;
    private const int MaxNexusHeaderBytes = 8192;
    private const int MaxOperationTokenLength = 4096;

    // Headers the server sets itself (Temporal's component.nexusoperations.disallowedOperationHeaders).
    private static readonly HashSet<string> DisallowedNexusHeaders = new(StringComparer.Ordinal)
    {
        "request-timeout", "operation-timeout", "xdc-redirection", "xdc-redirection-api", "temporal-nexus-failure-support",
        "caller-name", "caller-type", "call-origin",
    };

    private readonly NexusEndpointRegistry nexusEndpoints = new();
    private readonly Dictionary<(string Namespace, string Name), TaskQueueState> nexusQueues = [];

    // --- Endpoints (OperatorService) ---

    public Endpoint CreateNexusEndpoint(Temporalio.Api.OperatorService.V1.CreateNexusEndpointRequest request)
    {
        using (gate.Enter())
        {
            var endpoint = nexusEndpoints.Create(request, namespaces.Contains, Clock.Now);
            RegistryChanged(hasChanges: true, () => nexusEndpoints.TakeChanges());
            return endpoint;
        }
    }

    public Endpoint UpdateNexusEndpoint(Temporalio.Api.OperatorService.V1.UpdateNexusEndpointRequest request)
    {
        using (gate.Enter())
        {
            var endpoint = nexusEndpoints.Update(request, namespaces.Contains, Clock.Now);
            RegistryChanged(hasChanges: true, () => nexusEndpoints.TakeChanges());
            return endpoint;
        }
    }

    public void DeleteNexusEndpoint(Temporalio.Api.OperatorService.V1.DeleteNexusEndpointRequest request)
    {
        using (gate.Enter())
        {
            nexusEndpoints.Delete(request);
            RegistryChanged(hasChanges: true, () => nexusEndpoints.TakeChanges());
        }
    }

    public Endpoint GetNexusEndpoint(string id)
    {
        using (gate.Enter())
        {
            return nexusEndpoints.Get(id);
        }
    }

    public Temporalio.Api.OperatorService.V1.ListNexusEndpointsResponse ListNexusEndpoints(Temporalio.Api.OperatorService.V1.ListNexusEndpointsRequest request)
    {
        using (gate.Enter())
        {
            return nexusEndpoints.List(request);
        }
    }

    // --- Commands ---

    private InvalidCommand? ValidateScheduleNexus(Execution execution, ScheduleNexusOperationCommandAttributes? a, NexusCommandTally tally)
    {
        const WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes;
        if (a is null)
        {
            return new(cause, "empty ScheduleNexusOperationCommandAttributes");
        }

        if (IsSystemNexus(a.Endpoint))
        {
            if (ValidateSystemNexus(execution, a) is { } badSystem)
            {
                return badSystem;
            }
        }
        else if (nexusEndpoints.FindByName(a.Endpoint ?? string.Empty) is null)
        {
            return new(cause, $"endpoint \"{a.Endpoint}\" not found");
        }

        if (a.Service.Length > MaxNexusNameLength)
        {
            return new(cause, $"ScheduleNexusOperationCommandAttributes.Service exceeds length limit of {MaxNexusNameLength}");
        }

        if (a.Operation.Length > MaxNexusNameLength)
        {
            return new(cause, $"ScheduleNexusOperationCommandAttributes.Operation exceeds length limit of {MaxNexusNameLength}");
        }

        foreach (var (name, timeout) in new[] { ("ScheduleToCloseTimeout", a.ScheduleToCloseTimeout), ("ScheduleToStartTimeout", a.ScheduleToStartTimeout), ("StartToCloseTimeout", a.StartToCloseTimeout) })
        {
            if (timeout is { } d && (d.Seconds < 0 || d.Nanos < 0))
            {
                return new(cause, $"ScheduleNexusOperationCommandAttributes.{name} is invalid: duration: {d} is negative");
            }
        }

        // As Temporal: a system operation's input (a whole request) is not held to the payload limit.
        if (!IsSystemNexus(a.Endpoint) && TooLarge(a.Input, cause, "ScheduleNexusOperationCommandAttributes.Input exceeds size limit") is { } tooLarge)
        {
            return tooLarge;
        }

        var headerBytes = 0;
        foreach (var (key, value) in a.NexusHeader)
        {
            if (DisallowedNexusHeaders.Contains(key.ToLowerInvariant()))
            {
                return new(cause, $"ScheduleNexusOperationCommandAttributes.NexusHeader contains a disallowed header key: \"{key.ToLowerInvariant()}\"");
            }

            headerBytes += key.Length + value.Length;
        }

        if (headerBytes > MaxNexusHeaderBytes)
        {
            return new(cause, "ScheduleNexusOperationCommandAttributes.NexusHeader exceeds size limit");
        }

        return execution.NexusOperations.Count + tally.Scheduled++ >= MaxPendingNexusOperations
            ? new(WorkflowTaskFailedCause.PendingNexusOperationsLimitExceeded,
                $"workflow has reached the pending nexus operation limit of {MaxPendingNexusOperations} for this namespace")
            : null;
    }

    private static InvalidCommand? ValidateCancelNexus(Execution execution, RequestCancelNexusOperationCommandAttributes? a, NexusCommandTally tally)
    {
        const WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.BadRequestCancelNexusOperationAttributes;
        if (a is null)
        {
            return new(cause, "empty RequestCancelNexusOperationCommandAttributes");
        }

        // As Temporal: an operation whose end arrived while the task ran (still buffered) may still be asked to cancel.
        var pending = execution.NexusOperations.TryGetValue(a.ScheduledEventId, out var operation);
        if (!pending && !execution.Buffer.Any(b => EndedNexusOperation(b.Event) == a.ScheduledEventId))
        {
            return new(cause, $"requested cancelation for a non-existing or already completed operation with scheduled event ID of {a.ScheduledEventId}");
        }

        return operation?.CancelRequestedEventId is > 0 || !tally.Cancelled.Add(a.ScheduledEventId)
            ? new(cause, $"cancelation was already requested for an operation with scheduled event ID {a.ScheduledEventId}")
            : null;
    }

    /// <summary>The operation a terminal Nexus event ends, or 0.</summary>
    private static long EndedNexusOperation(HistoryEvent e) => e.EventType switch
    {
        EventType.NexusOperationCompleted => e.NexusOperationCompletedEventAttributes.ScheduledEventId,
        EventType.NexusOperationFailed => e.NexusOperationFailedEventAttributes.ScheduledEventId,
        EventType.NexusOperationCanceled => e.NexusOperationCanceledEventAttributes.ScheduledEventId,
        EventType.NexusOperationTimedOut => e.NexusOperationTimedOutEventAttributes.ScheduledEventId,
        _ => 0,
    };

    /// <summary>
    /// Writes NexusOperationScheduled (a request ID of the server's, lowercased header keys, timeouts trimmed to the
    /// run timeout) and sends the start once the task's changes are in.
    /// </summary>
    private void ScheduleNexusOperation(Execution execution, ScheduleNexusOperationCommandAttributes a, long completedId, List<Action> after)
    {
        var endpointId = IsSystemNexus(a.Endpoint) ? string.Empty : nexusEndpoints.FindByName(a.Endpoint)!.Id; // the server runs a system operation
        var scheduleToClose = NonZero(a.ScheduleToCloseTimeout)?.ToTimeSpan();
        if (NonZero(execution.RunTimeout)?.ToTimeSpan() is { } run && (scheduleToClose is null || scheduleToClose > run))
        {
            scheduleToClose = run;
        }

        TimeSpan? CapToClose(TimeSpan? t) => t is { } v && scheduleToClose is { } c && v > c ? c : t;
        var scheduleToStart = CapToClose(NonZero(a.ScheduleToStartTimeout)?.ToTimeSpan());
        var startToClose = CapToClose(NonZero(a.StartToCloseTimeout)?.ToTimeSpan());
        static Google.Protobuf.WellKnownTypes.Duration? D(TimeSpan? t) => t is { } v ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(v) : null;

        var scheduled = NewEvent(EventType.NexusOperationScheduled, e =>
        {
            var attributes = new NexusOperationScheduledEventAttributes
            {
                Endpoint = a.Endpoint,
                EndpointId = endpointId,
                Service = a.Service,
                Operation = a.Operation,
                Input = a.Input,
                ScheduleToCloseTimeout = D(scheduleToClose),
                ScheduleToStartTimeout = D(scheduleToStart),
                StartToCloseTimeout = D(startToClose),
                RequestId = Guid.NewGuid().ToString(),
                WorkflowTaskCompletedEventId = completedId,
            };
            foreach (var (key, value) in a.NexusHeader)
            {
                attributes.NexusHeader[key.ToLowerInvariant()] = value;
            }

            e.NexusOperationScheduledEventAttributes = attributes;
        });
        Append(execution, scheduled);
        var now = Clock.Now;
        var operation = new NexusOperationState
        {
            ScheduledEventId = scheduled.EventId,
            RequestId = scheduled.NexusOperationScheduledEventAttributes.RequestId,
            EndpointId = endpointId,
            ScheduledTime = now,
            ScheduleToCloseDue = now + scheduleToClose,
            ScheduleToStartDue = now + scheduleToStart,
            StartToClose = startToClose,
        };
        execution.NexusOperations[operation.ScheduledEventId] = operation;
        ArmNexusTimeout(execution, operation);
        after.Add(() => SendNexusStart(execution, operation));
    }

    /// <summary>
    /// Writes NexusOperationCancelRequested; the cancel goes to the handler once the operation has started (it needs the
    /// token). Nothing is sent for an operation that ended while the task ran.
    /// </summary>
    private void RequestCancelNexusOperation(Execution execution, RequestCancelNexusOperationCommandAttributes a, long completedId, List<Action> after)
    {
        var requested = NewEvent(EventType.NexusOperationCancelRequested, e => e.NexusOperationCancelRequestedEventAttributes = new NexusOperationCancelRequestedEventAttributes
        {
            ScheduledEventId = a.ScheduledEventId,
            WorkflowTaskCompletedEventId = completedId,
        });
        Append(execution, requested);
        if (!execution.NexusOperations.TryGetValue(a.ScheduledEventId, out var operation))
        {
            return;
        }

        operation.CancelRequestedEventId = requested.EventId;
        operation.CancelPhase = NexusCancelPhase.AwaitingStart;
        if (operation.Phase == NexusOperationPhase.Started)
        {
            after.Add(() => SendNexusCancel(execution, operation));
        }
    }

    // --- Dispatch ---

    private bool IsPending(Execution execution, NexusOperationState operation) =>
        execution.IsOpen && execution.NexusOperations.TryGetValue(operation.ScheduledEventId, out var current) && current == operation;

    /// <summary>Offers the start of the operation's current attempt to the endpoint's handlers; unanswered in time, it is retried.</summary>
    private void SendNexusStart(Execution execution, NexusOperationState operation)
    {
        if (!IsPending(execution, operation) || operation.Phase == NexusOperationPhase.Started)
        {
            return;
        }

        operation.Phase = NexusOperationPhase.Scheduled;
        operation.NextAttemptDue = null;
        MarkDirty(execution);
        OfferNexusAttempt(execution, operation, cancel: false);
    }

    private void SendNexusCancel(Execution execution, NexusOperationState operation)
    {
        if (!IsPending(execution, operation) || operation.Phase != NexusOperationPhase.Started || operation.CancelPhase is NexusCancelPhase.None or NexusCancelPhase.Done or NexusCancelPhase.Failed)
        {
            return;
        }

        operation.CancelPhase = NexusCancelPhase.Scheduled;
        operation.CancelNextAttemptDue = null;
        operation.CancelAttempt = Math.Max(operation.CancelAttempt, 1);
        MarkDirty(execution);
        OfferNexusAttempt(execution, operation, cancel: true);
    }

    /// <summary>Queues the request of the attempt in flight for the endpoint's handlers; unanswered in time, it counts as an upstream timeout and is retried.</summary>
    private void OfferNexusAttempt(Execution execution, NexusOperationState operation, bool cancel)
    {
        if (IsSystemOperation(execution, operation))
        {
            if (!cancel)
            {
                // After the caller's task is done, as Temporal's executor runs it from its queue; a sync operation,
                // so no cancel ever reaches it.
                Clock.ScheduleAt(Clock.Now, () =>
                {
                    if (IsPending(execution, operation) && operation.Phase != NexusOperationPhase.Started)
                    {
                        RunSystemNexusOperation(execution, operation);
                    }
                });
            }

            return;
        }

        if (NexusTarget(execution, operation) is not { } target)
        {
            return;
        }

        QueueNexusRequest(operation, cancel, target, new NexusTaskItem(execution, operation.ScheduledEventId, cancel ? operation.CancelAttempt : operation.Attempt, cancel),
            () => IsPending(execution, operation),
            failure =>
            {
                if (cancel)
                {
                    RetryNexusCancel(execution, operation, failure);
                }
                else
                {
                    RetryNexusStart(execution, operation, failure);
                }
            },
            cutBy => TimeOutNexusOperation(execution, operation, cutBy));
    }

    /// <summary>
    /// Queues the request of the attempt in flight (a workflow's operation or a standalone one) for the endpoint's handlers,
    /// its deadline cut as Temporal's executor cuts it; unanswered by then, it counts as an upstream timeout and
    /// <paramref name="retry"/> runs. With too little time left nothing is sent: a start times out by the timeout that
    /// cut it; a cancel is not sent, and the operation's own timeout, due before the request could end, ends it.
    /// </summary>
    private void QueueNexusRequest(NexusOperationState operation, bool cancel, (string Namespace, string TaskQueue) target, WorkItem item,
        Func<bool> pending, Action<Failure> retry, Action<Temporalio.Api.Enums.V1.TimeoutType> timeOut)
    {
        var attempt = cancel ? operation.CancelAttempt : operation.Attempt;
        var (deadline, cutBy) = operation.CallBound(cancel, Clock.Now, NexusRequestTimeout);
        if (deadline - Clock.Now < NexusMinRequestTimeout)
        {
            if (!cancel && cutBy != Temporalio.Api.Enums.V1.TimeoutType.Unspecified)
            {
                timeOut(cutBy);
            }

            return;
        }

        operation.CallDeadline = deadline;
        var timeout = ScheduleTask(deadline, () =>
        {
            if (pending() && operation.InFlight(cancel, attempt))
            {
                retry(UpstreamTimeout());
            }
        });
        if (cancel)
        {
            operation.CancelAttemptTimer?.Cancel();
            operation.CancelAttemptTimer = timeout;
        }
        else
        {
            operation.AttemptTimer?.Cancel();
            operation.AttemptTimer = timeout;
        }

        DispatchNexus(target, item);
    }

    private (string Namespace, string TaskQueue)? NexusTarget(Execution execution, NexusOperationState operation) =>
        NexusWorkerTarget(operation.EndpointId, failure => FinishNexusOperation(execution, operation, EventType.NexusOperationFailed, failure));

    /// <summary>The endpoint's worker target; an endpoint deleted since, or one this server cannot call, fails the operation.</summary>
    private (string Namespace, string TaskQueue)? NexusWorkerTarget(string endpointId, Action<Failure> fail)
    {
        switch (nexusEndpoints.FindById(endpointId)?.Spec.Target)
        {
            case { Worker: { } worker }:
                return (worker.Namespace, worker.TaskQueue);
            case { External: not null }:
                fail(HandlerFailure("external Nexus endpoints are not supported by this server", "NOT_IMPLEMENTED"));
                return null;
            default:
                fail(HandlerFailure("endpoint not registered", "NOT_FOUND"));
                return null;
        }
    }

    private void DispatchNexus((string Namespace, string TaskQueue) target, WorkItem item)
    {
        taskFloor.ImmediateTask(Clock.Now, gate.Transaction);
        var queue = NexusQueue(target.Namespace, target.TaskQueue);
        while (queue.Pollers.First is { } first)
        {
            queue.Pollers.RemoveFirst();
            if (first.Value.Completion.TrySetResult(item))
            {
                return;
            }
        }

        queue.Items.Add(item, Priorities.DispatchKey(null), Clock.Now);
    }

    private TaskQueueState NexusQueue(string ns, string name)
    {
        var key = (Ns(ns), name);
        if (!nexusQueues.TryGetValue(key, out var queue))
        {
            queue = new TaskQueueState();
            nexusQueues[key] = queue;
        }

        return queue;
    }

    /// <summary>A long poll of a Nexus task queue. Simpler than workflow and activity polls: no versioning, rates or sticky queues.</summary>
    public async Task<PollNexusTaskQueueResponse> PollNexusTasksAsync(PollNexusTaskQueueRequest request, DateTime? deadline, CancellationToken ct)
    {
        RequirePoll(request.TaskQueue, request.Identity);
        var name = request.TaskQueue.Name;
        var until = PollUntil(deadline);
        Poller poller;
        using (gate.Enter())
        {
            if (pollsStopped)
            {
                return new PollNexusTaskQueueResponse();
            }

            var queue = NexusQueue(request.Namespace, name);
            while (queue.Items.TakeFirst(_ => true) is { } queued)
            {
                if (BuildNexusTask(queued) is { } ready)
                {
                    return ready;
                }
            }

            poller = new Poller(request.Identity ?? string.Empty, workerInstanceKey: request.WorkerInstanceKey);
            queue.Pollers.AddLast(poller);
            activePolls++;
        }

        try
        {
            while (true)
            {
                await Waits.CompletionOrTimeoutAsync(poller.Completion.Task, until - DateTime.UtcNow, ct).ConfigureAwait(false);
                using (gate.Enter())
                {
                    var queue = NexusQueue(request.Namespace, name);
                    if (!poller.Completion.Task.IsCompletedSuccessfully)
                    {
                        poller.Completion.TrySetCanceled(CancellationToken.None);
                        queue.Pollers.Remove(poller);
                        return new PollNexusTaskQueueResponse();
                    }

                    if (poller.Completion.Task.Result is not { } handed || handed is not (NexusTaskItem or StandaloneNexusTaskItem))
                    {
                        return new PollNexusTaskQueueResponse(); // shutting down
                    }

                    if (ct.IsCancellationRequested || pollsStopped)
                    {
                        // The caller is gone: the request goes to the next poller.
                        queue.Items.Add(handed, Priorities.DispatchKey(null), Clock.Now);
                        return new PollNexusTaskQueueResponse();
                    }

                    if (BuildNexusTask(handed) is { } ready)
                    {
                        return ready;
                    }

                    if (until <= DateTime.UtcNow)
                    {
                        return new PollNexusTaskQueueResponse();
                    }

                    poller = new Poller(request.Identity ?? string.Empty, workerInstanceKey: request.WorkerInstanceKey);
                    queue.Pollers.AddLast(poller);
                }
            }
        }
        finally
        {
            using (gate.Enter())
            {
                if (--activePolls == 0)
                {
                    pollsDrained?.TrySetResult();
                }
            }
        }
    }

    /// <summary>The task a worker takes: a workflow's operation or a standalone one; null when the attempt moved on meanwhile.</summary>
    private PollNexusTaskQueueResponse? BuildNexusTask(WorkItem item) => item switch
    {
        NexusTaskItem workflows => BuildNexusTask(workflows),
        StandaloneNexusTaskItem standalone => BuildStandaloneNexusTask(standalone),
        _ => null,
    };

    private PollNexusTaskQueueResponse? BuildNexusTask(NexusTaskItem item)
    {
        var execution = item.Execution;
        if (!execution.IsOpen || !execution.NexusOperations.TryGetValue(item.ScheduledEventId, out var operation) || !operation.InFlight(item.Cancel, item.Attempt))
        {
            return null;
        }

        var scheduled = execution.History[(int)item.ScheduledEventId - 1].NexusOperationScheduledEventAttributes;
        var call = new NexusCall(scheduled.Endpoint, scheduled.Service, scheduled.Operation, scheduled.NexusHeader, scheduled.RequestId, scheduled.Input,
            new NexusCallbackToken(execution.Namespace, execution.WorkflowId, execution.RunId, operation.ScheduledEventId, operation.RequestId),
            NexusLinks.ToNexus(execution.Namespace, execution.WorkflowId, execution.RunId, operation.ScheduledEventId, EventType.NexusOperationScheduled));
        var kind = item.Cancel ? TaskToken.NexusCancel : TaskToken.NexusStart;
        return new PollNexusTaskQueueResponse
        {
            TaskToken = new TaskToken(kind, execution.Namespace, execution.WorkflowId, execution.RunId, item.ScheduledEventId, item.Attempt).ToByteString(),
            Request = NexusRequest(call, operation, item.Cancel),
        };
    }

    /// <summary>
    /// The request as Temporal's frontend and matching hand it to a handler, whoever called: the headers (what is left of
    /// the request's and the operation's time, the request ID), and the start (callback, input, a link to the caller) or cancel.
    /// </summary>
    private Request NexusRequest(NexusCall call, NexusOperationState operation, bool cancel)
    {
        var request = new Request
        {
            ScheduledTime = Now,
            Endpoint = call.Endpoint,
            Capabilities = new Request.Types.Capabilities { TemporalFailureResponses = true },
        };
        foreach (var (key, value) in call.Header)
        {
            request.Header[key] = value;
        }

        // What is left of the request's time, in a form every SDK parses (Temporal's matching prints a Go duration).
        var timeLeft = (operation.CallDeadline ?? Clock.Now + NexusRequestTimeout) - Clock.Now;
        request.Header["request-timeout"] = Math.Max(0, (long)timeLeft.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        request.Header["nexus-request-id"] = call.RequestId;
        if (operation.ScheduleToCloseDue is { } closeDue)
        {
            request.Header["operation-timeout"] = ((long)Math.Max(0, (closeDue - Clock.Now).TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        if (cancel)
        {
            request.CancelOperation = new CancelOperationRequest
            {
                Service = call.Service,
                Operation = call.Operation,
                OperationToken = operation.OperationToken ?? string.Empty,
                OperationId = operation.OperationToken ?? string.Empty,
            };
        }
        else
        {
            request.StartOperation = new StartOperationRequest
            {
                Service = call.Service,
                Operation = call.Operation,
                RequestId = call.RequestId,
                Callback = NexusCallbackToken.SystemCallbackUrl,
                CallbackHeader = { [NexusCallbackToken.HeaderName] = call.CallbackToken.Encode() },
                Payload = call.Input ?? new Payload(), // never null: handler SDKs read it unconditionally
                Links = { call.CallerLink },
            };
        }

        return request;
    }

    // --- Handler answers ---

    public void CompleteNexusTask(RespondNexusTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, [TaskToken.NexusStart, TaskToken.NexusCancel]);
        using (gate.Enter())
        {
            if (IsStandaloneNexusToken(token))
            {
                CompleteStandaloneNexusTask(token, request);
                return;
            }

            if (NexusTaskOf(token) is not { } task)
            {
                return; // the operation ended meanwhile (a completion came first): nothing left to record
            }

            var (execution, operation) = task;

            if (token.Kind == TaskToken.NexusCancel)
            {
                CancelRequestAnswered(execution, operation, failure: null);
                return;
            }

            switch (ReadStartAnswer(request))
            {
                case NexusStartAnswer.Sync sync:
                    FinishNexusOperation(execution, operation, EventType.NexusOperationCompleted, failure: null, sync.Result, sync.Links);
                    break;
                case NexusStartAnswer.Async started:
                    MarkNexusStarted(execution, operation, started.OperationToken, started.Links, startTime: null);
                    break;
                case NexusStartAnswer.Ended ended:
                    FinishNexusOperation(execution, operation, ended.Canceled ? EventType.NexusOperationCanceled : EventType.NexusOperationFailed, ended.Failure);
                    break;
            }
        }
    }

    /// <summary>
    /// A handler's answer to a start, as Temporal's frontend reads it whoever called: a sync result, an async token (too
    /// long a token fails the operation), or the failure or cancel it ended with (the deprecated operation_error too).
    /// </summary>
    private static NexusStartAnswer ReadStartAnswer(RespondNexusTaskCompletedRequest request)
    {
        var start = request.Response?.StartOperation ?? throw Errors.InvalidArgument("request must contain a start operation response");
        switch (start.VariantCase)
        {
            case StartOperationResponse.VariantOneofCase.SyncSuccess:
                return new NexusStartAnswer.Sync(start.SyncSuccess.Payload, start.SyncSuccess.Links);
            case StartOperationResponse.VariantOneofCase.AsyncSuccess:
                var operationToken = start.AsyncSuccess.OperationToken is { Length: > 0 } t ? t : start.AsyncSuccess.OperationId;
                if (string.IsNullOrEmpty(operationToken))
                {
                    throw Errors.InvalidArgument("missing opration token in response"); // sic, as Temporal's frontend says it
                }

                return operationToken.Length > MaxOperationTokenLength
                    ? new NexusStartAnswer.Ended(CallError("invalid operation token: length exceeds allowed limit"), Canceled: false)
                    : new NexusStartAnswer.Async(operationToken, start.AsyncSuccess.Links.Select(NexusLinks.FromNexus).OfType<Temporalio.Api.Common.V1.Link>().ToList());
            case StartOperationResponse.VariantOneofCase.Failure:
                return new NexusStartAnswer.Ended(start.Failure, start.Failure.CanceledFailureInfo is not null);
            case StartOperationResponse.VariantOneofCase.OperationError:
                var error = start.OperationError;
                var canceled = error.OperationState == "canceled";
                var cause = new Failure { Message = error.Failure?.Message ?? string.Empty };
                if (canceled)
                {
                    cause.CanceledFailureInfo = new CanceledFailureInfo();
                }
                else
                {
                    cause.ApplicationFailureInfo = new ApplicationFailureInfo { Type = "OperationError", NonRetryable = true };
                }

                return new NexusStartAnswer.Ended(cause, canceled);
            default:
                throw Errors.InvalidArgument("request must contain a start operation response");
        }
    }

    public void FailNexusTask(RespondNexusTaskFailedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken, [TaskToken.NexusStart, TaskToken.NexusCancel]);
        var failure = request.Failure ?? LegacyHandlerFailure(request.Error) ?? throw Errors.InvalidArgument("request must contain error or failure");
        if (failure.NexusHandlerFailureInfo is not { } info)
        {
            throw Errors.InvalidArgument("request Failure must contain error or failure with NexusHandlerFailureInfo");
        }

        using (gate.Enter())
        {
            if (IsStandaloneNexusToken(token))
            {
                FailStandaloneNexusTask(token, failure, Retryable(info));
                return;
            }

            if (NexusTaskOf(token) is not { } task)
            {
                return;
            }

            var (execution, operation) = task;

            var retryable = Retryable(info);
            if (token.Kind == TaskToken.NexusCancel)
            {
                if (retryable)
                {
                    RetryNexusCancel(execution, operation, failure);
                }
                else
                {
                    CancelRequestAnswered(execution, operation, failure);
                }
            }
            else if (retryable)
            {
                RetryNexusStart(execution, operation, failure);
            }
            else
            {
                FinishNexusOperation(execution, operation, EventType.NexusOperationFailed, failure);
            }
        }
    }

    /// <summary>The open operation a task token names; null when it ended; NOT_FOUND when the attempt it names is over (timed out, retried).</summary>
    private (Execution Execution, NexusOperationState Operation)? NexusTaskOf(TaskToken token)
    {
        if (!runsByRunId.TryGetValue(token.RunId, out var execution) || execution.WorkflowId != token.WorkflowId ||
            !execution.IsOpen || !execution.NexusOperations.TryGetValue(token.EventId, out var operation))
        {
            return null;
        }

        return operation.InFlight(token.Kind == TaskToken.NexusCancel, token.Attempt)
            ? (execution, operation)
            : throw Errors.NotFound("Nexus task not found or already expired");
    }

    // Nexus's rule: an explicit retry behavior wins; otherwise by the error type.
    private static bool Retryable(NexusHandlerFailureInfo info) => info.RetryBehavior switch
    {
        NexusHandlerErrorRetryBehavior.Retryable => true,
        NexusHandlerErrorRetryBehavior.NonRetryable => false,
        _ => info.Type is not ("BAD_REQUEST" or "UNAUTHENTICATED" or "UNAUTHORIZED" or "NOT_FOUND" or "NOT_IMPLEMENTED" or "CONFLICT"),
    };

    private static Failure? LegacyHandlerFailure(HandlerError? error) => error is null ? null : new Failure
    {
        Message = error.Failure?.Message ?? string.Empty,
        NexusHandlerFailureInfo = new NexusHandlerFailureInfo { Type = error.ErrorType, RetryBehavior = error.RetryBehavior },
    };

    private static Failure HandlerFailure(string message, string type) =>
        new() { Message = message, NexusHandlerFailureInfo = new NexusHandlerFailureInfo { Type = type } };

    private static Failure UpstreamTimeout() => HandlerFailure("upstream timeout", "UPSTREAM_TIMEOUT");

    private static Failure CallError(string message) =>
        new() { Message = message, ApplicationFailureInfo = new ApplicationFailureInfo { Type = "CallError", NonRetryable = true } };

    // --- State changes ---

    private void RetryNexusStart(Execution execution, NexusOperationState operation, Failure failure)
    {
        operation.StartAttemptFailed(failure, Clock.Now);
        MarkDirty(execution);
        ArmNexusAttempt(execution, operation);
    }

    private void RetryNexusCancel(Execution execution, NexusOperationState operation, Failure failure)
    {
        operation.CancelAttemptFailed(failure, Clock.Now);
        MarkDirty(execution);
        ArmNexusAttempt(execution, operation);
    }

    private void ArmNexusAttempt(Execution execution, NexusOperationState operation) =>
        ArmNexusAttempt(operation, () => SendNexusStart(execution, operation), () => SendNexusCancel(execution, operation));

    /// <summary>(Re-)arms what an operation waits for next: the start or cancel retry after a backoff, or re-sends an attempt in flight.</summary>
    private void ArmNexusAttempt(NexusOperationState operation, Action sendStart, Action sendCancel)
    {
        if (operation.Phase == NexusOperationPhase.BackingOff && operation.NextAttemptDue is { } due)
        {
            operation.AttemptTimer = ScheduleTask(due, sendStart);
        }
        else if (operation.Phase == NexusOperationPhase.Scheduled)
        {
            sendStart();
        }

        if (operation.CancelPhase == NexusCancelPhase.BackingOff && operation.CancelNextAttemptDue is { } cancelDue)
        {
            operation.CancelAttemptTimer = ScheduleTask(cancelDue, sendCancel);
        }
        else if (operation.CancelPhase == NexusCancelPhase.Scheduled)
        {
            sendCancel(); // the attempt in flight when the engine stopped, sent again
        }
    }

    private void ArmNexusTimeout(Execution execution, NexusOperationState operation) =>
        ArmNexusTimeout(operation, () => IsPending(execution, operation), type => TimeOutNexusOperation(execution, operation, type));

    /// <summary>(Re-)arms an operation's next timeout (schedule-to-close, schedule-to-start, start-to-close).</summary>
    private void ArmNexusTimeout(NexusOperationState operation, Func<bool> pending, Action<Temporalio.Api.Enums.V1.TimeoutType> timeOut)
    {
        operation.TimeoutTimer?.Cancel();
        operation.TimeoutTimer = null;
        if (operation.NextTimeout() is not { } next)
        {
            return;
        }

        operation.TimeoutTimer = ScheduleTask(next.Due, () =>
        {
            if (pending() && operation.NextTimeout() is { } current && current.Due <= Clock.Now)
            {
                timeOut(current.Type);
            }
        });
    }

    /// <summary>Temporal's timeout failure of an operation, whoever called it.</summary>
    private static Failure NexusTimeoutFailure(Temporalio.Api.Enums.V1.TimeoutType type) => new()
    {
        Message = "operation timed out",
        TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type },
    };

    private void TimeOutNexusOperation(Execution execution, NexusOperationState operation, Temporalio.Api.Enums.V1.TimeoutType type) =>
        FinishNexusOperation(execution, operation, EventType.NexusOperationTimedOut, NexusTimeoutFailure(type));

    /// <summary>NexusOperationStarted (the async handler's token); a cancel waiting for it goes out now.</summary>
    private void MarkNexusStarted(Execution execution, NexusOperationState operation, string operationToken,
        IEnumerable<Temporalio.Api.Common.V1.Link> links, DateTime? startTime)
    {
        operation.MarkStarted(operationToken, Clock.Now);
        var started = NewEvent(EventType.NexusOperationStarted, e => e.NexusOperationStartedEventAttributes = new NexusOperationStartedEventAttributes
        {
            ScheduledEventId = operation.ScheduledEventId,
            OperationToken = operationToken,
            OperationId = operationToken,
            RequestId = operation.RequestId,
        });
        if (startTime is { } at)
        {
            started.EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(at);
        }

        started.Links.AddRange(links);
        AddExternal(execution, started);
        ArmNexusTimeout(execution, operation);
        if (operation.CancelPhase == NexusCancelPhase.AwaitingStart)
        {
            SendNexusCancel(execution, operation);
        }
    }

    private void CancelRequestAnswered(Execution execution, NexusOperationState operation, Failure? failure)
    {
        operation.CancelAttemptTimer?.Cancel();
        operation.CancelPhase = failure is null ? NexusCancelPhase.Done : NexusCancelPhase.Failed;
        operation.CancelLastAttemptFailure = failure ?? operation.CancelLastAttemptFailure;
        var e = failure is null
            ? NewEvent(EventType.NexusOperationCancelRequestCompleted, e => e.NexusOperationCancelRequestCompletedEventAttributes = new NexusOperationCancelRequestCompletedEventAttributes
            {
                ScheduledEventId = operation.ScheduledEventId,
                RequestedEventId = operation.CancelRequestedEventId,
            })
            : NewEvent(EventType.NexusOperationCancelRequestFailed, e => e.NexusOperationCancelRequestFailedEventAttributes = new NexusOperationCancelRequestFailedEventAttributes
            {
                ScheduledEventId = operation.ScheduledEventId,
                RequestedEventId = operation.CancelRequestedEventId,
                Failure = failure,
            });
        e.WorkerMayIgnore = true;
        AddExternal(execution, e);
    }

    /// <summary>
    /// The operation's end: Completed with its result, or Failed / Canceled / TimedOut with Temporal's wrapper failure
    /// ("nexus operation completed unsuccessfully", the operation named, the reason as its cause).
    /// </summary>
    private void FinishNexusOperation(Execution execution, NexusOperationState operation, EventType type, Failure? failure,
        Payload? result = null, IEnumerable<Temporalio.Api.Nexus.V1.Link>? links = null, IEnumerable<Temporalio.Api.Common.V1.Link>? eventLinks = null)
    {
        operation.CancelTimers();
        execution.NexusOperations.Remove(operation.ScheduledEventId);
        var scheduled = execution.History[(int)operation.ScheduledEventId - 1].NexusOperationScheduledEventAttributes;
        Failure Wrapped(Failure cause) => new()
        {
            Message = "nexus operation completed unsuccessfully",
            NexusOperationExecutionFailureInfo = new NexusOperationFailureInfo
            {
                ScheduledEventId = operation.ScheduledEventId,
                Endpoint = scheduled.Endpoint,
                Service = scheduled.Service,
                Operation = scheduled.Operation,
                OperationToken = operation.OperationToken ?? string.Empty,
                OperationId = operation.OperationToken ?? string.Empty,
            },
            Cause = cause,
        };

        var id = operation.ScheduledEventId;
        var request = operation.RequestId;
        var ev = type switch
        {
            EventType.NexusOperationCompleted => NewEvent(type, e => e.NexusOperationCompletedEventAttributes = new() { ScheduledEventId = id, RequestId = request, Result = result }),
            EventType.NexusOperationCanceled => NewEvent(type, e => e.NexusOperationCanceledEventAttributes = new() { ScheduledEventId = id, RequestId = request, Failure = Wrapped(AsCanceled(failure!)) }),
            EventType.NexusOperationTimedOut => NewEvent(type, e => e.NexusOperationTimedOutEventAttributes = new() { ScheduledEventId = id, RequestId = request, Failure = Wrapped(failure!) }),
            _ => NewEvent(EventType.NexusOperationFailed, e => e.NexusOperationFailedEventAttributes = new() { ScheduledEventId = id, RequestId = request, Failure = Wrapped(failure!) }),
        };
        if (links is not null)
        {
            ev.Links.AddRange(links.Select(NexusLinks.FromNexus).OfType<Temporalio.Api.Common.V1.Link>());
        }

        if (eventLinks is not null)
        {
            ev.Links.AddRange(eventLinks);
        }

        AddExternal(execution, ev);
    }

    // Temporal: a canceled operation's cause is a CanceledFailure; another failure becomes one, keeping its message and cause.
    private static Failure AsCanceled(Failure failure)
    {
        if (failure.CanceledFailureInfo is not null)
        {
            return failure;
        }

        var canceled = failure.Clone();
        canceled.CanceledFailureInfo = new CanceledFailureInfo();
        return canceled;
    }

    /// <summary>A run that closes ends its operations where they are: no cancel goes out, as in Temporal.</summary>
    private static void DropNexusOperations(Execution execution)
    {
        foreach (var operation in execution.NexusOperations.Values)
        {
            operation.CancelTimers();
        }

        execution.NexusOperations.Clear();
    }

    /// <summary>
    /// A reset run keeps the operations pending at its reset point, under their request IDs: one not started is sent
    /// again (the handler deduplicates it), a started one waits for its completion, which finds this run by its
    /// workflow ID once the run it named is closed. A cancel requested after the reset point is not carried.
    /// </summary>
    private void RestoreNexusOperationForReset(Execution reset, HistoryEvent scheduledEvent, string? token, DateTime now)
    {
        var scheduled = scheduledEvent.NexusOperationScheduledEventAttributes;
        var startedAt = scheduledEvent.EventTime.ToDateTime();
        var operation = new NexusOperationState
        {
            ScheduledEventId = scheduledEvent.EventId,
            RequestId = scheduled.RequestId,
            EndpointId = scheduled.EndpointId,
            ScheduledTime = startedAt,
            ScheduleToCloseDue = startedAt + NonZero(scheduled.ScheduleToCloseTimeout)?.ToTimeSpan(),
            ScheduleToStartDue = startedAt + NonZero(scheduled.ScheduleToStartTimeout)?.ToTimeSpan(),
            StartToClose = NonZero(scheduled.StartToCloseTimeout)?.ToTimeSpan(),
            Phase = token is null ? NexusOperationPhase.Scheduled : NexusOperationPhase.Started,
            OperationToken = token,
            StartedTime = token is null ? null : now,
        };
        reset.NexusOperations[operation.ScheduledEventId] = operation;
        RehydrateNexusOperation(reset, operation);
    }

    /// <summary>After a restart: the operation's timeout and its next attempt (a start or cancel in flight is sent again).</summary>
    private void RehydrateNexusOperation(Execution execution, NexusOperationState operation)
    {
        ArmNexusTimeout(execution, operation);
        ArmNexusAttempt(execution, operation);
    }

    /// <summary>DescribeWorkflowExecution's view of an operation: where it is, its attempts and last failure, and its cancel.</summary>
    private static Temporalio.Api.Workflow.V1.PendingNexusOperationInfo PendingNexusOperation(Execution execution, NexusOperationState o)
    {
        static Google.Protobuf.WellKnownTypes.Timestamp? At(DateTime? t) => t is { } v ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(v) : null;
        var scheduled = execution.History[(int)o.ScheduledEventId - 1].NexusOperationScheduledEventAttributes;
        var info = new Temporalio.Api.Workflow.V1.PendingNexusOperationInfo
        {
            Endpoint = scheduled.Endpoint,
            Service = scheduled.Service,
            Operation = scheduled.Operation,
            OperationToken = o.OperationToken ?? string.Empty,
            ScheduleToCloseTimeout = scheduled.ScheduleToCloseTimeout,
            ScheduleToStartTimeout = scheduled.ScheduleToStartTimeout,
            StartToCloseTimeout = scheduled.StartToCloseTimeout,
            ScheduledTime = At(o.ScheduledTime),
            State = o.Phase switch
            {
                NexusOperationPhase.Started => PendingNexusOperationState.Started,
                NexusOperationPhase.BackingOff => PendingNexusOperationState.BackingOff,
                _ => PendingNexusOperationState.Scheduled,
            },
            Attempt = o.Attempt,
            LastAttemptCompleteTime = At(o.LastAttemptCompleteTime),
            LastAttemptFailure = o.LastAttemptFailure,
            NextAttemptScheduleTime = At(o.NextAttemptDue),
            ScheduledEventId = o.ScheduledEventId,
        };
        if (o.CancelRequestedEventId != 0)
        {
            info.CancellationInfo = new Temporalio.Api.Workflow.V1.NexusOperationCancellationInfo
            {
                RequestedTime = execution.History[(int)o.CancelRequestedEventId - 1].EventTime,
                State = o.CancelPhase switch
                {
                    NexusCancelPhase.BackingOff => NexusOperationCancellationState.BackingOff,
                    NexusCancelPhase.Done => NexusOperationCancellationState.Succeeded,
                    NexusCancelPhase.Failed => NexusOperationCancellationState.Failed,
                    _ => NexusOperationCancellationState.Scheduled,
                },
                Attempt = o.CancelAttempt,
                LastAttemptFailure = o.CancelLastAttemptFailure,
                NextAttemptScheduleTime = At(o.CancelNextAttemptDue),
            };
        }

        return info;
    }

    // --- Completion callbacks (the handler's side) ---

    /// <summary>
    /// A workflow started by a Nexus handler closed for good (the end of its chain): each completion callback of the
    /// engine's own reaches the caller's operation as the completion Temporal would POST — Completed with the result,
    /// Failed with the failure, Canceled, or Failed for a termination or timeout — with Started written first if the
    /// handler's answer has not come yet.
    /// </summary>
    private void DeliverCompletionCallbacks(Execution closed, HistoryEvent closeEvent)
    {
        closed.CallbackOutcomes.Clear();
        var completion = WorkflowCompletion(closed, closeEvent);
        foreach (var callback in CompletionCallbacksOf(closed))
        {
            var failure = DeliverCompletionCallback($"workflow {Printable(closed.WorkflowId)}", completion, callback);
            closed.CallbackOutcomes.Add(new Store.CallbackOutcome(failure is null, failure, Clock.Now));
        }
    }

    /// <summary>What a closed workflow's callbacks deliver, as Temporal builds the completion from the close event.</summary>
    private static NexusCompletion WorkflowCompletion(Execution closed, HistoryEvent closeEvent)
    {
        var start = StartedEventLink(closed);
        return closeEvent.EventType switch
        {
            EventType.WorkflowExecutionCompleted => new NexusCompletion(closed.StartTime, start,
                closeEvent.WorkflowExecutionCompletedEventAttributes.Result?.Payloads_.FirstOrDefault(), Failure: null, Canceled: false),
            EventType.WorkflowExecutionFailed => new NexusCompletion(closed.StartTime, start, Result: null,
                closeEvent.WorkflowExecutionFailedEventAttributes.Failure, Canceled: false),
            EventType.WorkflowExecutionCanceled => new NexusCompletion(closed.StartTime, start, Result: null, new Failure
            {
                Message = "operation canceled",
                CanceledFailureInfo = new CanceledFailureInfo { Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details },
            }, Canceled: true),
            EventType.WorkflowExecutionTimedOut => new NexusCompletion(closed.StartTime, start, Result: null,
                new Failure { Message = "operation exceeded internal timeout", TimeoutFailureInfo = new TimeoutFailureInfo() }, Canceled: false),
            _ => new NexusCompletion(closed.StartTime, start, Result: null,
                new Failure { Message = "operation terminated", TerminatedFailureInfo = new TerminatedFailureInfo() }, Canceled: false),
        };
    }

    /// <summary>One callback's call: null when the caller's operation took the completion, else why it did not.</summary>
    /// <param name="owner">What closed, for the log ("workflow X", "activity Y").</param>
    private string? DeliverCompletionCallback(string owner, NexusCompletion completion, Temporalio.Api.Common.V1.Callback callback)
    {
        if (callback.Nexus is not { } nexus)
        {
            return "unsupported callback variant";
        }

        if (nexus.Url != NexusCallbackToken.SystemCallbackUrl)
        {
            logger?.LogWarning("The {Owner} has a completion callback to {Url} this server cannot deliver", owner, Printable(nexus.Url));
            return "callbacks to other servers are not delivered (this server makes no HTTP calls)";
        }

        if (NexusCallbackToken.TryDecode(NexusCallbackToken.Header(nexus.Header, NexusCallbackToken.HeaderName)) is not { } token)
        {
            return "invalid callback token";
        }

        if (token.OperationId is not null)
        {
            return DeliverToStandaloneNexusOperation(token, completion, NexusCallbackToken.Header(nexus.Header, NexusCallbackToken.OperationTokenHeader));
        }

        if (CallerOf(token) is not { } waiting)
        {
            return "handler error (NOT_FOUND): operation not found"; // the caller or its operation ended meanwhile
        }

        var (caller, operation) = waiting;

        if (operation.Phase != NexusOperationPhase.Started)
        {
            // As Temporal fabricates it from the completion: its token, the start time, the link to what started.
            MarkNexusStarted(caller, operation, NexusCallbackToken.Header(nexus.Header, NexusCallbackToken.OperationTokenHeader) ?? string.Empty,
                [completion.StartLink], completion.StartTime);
        }

        if (completion.Failure is null)
        {
            FinishNexusOperation(caller, operation, EventType.NexusOperationCompleted, failure: null, completion.Result);
        }
        else
        {
            FinishNexusOperation(caller, operation, completion.Canceled ? EventType.NexusOperationCanceled : EventType.NexusOperationFailed, completion.Failure);
        }

        return null;
    }

    /// <summary>
    /// The open run waiting for a completion: the run the token names or, once that one closed (a reset replaced it),
    /// the workflow's current run if it has the same operation pending, as Temporal retries without the run ID.
    /// </summary>
    private (Execution Caller, NexusOperationState Operation)? CallerOf(NexusCallbackToken token)
    {
        foreach (var run in new[] { runsByRunId.GetValueOrDefault(token.RunId), CurrentIfKnown(token.Namespace, token.WorkflowId) })
        {
            if (run is { IsOpen: true } && run.WorkflowId == token.WorkflowId &&
                run.NexusOperations.TryGetValue(token.ScheduledEventId, out var operation) && operation.RequestId == token.RequestId)
            {
                return (run, operation);
            }
        }

        return null;
    }

    private void CancelNexusPolls()
    {
        foreach (var queue in nexusQueues.Values)
        {
            EndPollers(queue, _ => true);
        }
    }

    /// <summary>Ends the waiting polls of a Nexus queue that <paramref name="which"/> selects ("no task"), as ShutdownWorker ends a worker's.</summary>
    private void EndNexusPolls(string ns, string taskQueue, Func<Poller, bool> which)
    {
        if (nexusQueues.TryGetValue((Ns(ns), taskQueue), out var queue))
        {
            EndPollers(queue, which);
        }
    }
}
