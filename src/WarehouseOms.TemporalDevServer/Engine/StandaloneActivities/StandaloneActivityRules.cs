using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Engine.StandaloneActivities;

/// <summary>The timeouts of a standalone activity after Temporal's normalisation (zero: none).</summary>
internal sealed record ActivityTimeouts(TimeSpan ScheduleToClose, TimeSpan ScheduleToStart, TimeSpan StartToClose, TimeSpan Heartbeat);

/// <summary>
/// Temporal's frontend checks of the standalone activity RPCs, in the order its validator makes them and with its
/// messages (chasm/lib/activity), so a request refused by a real server is refused here the same way.
/// </summary>
internal static class StandaloneActivityRules
{
    // limit.maxIDLength, as the real server's default.
    public const int MaxIdLength = WorkflowEngine.MaxIdLength;

    // Durations past a hundred years are capped, as Temporal's timestamp helpers do.
    private static readonly TimeSpan Century = TimeSpan.FromDays(36500);

    /// <summary>Checks a start request and returns its normalised timeouts and retry policy.</summary>
    public static (ActivityTimeouts Timeouts, RetryPolicy Retry, TimeSpan StartDelay) ValidateStart(StartActivityExecutionRequest r, int blobSizeError)
    {
        var startDelay = Valid(r.StartDelay, "StartDelay");
        TaskQueueNames.RequireUserDefined(r.TaskQueue);
        if (string.IsNullOrEmpty(r.ActivityId))
        {
            throw Errors.InvalidArgument("activityId is not set");
        }

        if (string.IsNullOrEmpty(r.ActivityType?.Name))
        {
            throw Errors.InvalidArgument("activityType is not set");
        }

        var retry = WithDefaults(r.RetryPolicy);
        if (RetryPolicyRules.Problem(retry) is { } problem)
        {
            throw Errors.InvalidArgument(problem);
        }

        RequireLength(r.ActivityId, "activityId");
        RequireLength(r.ActivityType.Name, "activityType");
        var timeouts = Timeouts(r.ScheduleToCloseTimeout, r.ScheduleToStartTimeout, r.StartToCloseTimeout, r.HeartbeatTimeout, r.ActivityId, r.ActivityType.Name);
        RequireLength(r.RequestId, "request ID");
        RequireLength(r.Identity, "identity");
        if ((r.Input?.CalculateSize() ?? 0) > blobSizeError)
        {
            throw Errors.InvalidArgument("input exceeds length limit");
        }

        if (r.UserMetadata?.Summary?.CalculateSize() is > 400 and var summary)
        {
            throw Errors.InvalidArgument($"user_metadata.summary exceeds size limit. Length={summary} Limit=400");
        }

        if (r.UserMetadata?.Details?.CalculateSize() is > 20000 and var details)
        {
            throw Errors.InvalidArgument($"user_metadata.details exceeds size limit. Length={details} Limit=20000");
        }

        if (r.OnConflictOptions is { } options)
        {
            if (options.AttachCompletionCallbacks && !options.AttachRequestId)
            {
                throw Errors.InvalidArgument("on_conflict_options: attach_completion_callbacks requires attach_request_id to be set");
            }
        }

        LinkRules.Validate(r.Links, r.CompletionCallbacks);
        if (r.CompletionCallbacks.FirstOrDefault(c => c.VariantCase != Callback.VariantOneofCase.Nexus) is { } other)
        {
            throw Errors.InvalidArgument($"unsupported callback variant: {other.VariantCase}");
        }

        if (r.IdReusePolicy is < ActivityIdReusePolicy.Unspecified or > ActivityIdReusePolicy.RejectDuplicate)
        {
            throw Errors.InvalidArgument($"unsupported ID reuse policy: {r.IdReusePolicy}");
        }

        if (r.IdConflictPolicy is < ActivityIdConflictPolicy.Unspecified or > ActivityIdConflictPolicy.UseExisting)
        {
            throw Errors.InvalidArgument($"unsupported ID conflict policy: {r.IdConflictPolicy}");
        }

        return (timeouts, retry, startDelay);
    }

    /// <summary>The activity ID and run ID every call that names a run checks (Describe, Poll, Cancel, Terminate, Delete).</summary>
    public static void RequireRef(string activityId, string? runId) => RequireRef(activityId, identity: null, runId);

    /// <summary>As <see cref="RequireRef(string, string?)"/>, with the caller's identity checked between the two IDs (the operator commands' order).</summary>
    public static void RequireRef(string activityId, string? identity, string? runId)
    {
        if (string.IsNullOrEmpty(activityId))
        {
            throw Errors.InvalidArgument("activity ID is required");
        }

        if (WorkflowEngine.IdLength(activityId) is var length && length > MaxIdLength)
        {
            throw Errors.InvalidArgument($"activity ID exceeds length limit. Length={length} Limit={MaxIdLength}");
        }

        RequireLength(identity, "identity");
        if (!string.IsNullOrEmpty(runId) && !Guid.TryParse(runId, out _))
        {
            throw Errors.InvalidArgument("invalid run id: must be a valid UUID");
        }
    }

    /// <summary>Cancel's and Terminate's extra checks: request ID, identity and reason sizes.</summary>
    public static void RequireChangeRequest(string requestId, string identity, string reason, int blobSizeError)
    {
        RequireLength(requestId, "request ID");
        RequireLength(identity, "identity");
        if (System.Text.Encoding.UTF8.GetByteCount(reason) > blobSizeError)
        {
            throw Errors.InvalidArgument("reason exceeds length limit");
        }
    }

    /// <summary>The request ID a change is known by: the caller's, or a fresh one when it gave none.</summary>
    public static string RequireRequestId(string? requestId)
    {
        var id = string.IsNullOrEmpty(requestId) ? Guid.NewGuid().ToString() : requestId;
        RequireLength(id, "request ID");
        return id;
    }

    /// <summary>Temporal's defaults over a given policy, or the default policy when none is given.</summary>
    public static RetryPolicy WithDefaults(RetryPolicy? given) => RetryPolicyRules.WithDefaults(given ?? new RetryPolicy())!;

    /// <summary>
    /// As Temporal's validateAndNormalizeTimeouts with no run timeout: with schedule-to-close, the others are cut to it
    /// (or take it); without it there is no schedule limit; heartbeat never exceeds start-to-close. At least one of
    /// start-to-close and schedule-to-close is required.
    /// </summary>
    public static ActivityTimeouts Timeouts(Duration? scheduleToClose, Duration? scheduleToStart, Duration? startToClose, Duration? heartbeat, string activityId, string activityType)
    {
        var s2c = Valid(scheduleToClose, "ScheduleToCloseTimeout");
        var s2s = Valid(scheduleToStart, "ScheduleToStartTimeout");
        var stc = Valid(startToClose, "StartToCloseTimeout");
        var beat = Valid(heartbeat, "HeartbeatTimeout");
        if (s2c > TimeSpan.Zero)
        {
            s2s = s2s > TimeSpan.Zero && s2s < s2c ? s2s : s2c;
            stc = stc > TimeSpan.Zero && stc < s2c ? stc : s2c;
        }
        else if (stc == TimeSpan.Zero)
        {
            throw Errors.InvalidArgument(
                $"a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId={activityId} ActivityType={activityType}");
        }

        return new ActivityTimeouts(s2c, s2s, stc, beat > stc ? stc : beat);
    }

    /// <summary>A duration as Temporal's ValidateAndCapProtoDuration takes it: none is zero, negative is refused, past a century capped.</summary>
    public static TimeSpan Valid(Duration? duration, string name)
    {
        if (duration is null)
        {
            return TimeSpan.Zero;
        }

        if (duration.Seconds < 0 || duration.Nanos < 0)
        {
            throw Errors.InvalidArgument(duration.Seconds > 0 || duration.Nanos > 0
                ? $"invalid {name}: duration has seconds and nanos with different signs"
                : $"invalid {name}: negative duration");
        }

        var value = duration.ToTimeSpan();
        return value > Century ? Century : value;
    }

    private static void RequireLength(string? value, string what)
    {
        if (value is not null && WorkflowEngine.IdLength(value) is var length && length > MaxIdLength)
        {
            throw Errors.InvalidArgument($"{what} exceeds length limit. Length={length} Limit={MaxIdLength}");
        }
    }

    public static Duration ToDuration(TimeSpan value) => Duration.FromTimeSpan(value);

    public static Timestamp? ToTimestamp(DateTime? value) => value is { } v ? Timestamp.FromDateTime(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
