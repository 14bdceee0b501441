using System.Collections.Concurrent;
using Google.Protobuf.Reflection;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// A request type's <c>namespace</c> and <c>task_token</c> fields, found once per type: the namespace validator reads
/// them on every call, and a descriptor look-up by name is not free.
/// </summary>
internal sealed record NamespaceFields(FieldDescriptor? Namespace, FieldDescriptor? TaskToken)
{
    private static readonly ConcurrentDictionary<MessageDescriptor, NamespaceFields> ByType = new();

    public static NamespaceFields Of(MessageDescriptor type) => ByType.GetOrAdd(type, static t => new(
        t.FindFieldByName("namespace") is { FieldType: FieldType.String } ns ? ns : null,
        t.FindFieldByName("task_token") is { FieldType: FieldType.Bytes } token ? token : null));
}
