using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;
using static WarehouseOms.TemporalDevServer.Engine.StandaloneActivities.StandaloneActivityRules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>Standalone activities (ADR 0051): cancel, terminate, delete, retention, and the namespace's removal.</summary>
internal sealed partial class WorkflowEngine
{
    // ---- client calls ----

    public void RequestCancelActivityExecution(RequestCancelActivityExecutionRequest request)
    {
        RequireRef(request.ActivityId, request.RunId);
        RequireChangeRequest(request.RequestId, request.Identity, request.Reason, limits.BlobSizeError);
        var requestId = string.IsNullOrEmpty(request.RequestId) ? Guid.NewGuid().ToString() : request.RequestId;
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.CancelRequest?.RequestId == requestId)
            {
                return;
            }

            if (!activity.IsOpen)
            {
                throw Errors.FailedPrecondition($"activity is in terminal state {activity.Status}");
            }

            if (activity.CancelRequest is { } earlier)
            {
                throw Errors.FailedPrecondition($"cancellation already requested with request ID {earlier.RequestId}");
            }

            activity.CancelRequest = new ActivityCancelRequest(requestId, request.Reason ?? string.Empty, request.Identity ?? string.Empty, Clock.Now);
            if (activity.AttemptRunning)
            {
                // The worker hears of it from its next heartbeat; the cancel takes the place of a pause or reset asked before.
                activity.Paused = false;
                activity.PendingReset = null;
                ActivityChanged(activity);
                return;
            }

            var reason = new Payloads();
            reason.Payloads_.Add(SearchAttributeRegistry.JsonPayload(request.Reason ?? string.Empty, type: null));
            CloseActivity(activity, ActivityExecutionStatus.Canceled, CanceledFailure(reason, request.Identity));
        }
    }

    public void TerminateActivityExecution(TerminateActivityExecutionRequest request)
    {
        RequireRef(request.ActivityId, request.RunId);
        RequireChangeRequest(request.RequestId, request.Identity, request.Reason, limits.BlobSizeError);
        var requestId = string.IsNullOrEmpty(request.RequestId) ? Guid.NewGuid().ToString() : request.RequestId;
        using (gate.Enter())
        {
            TerminateActivity(FindActivity(request.Namespace, request.ActivityId, request.RunId), requestId, request.Reason ?? string.Empty, request.Identity);
        }
    }

    private void TerminateActivity(StandaloneActivity activity, string requestId, string reason, string? identity)
    {
        if (activity.Status == ActivityExecutionStatus.Terminated)
        {
            if (activity.TerminateRequestId == requestId)
            {
                return;
            }

            throw Errors.FailedPrecondition($"already terminated with request ID {activity.TerminateRequestId}");
        }

        if (!activity.IsOpen)
        {
            throw Errors.FailedPrecondition($"invalid transition from {activity.Status}");
        }

        activity.TerminateRequestId = requestId;
        CloseActivity(activity, ActivityExecutionStatus.Terminated,
            new Failure { Message = reason, TerminatedFailureInfo = new TerminatedFailureInfo { Identity = identity ?? string.Empty } });
    }

    public void DeleteActivityExecution(DeleteActivityExecutionRequest request)
    {
        RequireRef(request.ActivityId, request.RunId);
        using (gate.Enter())
        {
            var activity = FindActivity(request.Namespace, request.ActivityId, request.RunId);
            if (activity.IsOpen)
            {
                TerminateActivity(activity, Guid.NewGuid().ToString(), "Delete activity execution", HistoryServiceIdentity);
            }

            PurgeActivity(activity);
        }
    }

    private void PurgeActivity(StandaloneActivity activity)
    {
        activity.Timers.CancelAll();
        activity.Deleted = true;
        openActivities.Remove(activity);
        activitiesByRun.Remove((activity.Namespace, activity.RunId));
        var key = (activity.Namespace, activity.ActivityId);
        if (activityRuns.TryGetValue(key, out var runs) && runs.Remove(activity) && runs.Count == 0)
        {
            activityRuns.Remove(key);
        }

        ActivityChanged(activity);
    }

    /// <summary>
    /// Retention: closed activities past their namespace's retention are forgotten (memory and store), oldest close
    /// first, up to the first still kept. Deleted ones only leave the queue.
    /// </summary>
    private void SweepStandaloneActivities(DateTime now)
    {
        foreach (var (ns, closed) in closedActivitiesInOrder)
        {
            var cutoff = now - RetentionOf(ns);
            while (closed.TryPeek(out var activity) && (activity.Deleted || activity.CloseTime < cutoff))
            {
                closed.Dequeue();
                if (!activity.Deleted)
                {
                    PurgeActivity(activity);
                }
            }
        }
    }

    /// <summary>DeleteNamespace: the namespace's activities end (the store drops their rows with the namespace's).</summary>
    private void RemoveStandaloneActivitiesOf(string ns)
    {
        closedActivitiesInOrder.Remove(ns);
        foreach (var activity in activitiesByRun.Values.Where(a => a.Namespace == ns).ToList())
        {
            activity.Timers.CancelAll();
            activity.Deleted = true;
            openActivities.Remove(activity);
            activitiesByRun.Remove((ns, activity.RunId));
            activityRuns.Remove((ns, activity.ActivityId));
            activity.NotifyChanged();
        }
    }
}
