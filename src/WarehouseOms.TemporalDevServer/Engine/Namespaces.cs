using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// RegisterNamespace, DescribeNamespace, ListNamespaces and UpdateNamespace over the <see cref="NamespaceRegistry"/>;
/// each namespace's retention is what the retention sweeps apply to its closed runs. Registrations and updates
/// are stored with the durable store and restored before the runs.
/// </summary>
internal sealed partial class WorkflowEngine
{
    public void RegisterNamespace(RegisterNamespaceRequest request)
    {
        using (gate.Enter())
        {
            namespaces.Register(request, namespaceMinRetention);
            NamespacesChanged();
        }
    }

    public DescribeNamespaceResponse DescribeNamespace(DescribeNamespaceRequest request)
    {
        using (gate.Enter())
        {
            return namespaces.Describe(request.Namespace, request.Id);
        }
    }

    public void DeprecateNamespace(DeprecateNamespaceRequest request)
    {
        using (gate.Enter())
        {
            namespaces.Deprecate(request.Namespace);
            NamespacesChanged();
        }
    }

    /// <summary>
    /// Temporal's namespace validator, before any call that names a namespace: starts and signal-with-start need
    /// it Registered, other calls Registered or Deprecated. DescribeNamespace and RegisterNamespace bypass it, as
    /// there. Internal lookups (<see cref="Ns"/>) never check the state, so a timer of a run in a namespace marked
    /// Deleted still fires.
    /// </summary>
    private void ValidateNamespaceState(IMessage request)
    {
        if (namespaces.AllRegistered || request is DescribeNamespaceRequest or RegisterNamespaceRequest ||
            request.Descriptor.FindFieldByName("namespace") is not { FieldType: Google.Protobuf.Reflection.FieldType.String } field)
        {
            return;
        }

        var ns = (string)field.Accessor.GetValue(request);
        using (gate.Enter())
        {
            namespaces.RequireUsable(string.IsNullOrEmpty(ns) ? DefaultNamespace : ns,
                forStart: request is StartWorkflowExecutionRequest or SignalWithStartWorkflowExecutionRequest);
        }
    }

    public ListNamespacesResponse ListNamespaces(ListNamespacesRequest request)
    {
        using (gate.Enter())
        {
            return namespaces.List(request);
        }
    }

    public UpdateNamespaceResponse UpdateNamespace(UpdateNamespaceRequest request)
    {
        using (gate.Enter())
        {
            var response = namespaces.Update(request, namespaceMinRetention);
            NamespacesChanged();
            return response;
        }
    }

    private TimeSpan RetentionOf(string ns) => namespaces.RetentionOf(ns);

    private async Task RestoreNamespacesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadNamespacesAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var state in stored)
            {
                namespaces.Restore(state);
            }

            if (stored.Count > 0)
            {
                logger?.LogInformation("Engine restored {Namespaces} registered namespaces from {Store}", stored.Count, store.Description);
            }
        }
    }

    private void NamespacesChanged() => RegistryChanged(namespaces.HasChanges, namespaces.DiscardChanges);
}
