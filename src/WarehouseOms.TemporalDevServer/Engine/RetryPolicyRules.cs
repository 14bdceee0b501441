using Temporalio.Api.Common.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The real server's retry-policy validation: a policy it refuses is refused here too, with the same
/// reasons, so nothing that is accepted here gets stuck in production.
/// </summary>
internal static class RetryPolicyRules
{
    /// <summary>Why the policy is invalid, or null when it is valid (or absent).</summary>
    public static string? Problem(RetryPolicy? policy)
    {
        if (policy is null)
        {
            return null;
        }

        var initial = policy.InitialInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        var maximum = policy.MaximumInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        if (initial < TimeSpan.Zero)
        {
            return "InitialInterval cannot be negative on retry policy.";
        }

        if (policy.BackoffCoefficient != 0 && policy.BackoffCoefficient < 1)
        {
            return "BackoffCoefficient cannot be less than 1 on retry policy.";
        }

        if (maximum < TimeSpan.Zero)
        {
            return "MaximumInterval cannot be negative on retry policy.";
        }

        if (maximum > TimeSpan.Zero && maximum < initial)
        {
            return "MaximumInterval cannot be less than InitialInterval on retry policy.";
        }

        return policy.MaximumAttempts < 0 ? "MaximumAttempts cannot be negative on retry policy." : null;
    }
}
