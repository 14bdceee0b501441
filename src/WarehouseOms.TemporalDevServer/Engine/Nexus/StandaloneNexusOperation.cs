using System.Text.Json.Serialization;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine.Nexus;

/// <summary>A cancellation asked of a standalone Nexus operation: who asked, why, and the request ID that makes asking again harmless.</summary>
internal sealed record NexusOperationCancelRequest(string RequestId, string Reason, string Identity, DateTime Time);

/// <summary>
/// One run of a standalone Nexus operation execution (started by a client by ID, no workflow around it), as Temporal's
/// CHASM operation keeps it (chasm/lib/nexusoperation): what was asked, the start and cancel requests' progress (the
/// same <see cref="NexusOperationState"/> a workflow's operation has), and once closed its outcome. Stored whole
/// (<see cref="ToBytes"/>) after each change; timers and requests in flight are re-armed from it at start-up.
/// </summary>
internal sealed class StandaloneNexusOperation : StandaloneRun<StandaloneNexusOperation>
{
    public required string Namespace { get; init; }

    public required string OperationId { get; init; }

    public required string RunId { get; init; }

    public required string Endpoint { get; init; }

    public required string Service { get; init; }

    public required string Operation { get; init; }

    public Payload? Input { get; init; }

    /// <summary>Lower-cased keys, as Temporal's validator leaves them.</summary>
    public Dictionary<string, string> NexusHeader { get; init; } = [];

    public Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata { get; init; }

    public SearchAttributes? SearchAttributes { get; init; }

    public string Identity { get; init; } = string.Empty;

    // As given (after capping to schedule-to-close); null: none.
    public TimeSpan? ScheduleToClose { get; init; }

    public TimeSpan? ScheduleToStart { get; init; }

    public TimeSpan? StartToClose { get; init; }

    /// <summary>The creating call's request ID: a repeat of it is answered with this run.</summary>
    public required string StartRequestId { get; init; }

    /// <summary>The start and cancel requests' progress; its request ID is the server's, which the handler deduplicates retried starts by.</summary>
    [JsonIgnore]
    public NexusOperationState Progress { get; set; } = null!; // set at creation, or from ProgressRecord when read back

    /// <summary>The stored form of <see cref="Progress"/>.</summary>
    public NexusOperationRecord ProgressRecord
    {
        get => Progress.ToRecord();
        init => Progress = NexusOperationState.FromRecord(value);
    }

    /// <summary>Links the handler returned (to the workflow behind an async operation).</summary>
    public List<Link> Links { get; init; } = [];

    public NexusOperationExecutionStatus Status { get; set; } = NexusOperationExecutionStatus.Running;

    [JsonIgnore]
    public bool IsOpen => Status == NexusOperationExecutionStatus.Running;

    public NexusOperationCancelRequest? CancelRequest { get; set; }

    /// <summary>When the cancel request reached its end (answered or refused).</summary>
    public DateTime? CancelLastAttemptCompleteTime { get; set; }

    public string? TerminateRequestId { get; set; }

    // ---- outcome ----

    public Payload? Result { get; set; }

    public Failure? Failure { get; set; }

    public DateTime? CloseTime { get; set; }

    // ---- live only ----

    /// <summary>RUNNING's detail, as Temporal reports it (PendingOperationState): unspecified once closed.</summary>
    [JsonIgnore]
    public PendingNexusOperationState State => !IsOpen ? PendingNexusOperationState.Unspecified : Progress.Phase switch
    {
        NexusOperationPhase.Started => PendingNexusOperationState.Started,
        NexusOperationPhase.BackingOff => PendingNexusOperationState.BackingOff,
        _ => PendingNexusOperationState.Scheduled,
    };
}
