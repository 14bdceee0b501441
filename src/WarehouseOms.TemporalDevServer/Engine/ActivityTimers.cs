namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The live timers of an activity, a workflow's or a standalone one: those of its current attempt (dispatch,
/// schedule-to-start, start-to-close), its heartbeat timer, and the schedule-to-close timer of the whole activity.
/// Never stored: they are armed again from the activity's state after a restart.
/// </summary>
internal sealed class ActivityTimers
{
    public List<TimerHandle> Attempt { get; } = [];

    public TimerHandle? Heartbeat { get; set; }

    public TimerHandle? ScheduleToClose { get; set; }

    /// <summary>The attempt ends (or is held): its timers and the heartbeat timer stop; schedule-to-close runs on.</summary>
    public void CancelAttempt()
    {
        foreach (var timer in Attempt)
        {
            timer.Cancel();
        }

        Attempt.Clear();
        CancelHeartbeat();
    }

    public void CancelHeartbeat()
    {
        Heartbeat?.Cancel();
        Heartbeat = null;
    }

    public void CancelScheduleToClose()
    {
        ScheduleToClose?.Cancel();
        ScheduleToClose = null;
    }

    /// <summary>The activity closes or goes away.</summary>
    public void CancelAll()
    {
        CancelAttempt();
        CancelScheduleToClose();
    }
}
