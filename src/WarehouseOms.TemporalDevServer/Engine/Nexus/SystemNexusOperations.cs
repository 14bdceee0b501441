using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.WorkflowService.V1;
using WarehouseOms.TemporalDevServer.Engine.Nexus;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// System Nexus operations (ADR 0052): a workflow's Nexus operation on the reserved endpoint <c>__temporal_system</c>
/// is run by the server itself, as Temporal's history service does. The one Temporal offers is
/// WorkflowService/SignalWithStartWorkflowExecution (the SDK's <c>Workflow.SignalWithStartWorkflowAsync</c>), behind
/// <c>history.enableSignalWithStartFromWorkflow</c> (off by default, as in Temporal).
/// </summary>
internal sealed partial class WorkflowEngine
{
    public const string SystemNexusEndpoint = "__temporal_system";
    private const string SystemWorkflowService = "temporal.api.workflowservice.v1.WorkflowService";
    private const string SystemSignalWithStart = "SignalWithStartWorkflowExecution";

    // Set on every payload the server answers a system operation with: the SDK then applies no codec to it.
    private const string SystemPayloadMetadataKey = "__temporal_system_payload";

    private static readonly JsonParser ProtoJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static bool IsSystemNexus(string? endpoint) => endpoint == SystemNexusEndpoint;

    private bool IsSystemOperation(Execution execution, NexusOperationState operation) =>
        string.IsNullOrEmpty(operation.EndpointId) &&
        IsSystemNexus(execution.History[(int)operation.ScheduledEventId - 1].NexusOperationScheduledEventAttributes?.Endpoint);

    /// <summary>
    /// The checks Temporal's command handler makes of a system operation (its input processor): no Nexus header, a
    /// known service and operation, an input it can decode, and a request the frontend would take. A refusal fails the
    /// workflow task (BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES); the operation switched off answers UNIMPLEMENTED.
    /// </summary>
    private InvalidCommand? ValidateSystemNexus(Execution execution, ScheduleNexusOperationCommandAttributes a)
    {
        const WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes;
        if (a.NexusHeader.Count > 0)
        {
            return new(cause, $"ScheduleNexusOperationCommandAttributes.NexusHeader must be empty when using {SystemNexusEndpoint} endpoint");
        }

        if (a.Service != SystemWorkflowService)
        {
            return new(cause, $"service \"{a.Service}\" not found");
        }

        if (a.Operation != SystemSignalWithStart)
        {
            return new(cause, $"operation \"{a.Operation}\" not found");
        }

        if (DecodeSystemRequest(a.Input, out var problem) is not { } request)
        {
            return new(cause, problem);
        }

        if (!signalWithStartFromWorkflow)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "SignalWithStart operation is disabled"));
        }

        var refusal = string.IsNullOrEmpty(request.Namespace) || request.Namespace == execution.Namespace ? null
            : $"Namespace in request \"{request.Namespace}\" does not match namespace in context \"{execution.Namespace}\"";
        refusal ??= request.RequestId.Length > 0 ? "RequestID should not be set on the request" : null;
        refusal ??= request.Links.Count > 0 ? "Links should not be set on the request" : null;
        if (refusal is not null)
        {
            return new(cause, refusal);
        }

        request.Namespace = execution.Namespace;
        request.RequestId = Guid.NewGuid().ToString(); // as Temporal validates it: with a request ID of its own
        try
        {
            RequireSignalWithStartRequest(request);
            RequireValidSearchAttributes(execution.Namespace, request.SearchAttributes);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound)
        {
            return new(cause, ex.Status.Detail);
        }

        return null;
    }

    /// <summary>The request a system operation carries, as Temporal's proto-preferring converter reads it; null with why not.</summary>
    private static SignalWithStartWorkflowExecutionRequest? DecodeSystemRequest(Payload? input, out string problem)
    {
        problem = string.Empty;
        var encoding = input?.Metadata.TryGetValue("encoding", out var e) == true ? e.ToStringUtf8() : string.Empty;
        try
        {
            switch (encoding)
            {
                case "json/protobuf":
                    return ProtoJson.Parse<SignalWithStartWorkflowExecutionRequest>(input!.Data.ToStringUtf8());
                case "binary/protobuf":
                    return SignalWithStartWorkflowExecutionRequest.Parser.ParseFrom(input!.Data);
            }
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            problem = $"failed to decode input payload: {ex.Message}";
            return null;
        }

        problem = $"failed to decode input payload: payload encoding \"{encoding}\" is not a protobuf encoding";
        return null;
    }

    /// <summary>
    /// Runs the operation's start in the server, as Temporal's executor calls its history service: signal-with-start in
    /// the caller's namespace under the operation's request ID (a repeat after a restart is deduplicated), linked to
    /// the operation's scheduled event. It completes at once with the response; a refusal fails it, and what may pass
    /// (the store, limits) is retried as any attempt.
    /// </summary>
    private void RunSystemNexusOperation(Execution execution, NexusOperationState operation)
    {
        var scheduled = execution.History[(int)operation.ScheduledEventId - 1].NexusOperationScheduledEventAttributes;
        if (DecodeSystemRequest(scheduled.Input, out var problem) is not { } request)
        {
            FinishNexusOperation(execution, operation, EventType.NexusOperationFailed, HandlerFailure(problem, "BAD_REQUEST"));
            return;
        }

        request.Namespace = execution.Namespace;
        request.RequestId = operation.RequestId;
        request.Links.Clear();
        request.Links.Add(new Link
        {
            WorkflowEvent = new Link.Types.WorkflowEvent
            {
                Namespace = execution.Namespace,
                WorkflowId = execution.WorkflowId,
                RunId = execution.RunId,
                EventRef = new Link.Types.WorkflowEvent.Types.EventReference { EventId = operation.ScheduledEventId, EventType = EventType.NexusOperationScheduled },
            },
        });

        SignalWithStartWorkflowExecutionResponse response;
        try
        {
            response = SignalWithStart(request);
        }
        catch (RpcException ex)
        {
            var (type, retryable) = HandlerErrorOf(ex.StatusCode);
            var failure = HandlerFailure(ex.Status.Detail, type);
            if (retryable)
            {
                RetryNexusStart(execution, operation, failure);
            }
            else
            {
                FinishNexusOperation(execution, operation, EventType.NexusOperationFailed, failure);
            }

            return;
        }

        var result = new Payload
        {
            Metadata =
            {
                ["encoding"] = ByteString.CopyFromUtf8("binary/protobuf"),
                ["messageType"] = ByteString.CopyFromUtf8(SignalWithStartWorkflowExecutionResponse.Descriptor.FullName),
                [SystemPayloadMetadataKey] = ByteString.CopyFromUtf8("true"),
            },
            Data = response.ToByteString(),
        };
        FinishNexusOperation(execution, operation, EventType.NexusOperationCompleted, failure: null, result, eventLinks: [response.SignalLink]);
    }

    /// <summary>The Nexus handler error a gRPC status becomes (Temporal's mapping), and whether the caller retries it.</summary>
    private static (string Type, bool Retryable) HandlerErrorOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => ("BAD_REQUEST", false),
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition => ("CONFLICT", false),
        StatusCode.NotFound => ("NOT_FOUND", false),
        StatusCode.PermissionDenied => ("UNAUTHORIZED", false),
        StatusCode.Unimplemented => ("NOT_IMPLEMENTED", false),
        StatusCode.ResourceExhausted => ("RESOURCE_EXHAUSTED", true),
        StatusCode.Unavailable => ("UNAVAILABLE", true),
        StatusCode.DeadlineExceeded => ("UPSTREAM_TIMEOUT", true),
        _ => ("INTERNAL", true),
    };
}
