using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The real server's retry-policy rules: the defaults it gives the fields left unset, and its validation, with the
/// same reasons, so nothing that is accepted here gets stuck in production.
/// </summary>
internal static class RetryPolicyRules
{
    // Temporal's out-of-box retry settings (history.defaultWorkflowRetryPolicy / defaultActivityRetryPolicy).
    private static readonly TimeSpan DefaultInitialInterval = TimeSpan.FromSeconds(1);
    private const double DefaultMaximumIntervalCoefficient = 100;
    private const double DefaultBackoffCoefficient = 2;

    // A non-retryable error type of this prefix names a timeout type ("TemporalTimeout:StartToClose").
    private const string TimeoutFailureTypePrefix = "TemporalTimeout:";

    /// <summary>
    /// A copy of <paramref name="policy"/> with Temporal's defaults in the fields left unset (interval 1 s, coefficient
    /// 2, maximum interval 100 × the initial one), as the server stores a workflow's or child's explicit policy; null stays null.
    /// </summary>
    public static RetryPolicy? WithDefaults(RetryPolicy? policy)
    {
        if (policy is null)
        {
            return null;
        }

        var filled = policy.Clone();
        if (IsZero(filled.InitialInterval))
        {
            filled.InitialInterval = Duration.FromTimeSpan(DefaultInitialInterval);
        }

        if (IsZero(filled.MaximumInterval))
        {
            filled.MaximumInterval = Duration.FromTimeSpan(filled.InitialInterval.ToTimeSpan() * DefaultMaximumIntervalCoefficient);
        }

        if (filled.BackoffCoefficient == 0)
        {
            filled.BackoffCoefficient = DefaultBackoffCoefficient;
        }

        return filled;
    }

    /// <summary>Why the policy is invalid once its defaults are filled in, or null when it is valid (or absent).</summary>
    public static string? Problem(RetryPolicy? policy)
    {
        if (policy is null || policy.MaximumAttempts == 1)
        {
            return null; // one attempt never retries: Temporal validates nothing else
        }

        if (DurationProblem(policy.InitialInterval) is { } badInitial)
        {
            return $"invalid InitialInterval set on retry policy: {badInitial}";
        }

        var initial = IsZero(policy.InitialInterval) ? DefaultInitialInterval : policy.InitialInterval.ToTimeSpan();
        if (policy.BackoffCoefficient != 0 && policy.BackoffCoefficient < 1)
        {
            return "BackoffCoefficient cannot be less than 1 on retry policy.";
        }

        if (DurationProblem(policy.MaximumInterval) is { } badMaximum)
        {
            return $"invalid MaximumInterval set on retry policy: {badMaximum}";
        }

        var maximum = policy.MaximumInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        if (maximum > TimeSpan.Zero && maximum < initial)
        {
            return "MaximumInterval cannot be less than InitialInterval on retry policy.";
        }

        if (policy.MaximumAttempts < 0)
        {
            return "MaximumAttempts cannot be negative on retry policy.";
        }

        foreach (var type in policy.NonRetryableErrorTypes)
        {
            if (type.StartsWith(TimeoutFailureTypePrefix, StringComparison.Ordinal) && !IsTimeoutType(type[TimeoutFailureTypePrefix.Length..]))
            {
                return $"Invalid timeout type value: {type[TimeoutFailureTypePrefix.Length..]}.";
            }
        }

        return null;
    }

    private static bool IsZero(Duration? duration) => duration is null || (duration.Seconds == 0 && duration.Nanos == 0);

    /// <summary>Temporal's ValidateAndCapProtoDuration: what is wrong with a duration, or null.</summary>
    internal static string? DurationProblem(Duration? duration) => duration switch
    {
        null => null,
        { Seconds: > 0, Nanos: < 0 } or { Seconds: < 0, Nanos: > 0 } => "duration has seconds and nanos with different signs",
        { Seconds: < 0 } or { Seconds: 0, Nanos: < 0 } => "negative duration",
        _ => null,
    };

    /// <summary>
    /// Protobuf's own rule for a Duration (Go's CheckValid), as Temporal checks a failure's next_retry_delay: unlike
    /// <see cref="DurationProblem"/>, a negative duration passes; only a malformed one is wrong.
    /// </summary>
    internal static string? MalformedDuration(Duration duration) => duration switch
    {
        { Seconds: > Duration.MaxSeconds } => "duration exceeds +10000 years",
        { Seconds: < Duration.MinSeconds } => "duration exceeds -10000 years",
        { Nanos: <= -Duration.NanosecondsPerSecond or >= Duration.NanosecondsPerSecond } => "duration has out-of-range nanos",
        { Seconds: > 0, Nanos: < 0 } or { Seconds: < 0, Nanos: > 0 } => "duration has seconds and nanos with different signs",
        _ => null,
    };

    // Go's enum parsing takes the value's name in either form: "StartToClose" or "TIMEOUT_TYPE_START_TO_CLOSE".
    private static bool IsTimeoutType(string value) =>
        Enum.GetValues<TimeoutType>().Any(t => t != TimeoutType.Unspecified &&
            (string.Equals(value, t.ToString(), StringComparison.Ordinal) || string.Equals(value, Enums.Name(t), StringComparison.Ordinal)));
}
