using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

internal sealed partial class WorkflowEngine
{
    private void StartTimer(Execution execution, StartTimerCommandAttributes command, long completedId)
    {
        var started = NewEvent(EventType.TimerStarted, e => e.TimerStartedEventAttributes = new TimerStartedEventAttributes
        {
            TimerId = command.TimerId,
            StartToFireTimeout = command.StartToFireTimeout,
            WorkflowTaskCompletedEventId = completedId,
        });
        Append(execution, started);
        var delay = command.StartToFireTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var timer = new WorkflowTimer { TimerId = command.TimerId, StartedEventId = started.EventId, Due = Clock.Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay) };
        execution.Timers[timer.TimerId] = timer;
        ArmTimer(execution, timer);
    }

    /// <summary>Arms a user timer at its fire time (also after a restart: one that fell due meanwhile fires at once).</summary>
    private void ArmTimer(Execution execution, WorkflowTimer timer)
    {
        timer.Handle = ScheduleTask(timer.Due, () =>
        {
            if (!execution.IsOpen || !execution.Timers.Remove(timer.TimerId))
            {
                return;
            }

            AddExternal(execution, NewEvent(EventType.TimerFired, e => e.TimerFiredEventAttributes = new TimerFiredEventAttributes
            {
                TimerId = timer.TimerId,
                StartedEventId = timer.StartedEventId,
            }));
        });
    }

    private void CancelTimer(Execution execution, string timerId, long completedId, string identity)
    {
        if (execution.Timers.Remove(timerId, out var timer))
        {
            timer.Handle?.Cancel();
        }

        // A fire that is already buffered must not reach the workflow after it cancelled the timer; its started event
        // ID is the one the cancel names, as Temporal takes it from the buffered fire.
        var startedEventId = timer?.StartedEventId ?? 0;
        if (execution.TakeFromBuffer(e => e.TimerFiredEventAttributes?.TimerId == timerId) is { } fired)
        {
            startedEventId = fired.TimerFiredEventAttributes.StartedEventId;
        }

        Append(execution, NewEvent(EventType.TimerCanceled, e => e.TimerCanceledEventAttributes = new TimerCanceledEventAttributes
        {
            TimerId = timerId,
            StartedEventId = startedEventId,
            WorkflowTaskCompletedEventId = completedId,
            Identity = identity ?? string.Empty,
        }));
    }
}
