using Temporalio.Api.Failure.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Nexus;

/// <summary>Where a Nexus operation is, as Temporal's operation state machine: its start being sent, waiting to retry, or started (async).</summary>
internal enum NexusOperationPhase
{
    Scheduled,
    BackingOff,
    Started,
}

/// <summary>The cancel request of an operation: none, waiting for the start (it needs the token), being sent, retrying, done, or refused.</summary>
internal enum NexusCancelPhase
{
    None,
    AwaitingStart,
    Scheduled,
    BackingOff,
    Done,
    Failed,
}

/// <summary>A Nexus operation a workflow scheduled and that has not reached its end. Guarded by the engine lock.</summary>
internal sealed class NexusOperationState
{
    public required long ScheduledEventId { get; init; }

    /// <summary>The request ID on the scheduled event: the handler deduplicates retried starts by it, completions name it.</summary>
    public required string RequestId { get; init; }

    public required string EndpointId { get; init; }

    public required DateTime ScheduledTime { get; init; }

    public DateTime? ScheduleToCloseDue { get; init; }

    public DateTime? ScheduleToStartDue { get; init; }

    public TimeSpan? StartToClose { get; init; }

    public NexusOperationPhase Phase { get; set; } = NexusOperationPhase.Scheduled;

    /// <summary>The attempt of the start request in flight (or the next one, while backing off).</summary>
    public int Attempt { get; set; } = 1;

    public DateTime? NextAttemptDue { get; set; }

    public Failure? LastAttemptFailure { get; set; }

    public DateTime? LastAttemptCompleteTime { get; set; }

    public DateTime? StartedTime { get; set; }

    /// <summary>The handler's token for an async operation (what a cancel names).</summary>
    public string? OperationToken { get; set; }

    /// <summary>The NexusOperationCancelRequested event's ID, or 0.</summary>
    public long CancelRequestedEventId { get; set; }

    public NexusCancelPhase CancelPhase { get; set; }

    public int CancelAttempt { get; set; }

    public DateTime? CancelNextAttemptDue { get; set; }

    public Failure? CancelLastAttemptFailure { get; set; }

    // Not stored: re-armed after a restart from the fields above.
    public TimerHandle? TimeoutTimer { get; set; }

    public TimerHandle? AttemptTimer { get; set; }

    public TimerHandle? CancelAttemptTimer { get; set; }

    /// <summary>When the request in flight (start or cancel) must be answered by: what its request-timeout header tells the handler.</summary>
    public DateTime? CallDeadline { get; set; }

    /// <summary>
    /// Temporal's bound on one request: the request timeout, cut to what is left of the operation's timeouts (a start:
    /// schedule-to-start, else schedule-to-close; a cancel: start-to-close and schedule-to-close), with the timeout that cut it.
    /// </summary>
    public (DateTime Deadline, Temporalio.Api.Enums.V1.TimeoutType CutBy) CallBound(bool cancel, DateTime now, TimeSpan requestTimeout)
    {
        var bound = (Deadline: now + requestTimeout, CutBy: Temporalio.Api.Enums.V1.TimeoutType.Unspecified);
        void Cut(DateTime? due, Temporalio.Api.Enums.V1.TimeoutType type)
        {
            if (due is { } d && d < bound.Deadline)
            {
                bound = (d, type);
            }
        }

        if (cancel)
        {
            Cut(StartedTime + StartToClose, Temporalio.Api.Enums.V1.TimeoutType.StartToClose);
            Cut(ScheduleToCloseDue, Temporalio.Api.Enums.V1.TimeoutType.ScheduleToClose);
        }
        else if (ScheduleToStartDue is not null)
        {
            Cut(ScheduleToStartDue, Temporalio.Api.Enums.V1.TimeoutType.ScheduleToStart);
        }
        else
        {
            Cut(ScheduleToCloseDue, Temporalio.Api.Enums.V1.TimeoutType.ScheduleToClose);
        }

        return bound;
    }

    /// <summary>That attempt of the start (or of the cancel) is the one being sent: what a handler's answer must name.</summary>
    public bool InFlight(bool cancel, int attempt) => cancel
        ? CancelPhase == NexusCancelPhase.Scheduled && CancelAttempt == attempt
        : Phase == NexusOperationPhase.Scheduled && Attempt == attempt;

    /// <summary>When the operation times out, and how: schedule-to-close, or schedule-to-start before it started, start-to-close after.</summary>
    public (DateTime Due, Temporalio.Api.Enums.V1.TimeoutType Type)? NextTimeout()
    {
        var candidates = new List<(DateTime, Temporalio.Api.Enums.V1.TimeoutType)>();
        if (ScheduleToCloseDue is { } s2c)
        {
            candidates.Add((s2c, Temporalio.Api.Enums.V1.TimeoutType.ScheduleToClose));
        }

        if (Phase != NexusOperationPhase.Started && ScheduleToStartDue is { } s2s)
        {
            candidates.Add((s2s, Temporalio.Api.Enums.V1.TimeoutType.ScheduleToStart));
        }

        if (Phase == NexusOperationPhase.Started && StartedTime is { } started && StartToClose is { } stc)
        {
            candidates.Add((started + stc, Temporalio.Api.Enums.V1.TimeoutType.StartToClose));
        }

        return candidates.Count == 0 ? null : candidates.MinBy(c => c.Item1);
    }

    // Temporal's retry policy of Nexus requests: 1 s doubling, at most 1 h, 20 % jitter.
    private static readonly TimeSpan RetryMaxInterval = TimeSpan.FromHours(1);

    private static TimeSpan Backoff(int attempt)
    {
        var delay = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(attempt - 1, 20)));
        delay = delay > RetryMaxInterval ? RetryMaxInterval : delay;
        return delay * 0.8 + delay * (0.2 * Random.Shared.NextDouble());
    }

    /// <summary>The start's attempt failed retryably: back off, then the next attempt.</summary>
    public void StartAttemptFailed(Failure failure, DateTime now)
    {
        AttemptTimer?.Cancel();
        LastAttemptFailure = failure;
        LastAttemptCompleteTime = now;
        Phase = NexusOperationPhase.BackingOff;
        NextAttemptDue = now + Backoff(Attempt);
        Attempt++;
    }

    /// <summary>The cancel's attempt failed retryably: back off, then the next attempt.</summary>
    public void CancelAttemptFailed(Failure failure, DateTime now)
    {
        CancelAttemptTimer?.Cancel();
        CancelLastAttemptFailure = failure;
        CancelPhase = NexusCancelPhase.BackingOff;
        CancelNextAttemptDue = now + Backoff(CancelAttempt);
        CancelAttempt++;
    }

    /// <summary>The handler started the operation (async) under its token.</summary>
    public void MarkStarted(string operationToken, DateTime now)
    {
        AttemptTimer?.Cancel();
        Phase = NexusOperationPhase.Started;
        StartedTime = now;
        OperationToken = operationToken;
        NextAttemptDue = null;
    }

    /// <summary>The stored form (a workflow run's record, a standalone operation's).</summary>
    public Store.NexusOperationRecord ToRecord() => new()
    {
        ScheduledEventId = ScheduledEventId,
        RequestId = RequestId,
        EndpointId = EndpointId,
        ScheduledTime = ScheduledTime,
        ScheduleToCloseDue = ScheduleToCloseDue,
        ScheduleToStartDue = ScheduleToStartDue,
        StartToClose = StartToClose,
        Phase = (int)Phase,
        Attempt = Attempt,
        NextAttemptDue = NextAttemptDue,
        LastAttemptFailure = LastAttemptFailure,
        LastAttemptCompleteTime = LastAttemptCompleteTime,
        StartedTime = StartedTime,
        OperationToken = OperationToken,
        CancelRequestedEventId = CancelRequestedEventId,
        CancelPhase = (int)CancelPhase,
        CancelAttempt = CancelAttempt,
        CancelNextAttemptDue = CancelNextAttemptDue,
        CancelLastAttemptFailure = CancelLastAttemptFailure,
    };

    public static NexusOperationState FromRecord(Store.NexusOperationRecord n) => new()
    {
        ScheduledEventId = n.ScheduledEventId,
        RequestId = n.RequestId,
        EndpointId = n.EndpointId,
        ScheduledTime = n.ScheduledTime,
        ScheduleToCloseDue = n.ScheduleToCloseDue,
        ScheduleToStartDue = n.ScheduleToStartDue,
        StartToClose = n.StartToClose,
        Phase = (NexusOperationPhase)n.Phase,
        Attempt = n.Attempt,
        NextAttemptDue = n.NextAttemptDue,
        LastAttemptFailure = n.LastAttemptFailure,
        LastAttemptCompleteTime = n.LastAttemptCompleteTime,
        StartedTime = n.StartedTime,
        OperationToken = n.OperationToken,
        CancelRequestedEventId = n.CancelRequestedEventId,
        CancelPhase = (NexusCancelPhase)n.CancelPhase,
        CancelAttempt = n.CancelAttempt,
        CancelNextAttemptDue = n.CancelNextAttemptDue,
        CancelLastAttemptFailure = n.CancelLastAttemptFailure,
    };

    public void CancelTimers()
    {
        TimeoutTimer?.Cancel();
        AttemptTimer?.Cancel();
        CancelAttemptTimer?.Cancel();
        TimeoutTimer = AttemptTimer = CancelAttemptTimer = null;
    }
}
