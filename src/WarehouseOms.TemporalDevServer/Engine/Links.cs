using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using CallbackInfo = Temporalio.Api.Workflow.V1.CallbackInfo;
using OnConflictOptions = Temporalio.Api.Workflow.V1.OnConflictOptions;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Temporal's frontend checks of the links a request carries (frontend.maxlinksPerRequest 10,
/// frontend.linkMaxSize 4000 bytes), with its messages.
/// </summary>
internal static class LinkRules
{
    public const int MaxLinksPerRequest = 10;
    public const int MaxLinkSize = 4000;

    /// <summary>A request's own links and those of its completion callbacks count together.</summary>
    public static void Validate(IEnumerable<Link> links, IEnumerable<Callback>? callbacks = null)
    {
        var all = links.Concat((callbacks ?? []).SelectMany(c => c.Links)).ToList();
        if (all.Count > MaxLinksPerRequest)
        {
            throw Errors.InvalidArgument($"cannot attach more than {MaxLinksPerRequest} links per request, got {all.Count}");
        }

        foreach (var link in all)
        {
            if (link.CalculateSize() is var size && size > MaxLinkSize)
            {
                throw Errors.InvalidArgument($"link exceeds allowed size of {MaxLinkSize}, got {size}");
            }

            switch (link.VariantCase)
            {
                case Link.VariantOneofCase.WorkflowEvent:
                    var e = link.WorkflowEvent;
                    Require(e.Namespace, "workflow event link must not have an empty namespace field");
                    Require(e.WorkflowId, "workflow event link must not have an empty workflow ID field");
                    Require(e.RunId, "workflow event link must not have an empty run ID field");
                    if (e.EventRef is { EventType: EventType.Unspecified, EventId: not 0 })
                    {
                        throw Errors.InvalidArgument("workflow event link ref cannot have an unspecified event type and a non-zero event ID");
                    }

                    break;
                case Link.VariantOneofCase.BatchJob:
                    Require(link.BatchJob.JobId, "batch job link must not have an empty job ID");
                    break;
                case Link.VariantOneofCase.NexusOperation:
                    // A standalone Nexus operation's caller link, which a handler passes on to the workflow it starts (ADR 0054).
                    Require(link.NexusOperation.Namespace, "nexus operation link must not have an empty namespace field");
                    Require(link.NexusOperation.OperationId, "nexus operation link must not have an empty operation ID field");
                    Require(link.NexusOperation.RunId, "nexus operation link must not have an empty run ID field");
                    break;
                default:
                    throw Errors.InvalidArgument("unsupported link variant");
            }
        }
    }

    /// <summary>
    /// As Temporal's frontend: a start's links that its Nexus callbacks already carry are dropped, so the started
    /// event does not repeat them.
    /// </summary>
    public static IReadOnlyList<Link> WithoutCallbackLinks(IEnumerable<Link> links, IEnumerable<Callback> callbacks)
    {
        var carried = callbacks.Where(c => c.Nexus is not null).SelectMany(c => c.Links).ToList();
        return links.Where(l => !carried.Contains(l)).ToList();
    }

    /// <summary>Temporal's check of on-conflict options: a callback is attached only with its request ID.</summary>
    public static void ValidateOnConflict(OnConflictOptions? options)
    {
        if (options is { AttachCompletionCallbacks: true, AttachRequestId: false })
        {
            throw Errors.InvalidArgument("attaching request ID is required for attaching completion callbacks");
        }
    }

    private static void Require(string value, string message)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Errors.InvalidArgument(message);
        }
    }
}

/// <summary>
/// Completion callbacks and request IDs attached to a running workflow by a start that found it (conflict policy
/// USE_EXISTING with on-conflict options), as Temporal records them: a WorkflowExecutionOptionsUpdated event, no
/// workflow task. Both are read back from the run's events, which the store keeps.
/// </summary>
internal sealed partial class WorkflowEngine
{
    // Temporal's system.maxCallbacksPerWorkflow.
    private const int MaxCallbacksPerWorkflow = 32;

    /// <summary>The run's completion callbacks: its started event's, then those attached since, in order.</summary>
    private static List<Callback> CompletionCallbacksOf(Execution execution) => Registrations(execution).Select(r => r.Callback).ToList();

    /// <summary>Each callback with the event that registered it and the request that brought it.</summary>
    private static IEnumerable<(Callback Callback, HistoryEvent Event, string RequestId)> Registrations(Execution execution)
    {
        foreach (var e in EventsWithBuffer(execution))
        {
            if (e.EventType == EventType.WorkflowExecutionStarted)
            {
                foreach (var callback in e.WorkflowExecutionStartedEventAttributes.CompletionCallbacks)
                {
                    yield return (callback, e, execution.StartRequestId);
                }
            }
            else if (e.EventType == EventType.WorkflowExecutionOptionsUpdated)
            {
                var attached = e.WorkflowExecutionOptionsUpdatedEventAttributes;
                foreach (var callback in attached.AttachedCompletionCallbacks)
                {
                    yield return (callback, e, attached.AttachedRequestId);
                }
            }
        }
    }

    /// <summary>
    /// Describe's callbacks, as Temporal shows them: waiting for the workflow to close (STANDBY), then SUCCEEDED or
    /// FAILED by how the call at the chain's close went (this server calls its own callbacks at once, one attempt);
    /// then its updates' callbacks (ADR 0059).
    /// </summary>
    private static IEnumerable<CallbackInfo> CallbackInfos(Execution execution) =>
        Registrations(execution).Select((r, i) => CallbackInfoOf(
            r.Callback,
            new CallbackInfo.Types.Trigger { WorkflowClosed = new CallbackInfo.Types.WorkflowClosed() },
            r.Event.EventTime.ToDateTime(),
            r.RequestId,
            execution.CallbackOutcomes.ElementAtOrDefault(i)))
        .Concat(UpdateCallbackInfos(execution));

    /// <summary>One callback as describe shows it: STANDBY until called, then how its one call went.</summary>
    private static CallbackInfo CallbackInfoOf(Callback callback, CallbackInfo.Types.Trigger trigger, DateTime registered, string requestId, Store.CallbackOutcome? outcome)
    {
        var info = new CallbackInfo
        {
            Callback = callback,
            Trigger = trigger,
            RegistrationTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(registered, DateTimeKind.Utc)),
            RequestId = requestId,
            State = CallbackState.Standby,
        };
        if (outcome is not null)
        {
            info.State = outcome.Succeeded ? CallbackState.Succeeded : CallbackState.Failed;
            info.Attempt = 1;
            info.LastAttemptCompleteTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(outcome.Time, DateTimeKind.Utc));
            info.LastAttemptFailure = outcome.Failure is null ? null : new Temporalio.Api.Failure.V1.Failure { Message = outcome.Failure };
        }

        return info;
    }

    /// <summary>
    /// A start whose request ID is attached to this run (an earlier start's, an update's): deduplicated, as Temporal's
    /// starter dedupes on any request ID the current run holds.
    /// </summary>
    private static bool HasAttachedRequestId(Execution execution, string requestId) =>
        execution.AttachedRequestIds.Find(requestId) is not null;

    private static IEnumerable<HistoryEvent> EventsWithBuffer(Execution execution) =>
        execution.History.Concat(execution.Buffer.Select(b => b.Event));

    private static void RequireCallbackRoom(int attached, int adding)
    {
        if (attached + adding > MaxCallbacksPerWorkflow)
        {
            throw Errors.FailedPrecondition($"cannot attach more than {MaxCallbacksPerWorkflow} callbacks to a workflow ({attached} callbacks already attached)");
        }
    }

    /// <summary>Temporal's handleUseExistingWorkflowOnConflictOptions: what the options name is attached to the running workflow.</summary>
    private void AttachOnConflict(Execution current, StartArgs args, OnConflictOptions options)
    {
        var callbacks = options.AttachCompletionCallbacks ? args.CompletionCallbacks : [];
        RequireCallbackRoom(RegisteredCallbackCount(current), callbacks.Count);
        var attached = OptionsUpdatedEvent(new WorkflowExecutionOptionsUpdatedEventAttributes
        {
            AttachedRequestId = options.AttachRequestId ? args.RequestId : string.Empty,
            AttachedCompletionCallbacks = { callbacks },
        });
        if (options.AttachLinks)
        {
            attached.Links.AddRange(args.Links);
        }

        AddExternal(current, attached, scheduleTask: false);
    }

    /// <summary>The link a start answer carries to the started workflow's first event (handlers return it to their caller).</summary>
    private static Link StartedEventLink(Execution execution)
    {
        var link = RunLink(execution);
        link.WorkflowEvent.EventRef = new Link.Types.WorkflowEvent.Types.EventReference { EventId = 1, EventType = EventType.WorkflowExecutionStarted };
        return link;
    }

    /// <summary>A link to the event a request ID names (the answer to a start attached to a run, or to a signal).</summary>
    private static Link RequestIdLink(Execution execution, string requestId, EventType eventType)
    {
        var link = RunLink(execution);
        link.WorkflowEvent.RequestIdRef = new Link.Types.WorkflowEvent.Types.RequestIdReference { RequestId = requestId, EventType = eventType };
        return link;
    }

    /// <summary>A start's answer links to the started event, or, when the start was attached to a running workflow, to that by its request ID.</summary>
    private static Link StartAnswerLink(Execution execution, string requestId, bool byRequestId) =>
        byRequestId ? RequestIdLink(execution, requestId, EventType.WorkflowExecutionOptionsUpdated) : StartedEventLink(execution);

    private static Link RunLink(Execution execution) => new()
    {
        WorkflowEvent = new Link.Types.WorkflowEvent { Namespace = execution.Namespace, WorkflowId = execution.WorkflowId, RunId = execution.RunId },
    };
}
