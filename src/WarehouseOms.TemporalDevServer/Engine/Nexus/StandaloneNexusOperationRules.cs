using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace WarehouseOms.TemporalDevServer.Engine.Nexus;

/// <summary>A start request's timeouts after Temporal's capping (null: none).</summary>
internal sealed record NexusOperationTimeouts(TimeSpan? ScheduleToClose, TimeSpan? ScheduleToStart, TimeSpan? StartToClose);

/// <summary>
/// Temporal's frontend checks of the standalone Nexus operation RPCs (chasm/lib/nexusoperation/validator.go), in its
/// order and with its messages, so a request a real server refuses is refused here the same way.
/// </summary>
internal static class StandaloneNexusOperationRules
{
    // limit.maxIDLength, nexusoperation.limit.* (service and operation names, header size, reason length), as the server's defaults.
    private const int MaxIdLength = WorkflowEngine.MaxIdLength;
    private const int MaxNameLength = 1000;
    private const int MaxHeaderBytes = 8192;
    private const int MaxReasonLength = 1000;
    private const int MaxSummaryBytes = 400;
    private const int MaxDetailsBytes = 20000;

    public const string Disabled = "Standalone Nexus operation is disabled";

    /// <summary>Checks and normalises a start (request ID given when empty, header keys lower-cased, ID policies defaulted); returns the capped timeouts.</summary>
    public static NexusOperationTimeouts ValidateStart(StartNexusOperationExecutionRequest r, IReadOnlySet<string> disallowedHeaders, int blobSizeError)
    {
        r.RequestId = NormaliseRequestId(r.RequestId);
        RequireOperationId(r.OperationId);
        RequireIdLength("identity", r.Identity);
        if (string.IsNullOrEmpty(r.Endpoint))
        {
            throw Errors.InvalidArgument("endpoint is required");
        }

        if (string.IsNullOrEmpty(r.Service))
        {
            throw Errors.InvalidArgument("service is required");
        }

        RequireLength("service", r.Service, MaxNameLength);
        if (string.IsNullOrEmpty(r.Operation))
        {
            throw Errors.InvalidArgument("operation is required");
        }

        RequireLength("operation", r.Operation, MaxNameLength);
        var timeouts = CapTimeouts(r);
        if ((r.Input?.CalculateSize() ?? 0) is var inputSize && inputSize > blobSizeError)
        {
            throw Errors.InvalidArgument($"input exceeds size limit. Length={inputSize} Limit={blobSizeError}");
        }

        if (r.UserMetadata?.Summary?.CalculateSize() is > MaxSummaryBytes and var summary)
        {
            throw Errors.InvalidArgument($"user_metadata.summary exceeds size limit. Length={summary} Limit={MaxSummaryBytes}");
        }

        if (r.UserMetadata?.Details?.CalculateSize() is > MaxDetailsBytes and var details)
        {
            throw Errors.InvalidArgument($"user_metadata.details exceeds size limit. Length={details} Limit={MaxDetailsBytes}");
        }

        var lowered = new Dictionary<string, string>(StringComparer.Ordinal);
        var headerBytes = 0;
        foreach (var (key, value) in r.NexusHeader)
        {
            var lower = key.ToLowerInvariant();
            headerBytes += lower.Length + value.Length;
            if (disallowedHeaders.Contains(lower))
            {
                throw Errors.InvalidArgument($"nexus_header contains a disallowed key: \"{key}\"");
            }

            lowered[lower] = value;
        }

        if (headerBytes > MaxHeaderBytes)
        {
            throw Errors.InvalidArgument("nexus_header exceeds size limit");
        }

        r.NexusHeader.Clear();
        r.NexusHeader.Add(lowered);
        if (r.IdReusePolicy == NexusOperationIdReusePolicy.Unspecified)
        {
            r.IdReusePolicy = NexusOperationIdReusePolicy.AllowDuplicate;
        }

        if (r.IdConflictPolicy == NexusOperationIdConflictPolicy.Unspecified)
        {
            r.IdConflictPolicy = NexusOperationIdConflictPolicy.Fail;
        }

        return timeouts;
    }

    /// <summary>
    /// As validateAndCapTimeouts with no namespace maximum (nexusoperation.limit.scheduleToCloseTimeout is 0 by
    /// default): negative durations refused, the other two cut to schedule-to-close.
    /// </summary>
    private static NexusOperationTimeouts CapTimeouts(StartNexusOperationExecutionRequest r)
    {
        var s2c = Valid(r.ScheduleToCloseTimeout, "schedule_to_close_timeout");
        var s2s = Valid(r.ScheduleToStartTimeout, "schedule_to_start_timeout");
        var stc = Valid(r.StartToCloseTimeout, "start_to_close_timeout");
        if (s2c is { } limit)
        {
            if (s2s > limit)
            {
                s2s = limit;
                r.ScheduleToStartTimeout = r.ScheduleToCloseTimeout;
            }

            if (stc > limit)
            {
                stc = limit;
                r.StartToCloseTimeout = r.ScheduleToCloseTimeout;
            }
        }

        return new NexusOperationTimeouts(s2c, s2s, stc);
    }

    private static TimeSpan? Valid(Duration? duration, string name)
    {
        if (duration is null)
        {
            return null;
        }

        if (duration.Seconds < 0 || duration.Nanos < 0)
        {
            throw Errors.InvalidArgument(duration.Seconds > 0 || duration.Nanos > 0
                ? $"{name} is invalid: duration has seconds and nanos with different signs"
                : $"{name} is invalid: negative duration");
        }

        var value = duration.ToTimeSpan();
        return value == TimeSpan.Zero ? null : value;
    }

    /// <summary>Poll: the wait stage (unspecified is CLOSED), the operation ID, the run ID.</summary>
    public static void ValidatePoll(PollNexusOperationExecutionRequest r)
    {
        if (r.WaitStage == NexusOperationWaitStage.Unspecified)
        {
            r.WaitStage = NexusOperationWaitStage.Closed;
        }
        else if (r.WaitStage is not (NexusOperationWaitStage.Started or NexusOperationWaitStage.Closed))
        {
            throw Errors.InvalidArgument($"unsupported wait_stage: {ProtoEnumName(r.WaitStage)}");
        }

        RequireOperationId(r.OperationId);
        RequireRunId(r.RunId);
    }

    /// <summary>Describe: the operation ID, a run ID when a long-poll token is given, the run ID's form.</summary>
    public static void ValidateDescribe(DescribeNexusOperationExecutionRequest r)
    {
        RequireOperationId(r.OperationId);
        if (!r.LongPollToken.IsEmpty && string.IsNullOrEmpty(r.RunId))
        {
            throw Errors.InvalidArgument("run_id is required when long_poll_token is provided");
        }

        RequireRunId(r.RunId);
    }

    /// <summary>Cancel and terminate: request ID (given when empty), operation ID, run ID, identity, reason length.</summary>
    public static string ValidateChange(string requestId, string operationId, string runId, string identity, string reason)
    {
        var id = NormaliseRequestId(requestId);
        RequireOperationId(operationId);
        RequireRunId(runId);
        RequireIdLength("identity", identity);
        if (System.Text.Encoding.UTF8.GetByteCount(reason) is > MaxReasonLength and var length)
        {
            throw Errors.InvalidArgument($"reason exceeds length limit. Length={length} Limit={MaxReasonLength}");
        }

        return id;
    }

    public static void ValidateDelete(DeleteNexusOperationExecutionRequest r)
    {
        RequireOperationId(r.OperationId);
        RequireRunId(r.RunId);
    }

    private static string NormaliseRequestId(string? requestId)
    {
        if (string.IsNullOrEmpty(requestId))
        {
            return Guid.NewGuid().ToString();
        }

        RequireIdLength("request_id", requestId);
        return requestId;
    }

    private static void RequireOperationId(string? operationId)
    {
        if (string.IsNullOrEmpty(operationId))
        {
            throw Errors.InvalidArgument("operation_id is required");
        }

        RequireIdLength("operation_id", operationId);
    }

    private static void RequireRunId(string? runId)
    {
        if (!string.IsNullOrEmpty(runId) && !Guid.TryParse(runId, out _))
        {
            throw Errors.InvalidArgument("run_id is not a valid UUID");
        }
    }

    private static void RequireIdLength(string field, string? value) => RequireLength(field, value, MaxIdLength);

    private static void RequireLength(string field, string? value, int limit)
    {
        if (value is not null && WorkflowEngine.IdLength(value) is var length && length > limit)
        {
            throw Errors.InvalidArgument($"{field} exceeds length limit. Length={length} Limit={limit}");
        }
    }

    // Go prints the enum's proto name (NEXUS_OPERATION_WAIT_STAGE_…); an unknown value prints as its number.
    private static string ProtoEnumName(NexusOperationWaitStage stage) =>
        Enum.IsDefined(stage) ? "NEXUS_OPERATION_WAIT_STAGE_" + stage.ToString().ToUpperInvariant() : ((int)stage).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
