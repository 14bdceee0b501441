using Grpc.Core;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    private void InitiateChild(Execution parent, StartChildWorkflowExecutionCommandAttributes c, long completedId, List<Action> after)
    {
        var ns = Ns(c.Namespace);
        var taskQueue = string.IsNullOrEmpty(c.TaskQueue?.Name) ? parent.TaskQueue : c.TaskQueue.Name;
        var initiated = NewEvent(EventType.StartChildWorkflowExecutionInitiated, e => e.StartChildWorkflowExecutionInitiatedEventAttributes = new StartChildWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = ns,
            NamespaceId = NamespaceIdOf(ns),
            WorkflowId = c.WorkflowId,
            WorkflowType = c.WorkflowType,
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            Input = c.Input,
            WorkflowExecutionTimeout = c.WorkflowExecutionTimeout,
            WorkflowRunTimeout = c.WorkflowRunTimeout,
            WorkflowTaskTimeout = c.WorkflowTaskTimeout,
            // Recorded with the defaults Temporal gives what the command left unset.
            ParentClosePolicy = c.ParentClosePolicy == ParentClosePolicy.Unspecified ? ParentClosePolicy.Terminate : c.ParentClosePolicy,
            Control = c.Control,
            WorkflowTaskCompletedEventId = completedId,
            WorkflowIdReusePolicy = c.WorkflowIdReusePolicy == WorkflowIdReusePolicy.Unspecified ? WorkflowIdReusePolicy.AllowDuplicate : c.WorkflowIdReusePolicy,
            RetryPolicy = RetryPolicyRules.WithDefaults(c.RetryPolicy),
            CronSchedule = c.CronSchedule,
            Header = c.Header,
            Memo = c.Memo,
            SearchAttributes = c.SearchAttributes,
            Priority = c.Priority,
        });
        Append(parent, initiated);
        var child = new ChildState
        {
            InitiatedEventId = initiated.EventId,
            Namespace = ns,
            WorkflowId = c.WorkflowId,
            WorkflowType = c.WorkflowType.Name,
            ClosePolicy = c.ParentClosePolicy == ParentClosePolicy.Unspecified ? ParentClosePolicy.Terminate : c.ParentClosePolicy,
        };
        parent.Children[initiated.EventId] = child;

        // Started after the parent's batch is committed, through the normal start path.
        after.Add(() => StartChild(parent, child, c, taskQueue));
    }

    private void StartChild(Execution parent, ChildState child, StartChildWorkflowExecutionCommandAttributes c, string taskQueue)
    {
        if (!parent.IsOpen)
        {
            return;
        }

        try
        {
            var (execution, _, _) = StartWithPolicies(WithCron(new StartArgs
            {
                Namespace = child.Namespace,
                WorkflowId = c.WorkflowId,
                WorkflowType = c.WorkflowType.Name,
                TaskQueue = taskQueue,
                RequestId = Guid.NewGuid().ToString(),
                Input = c.Input,
                ExecutionTimeout = c.WorkflowExecutionTimeout,
                RunTimeout = c.WorkflowRunTimeout,
                TaskTimeout = c.WorkflowTaskTimeout,
                RetryPolicy = c.RetryPolicy,
                Memo = c.Memo,
                SearchAttributes = c.SearchAttributes,
                Header = c.Header,
                // As Temporal starts a child: the command's set fields over the parent's priority.
                Priority = Priorities.Merge(parent.Priority, c.Priority),
                Parent = new ParentLink(parent.Namespace, parent.WorkflowId, parent.RunId, child.InitiatedEventId, child.ClosePolicy),
                Root = parent.Root ?? parent.Ref,
                // The child's static summary and details: those of the command, kept on the initiated event.
                UserMetadata = parent.History[(int)child.InitiatedEventId - 1].UserMetadata,
                InheritedPinnedVersion = InheritedPinnedVersion(parent, child.Namespace, taskQueue),
                VersioningOverride = InheritedOverride(parent, child.Namespace, taskQueue, child: true),
                InheritedAutoUpgradeInfo = InheritedAutoUpgradeForChild(parent, child.Namespace, taskQueue),
            }, c.CronSchedule), c.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.Fail, signal: null);
            child.RunId = execution.RunId;
            var started = NewEvent(EventType.ChildWorkflowExecutionStarted, e => e.ChildWorkflowExecutionStartedEventAttributes = new ChildWorkflowExecutionStartedEventAttributes
            {
                Namespace = child.Namespace,
                NamespaceId = NamespaceIdOf(child.Namespace),
                InitiatedEventId = child.InitiatedEventId,
                WorkflowExecution = execution.Ref,
                WorkflowType = c.WorkflowType,
                Header = c.Header,
            });
            child.StartedEvent = started;
            AddExternal(parent, started);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
        {
            parent.Children.Remove(child.InitiatedEventId);
            AddExternal(parent, NewEvent(EventType.StartChildWorkflowExecutionFailed, e => e.StartChildWorkflowExecutionFailedEventAttributes = new StartChildWorkflowExecutionFailedEventAttributes
            {
                Namespace = child.Namespace,
                NamespaceId = NamespaceIdOf(child.Namespace),
                WorkflowId = c.WorkflowId,
                WorkflowType = c.WorkflowType,
                Cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists,
                Control = c.Control,
                InitiatedEventId = child.InitiatedEventId,
            }));
        }
    }

    /// <summary>The parent hears of its child's final close (the end of a continue-as-new chain).</summary>
    private void NotifyParentOfClose(Execution child, HistoryEvent closeEvent)
    {
        if (child.Parent is not { } link || ParentWaitingFor(child, link) is not { } parent)
        {
            return;
        }

        parent.Children.Remove(link.InitiatedEventId);

        var execution = new WorkflowExecution { WorkflowId = child.WorkflowId, RunId = child.RunId };
        var type = new WorkflowType { Name = child.WorkflowType };
        HistoryEvent ev = closeEvent.EventType switch
        {
            EventType.WorkflowExecutionCompleted => NewEvent(EventType.ChildWorkflowExecutionCompleted, _ => { }),
            EventType.WorkflowExecutionFailed => NewEvent(EventType.ChildWorkflowExecutionFailed, _ => { }),
            EventType.WorkflowExecutionCanceled => NewEvent(EventType.ChildWorkflowExecutionCanceled, _ => { }),
            EventType.WorkflowExecutionTimedOut => NewEvent(EventType.ChildWorkflowExecutionTimedOut, _ => { }),
            _ => NewEvent(EventType.ChildWorkflowExecutionTerminated, _ => { }),
        };
        switch (closeEvent.EventType)
        {
            case EventType.WorkflowExecutionCompleted:
                ev.ChildWorkflowExecutionCompletedEventAttributes = new ChildWorkflowExecutionCompletedEventAttributes
                {
                    Namespace = child.Namespace, InitiatedEventId = link.InitiatedEventId,
                    NamespaceId = NamespaceIdOf(child.Namespace),
                    WorkflowExecution = execution, WorkflowType = type, Result = closeEvent.WorkflowExecutionCompletedEventAttributes.Result,
                };
                break;
            case EventType.WorkflowExecutionFailed:
                ev.ChildWorkflowExecutionFailedEventAttributes = new ChildWorkflowExecutionFailedEventAttributes
                {
                    Namespace = child.Namespace, InitiatedEventId = link.InitiatedEventId,
                    NamespaceId = NamespaceIdOf(child.Namespace),
                    WorkflowExecution = execution, WorkflowType = type, Failure = closeEvent.WorkflowExecutionFailedEventAttributes.Failure,
                    RetryState = closeEvent.WorkflowExecutionFailedEventAttributes.RetryState,
                };
                break;
            case EventType.WorkflowExecutionCanceled:
                ev.ChildWorkflowExecutionCanceledEventAttributes = new ChildWorkflowExecutionCanceledEventAttributes
                {
                    Namespace = child.Namespace, InitiatedEventId = link.InitiatedEventId,
                    NamespaceId = NamespaceIdOf(child.Namespace),
                    WorkflowExecution = execution, WorkflowType = type, Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details,
                };
                break;
            case EventType.WorkflowExecutionTimedOut:
                ev.ChildWorkflowExecutionTimedOutEventAttributes = new ChildWorkflowExecutionTimedOutEventAttributes
                {
                    Namespace = child.Namespace, InitiatedEventId = link.InitiatedEventId,
                    NamespaceId = NamespaceIdOf(child.Namespace),
                    WorkflowExecution = execution, WorkflowType = type, RetryState = closeEvent.WorkflowExecutionTimedOutEventAttributes.RetryState,
                };
                break;
            default:
                ev.ChildWorkflowExecutionTerminatedEventAttributes = new ChildWorkflowExecutionTerminatedEventAttributes
                {
                    Namespace = child.Namespace, InitiatedEventId = link.InitiatedEventId,
                    NamespaceId = NamespaceIdOf(child.Namespace),
                    WorkflowExecution = execution, WorkflowType = type,
                };
                break;
        }

        // The child's started event may still sit in the parent's buffer: its ID is filled on append.
        AddExternal(parent, ev, linkStarted: true);
    }

    /// <summary>
    /// The open run waiting for the child: its parent run or, once that run was reset, the run the reset
    /// made (Temporal follows reset_run_id from the closed parent), if it has the same child pending. The
    /// reset run knows the runs it replaced, so the closed parent need not be in memory.
    /// </summary>
    private Execution? ParentWaitingFor(Execution child, ParentLink link)
    {
        if (runsByRunId.TryGetValue(link.RunId, out var parent) && parent.IsOpen)
        {
            return parent.Children.ContainsKey(link.InitiatedEventId) ? parent : null;
        }

        return CurrentIfKnown(link.Namespace, link.WorkflowId) is { IsOpen: true } reset &&
            reset.ResetLineage.Contains(link.RunId, StringComparer.Ordinal) &&
            reset.Children.TryGetValue(link.InitiatedEventId, out var pending) &&
            pending.WorkflowId == child.WorkflowId && pending.RunId == child.FirstRunId
            ? reset
            : null;
    }

    private void ApplyParentClosePolicies(Execution parent)
    {
        foreach (var child in parent.Children.Values.ToList())
        {
            if (child.RunId is null || CurrentIfKnown(child.Namespace, child.WorkflowId) is not { IsOpen: true } run || run.Parent?.RunId != parent.RunId)
            {
                continue;
            }

            switch (child.ClosePolicy)
            {
                // As Temporal's history service applies them: in its own name, the cancel naming the parent, with no reason.
                case ParentClosePolicy.Terminate:
                    Terminate(run, "by parent close policy", null, HistoryServiceIdentity);
                    break;
                case ParentClosePolicy.RequestCancel when !run.CancelRequested:
                    run.CancelRequested = true;
                    AddExternal(run, NewEvent(EventType.WorkflowExecutionCancelRequested, e => e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
                    {
                        Identity = HistoryServiceIdentity,
                        ExternalWorkflowExecution = parent.Ref,
                    }));
                    break;
            }
        }

        parent.Children.Clear();
    }

    private void SignalExternal(Execution source, SignalExternalWorkflowExecutionCommandAttributes c, long completedId, List<Action> after)
    {
        var initiated = NewEvent(EventType.SignalExternalWorkflowExecutionInitiated, e => e.SignalExternalWorkflowExecutionInitiatedEventAttributes = new SignalExternalWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = Ns(c.Namespace),
            NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
            WorkflowExecution = c.Execution,
            SignalName = c.SignalName,
            Input = c.Input,
            Control = c.Control,
            ChildWorkflowOnly = c.ChildWorkflowOnly,
            Header = c.Header,
            WorkflowTaskCompletedEventId = completedId,
        });
        Append(source, initiated);
        after.Add(() =>
        {
            var target = TryFindOpen(c.Namespace, c.Execution, c.ChildWorkflowOnly ? source : null);
            if (target is null)
            {
                AddExternal(source, NewEvent(EventType.SignalExternalWorkflowExecutionFailed, e => e.SignalExternalWorkflowExecutionFailedEventAttributes = new SignalExternalWorkflowExecutionFailedEventAttributes
                {
                    Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                    Namespace = Ns(c.Namespace),
                    NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
                    WorkflowExecution = c.Execution,
                    InitiatedEventId = initiated.EventId,
                    Control = c.Control,
                }));
                return;
            }

            // As Temporal's transfer task sends it: by the history service, not the worker.
            var signal = NewSignalEvent(c.SignalName, c.Input, HistoryServiceIdentity, c.Header);
            signal.WorkflowExecutionSignaledEventAttributes.ExternalWorkflowExecution = source.Ref;
            AddExternal(target, signal);
            AddExternal(source, NewEvent(EventType.ExternalWorkflowExecutionSignaled, e => e.ExternalWorkflowExecutionSignaledEventAttributes = new ExternalWorkflowExecutionSignaledEventAttributes
            {
                InitiatedEventId = initiated.EventId,
                Namespace = Ns(c.Namespace),
                NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
                WorkflowExecution = c.Execution.Clone(), // as the command named it (Temporal echoes the run ID given, often none)
                Control = c.Control,
            }));
        });
    }

    private void CancelExternal(Execution source, RequestCancelExternalWorkflowExecutionCommandAttributes c, long completedId, List<Action> after)
    {
        var targetRef = new WorkflowExecution { WorkflowId = c.WorkflowId, RunId = c.RunId ?? string.Empty };
        var initiated = NewEvent(EventType.RequestCancelExternalWorkflowExecutionInitiated, e => e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = new RequestCancelExternalWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = Ns(c.Namespace),
            NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
            WorkflowExecution = targetRef,
            Control = c.Control,
            ChildWorkflowOnly = c.ChildWorkflowOnly,
            Reason = c.Reason,
            WorkflowTaskCompletedEventId = completedId,
        });
        Append(source, initiated);
        after.Add(() =>
        {
            var target = TryFindOpen(c.Namespace, targetRef, c.ChildWorkflowOnly ? source : null);
            if (target is null && TryFind(c.Namespace, targetRef, c.ChildWorkflowOnly ? source : null) is { } closed)
            {
                // As in Temporal: asking a workflow that already closed to cancel is a successful request.
                AddExternal(source, NewEvent(EventType.ExternalWorkflowExecutionCancelRequested, e => e.ExternalWorkflowExecutionCancelRequestedEventAttributes = new ExternalWorkflowExecutionCancelRequestedEventAttributes
                {
                    InitiatedEventId = initiated.EventId,
                    Namespace = Ns(c.Namespace),
                    NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
                    WorkflowExecution = targetRef.Clone(),
                }));
                return;
            }

            if (target is null)
            {
                AddExternal(source, NewEvent(EventType.RequestCancelExternalWorkflowExecutionFailed, e => e.RequestCancelExternalWorkflowExecutionFailedEventAttributes = new RequestCancelExternalWorkflowExecutionFailedEventAttributes
                {
                    Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                    Namespace = Ns(c.Namespace),
                    NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
                    WorkflowExecution = targetRef,
                    InitiatedEventId = initiated.EventId,
                    Control = c.Control,
                }));
                return;
            }

            if (!target.CancelRequested)
            {
                target.CancelRequested = true;
                AddExternal(target, NewEvent(EventType.WorkflowExecutionCancelRequested, e => e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
                {
                    Cause = c.Reason ?? string.Empty,
                    ExternalInitiatedEventId = initiated.EventId,
                    ExternalWorkflowExecution = source.Ref,
                    Identity = HistoryServiceIdentity,
                }));
            }

            AddExternal(source, NewEvent(EventType.ExternalWorkflowExecutionCancelRequested, e => e.ExternalWorkflowExecutionCancelRequestedEventAttributes = new ExternalWorkflowExecutionCancelRequestedEventAttributes
            {
                InitiatedEventId = initiated.EventId,
                Namespace = Ns(c.Namespace),
                NamespaceId = NamespaceIdOf(Ns(c.Namespace)),
                WorkflowExecution = targetRef.Clone(), // as the command named it, as Temporal records it
            }));
        });
    }

    private Execution? TryFindOpen(string ns, WorkflowExecution? target, Execution? requiredParent) =>
        TryFind(ns, target, requiredParent) is { IsOpen: true } run ? run : null;

    private Execution? TryFind(string ns, WorkflowExecution? target, Execution? requiredParent)
    {
        if (target is null || string.IsNullOrEmpty(target.WorkflowId))
        {
            return null;
        }

        var run = string.IsNullOrEmpty(target.RunId) ? Current(ns, target.WorkflowId) : runsByRunId.GetValueOrDefault(target.RunId);
        if (run is null || run.WorkflowId != target.WorkflowId)
        {
            return null;
        }

        return requiredParent is null || run.Parent?.WorkflowId == requiredParent.WorkflowId ? run : null;
    }
}
