using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Schedules;

/// <summary>
/// What to do with the buffered starts given whether an action is still running, per overlap policy,
/// as Temporal's scheduler decides it: allow-all starts everything; otherwise one start may go when
/// nothing runs, and the rest are skipped (SKIP), kept (BUFFER_ONE keeps one, BUFFER_ALL all) or kept
/// while the running one is cancelled (CANCEL_OTHER) or terminated (TERMINATE_OTHER).
/// </summary>
internal sealed record OverlapDecision(
    IReadOnlyList<BufferedStart> Overlapping,
    BufferedStart? NonOverlapping,
    List<BufferedStart> NewBuffer,
    bool NeedCancel,
    bool NeedTerminate,
    long Skipped)
{
    public static OverlapDecision Of(IEnumerable<BufferedStart> buffer, bool isRunning, Func<ScheduleOverlapPolicy, ScheduleOverlapPolicy> resolve)
    {
        var overlapping = new List<BufferedStart>();
        var kept = new List<BufferedStart>();
        BufferedStart? nonOverlapping = null;
        var (cancel, terminate, skipped) = (false, false, 0L);
        foreach (var start in buffer)
        {
            var policy = resolve(start.Overlap);
            if (policy == ScheduleOverlapPolicy.AllowAll)
            {
                overlapping.Add(start);
                continue;
            }

            if (!isRunning && nonOverlapping is null)
            {
                nonOverlapping = start;
                continue;
            }

            switch (policy)
            {
                case ScheduleOverlapPolicy.BufferOne when kept.Count == 0:
                case ScheduleOverlapPolicy.BufferAll:
                    kept.Add(start);
                    break;
                case ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther when isRunning:
                    (cancel, terminate) = policy == ScheduleOverlapPolicy.CancelOther ? (true, terminate) : (cancel, true);
                    kept.Add(start);
                    break;
                case ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther:
                    nonOverlapping = start; // nothing runs yet: the newer start replaces the one about to go
                    break;
                default:
                    skipped++;
                    break;
            }
        }

        // Starting overlapping runs while the running one is being stopped would only stop them too.
        return new OverlapDecision(cancel || terminate ? [] : overlapping, nonOverlapping, kept, cancel, terminate, skipped);
    }
}
