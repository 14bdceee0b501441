using Google.Protobuf;
using Google.Protobuf.Reflection;
using Temporalio.Api.Common.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The workflow executions a request names — <c>execution</c> / <c>workflow_execution</c> fields and
/// <c>workflow_id</c> (+ <c>run_id</c>) pairs, at the top and inside commands and operations — with the
/// namespace that applies to each. Read from the protobuf descriptors, so RPCs added later are covered too.
/// </summary>
internal static class ExecutionRefs
{
    private const int MaxDepth = 3;

    // Message types that never name an execution to act on: not walked.
    private static readonly HashSet<string> Opaque =
    [
        Payloads.Descriptor.FullName, Payload.Descriptor.FullName, Header.Descriptor.FullName, Memo.Descriptor.FullName,
        SearchAttributes.Descriptor.FullName, Temporalio.Api.Failure.V1.Failure.Descriptor.FullName,
    ];

    public static List<(string Namespace, string WorkflowId, string? RunId)> Of(IMessage request)
    {
        var refs = new List<(string, string, string?)>();
        Walk(request, string.Empty, refs, 0);
        return refs;
    }

    private static void Walk(IMessage message, string ns, List<(string, string, string?)> refs, int depth)
    {
        var descriptor = message.Descriptor;
        if (message is WorkflowExecution execution)
        {
            refs.Add((ns, execution.WorkflowId, execution.RunId));
            return;
        }

        if (Text(message, descriptor, "namespace") is { Length: > 0 } named)
        {
            ns = named;
        }

        if (Text(message, descriptor, "workflow_id") is { Length: > 0 } workflowId)
        {
            refs.Add((ns, workflowId, Text(message, descriptor, "run_id")));
        }

        if (depth == MaxDepth)
        {
            return;
        }

        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType != FieldType.Message || field.IsMap || Opaque.Contains(field.MessageType.FullName))
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var item in (System.Collections.IEnumerable)value)
                {
                    Walk((IMessage)item, ns, refs, depth + 1);
                }
            }
            else if (value is IMessage inner)
            {
                Walk(inner, ns, refs, depth + 1);
            }
        }
    }

    private static string? Text(IMessage message, MessageDescriptor descriptor, string name) =>
        descriptor.FindFieldByName(name) is { FieldType: FieldType.String, IsRepeated: false } field ? field.Accessor.GetValue(message) as string : null;
}
