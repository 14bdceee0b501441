using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using WarehouseOms.TemporalDevServer.Store;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>OperatorService search attribute registration, kept in the store (answered after its write).</summary>
internal sealed partial class WorkflowEngine
{
    private readonly SearchAttributeRegistry searchAttributes = new();

    private async Task RestoreSearchAttributesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadSearchAttributesAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var change in stored)
            {
                namespaces.Ensure(change.Namespace);
                searchAttributes.Apply(change.Namespace, change.Name, change.Type);
            }
        }
    }

    /// <summary>The attributes the command line registers (<c>--search-attribute</c>), in every namespace, kept like any other.</summary>
    private async Task RegisterStartupSearchAttributesAsync(CancellationToken cancellationToken)
    {
        if (startupSearchAttributes.Count == 0)
        {
            return;
        }

        SearchAttributeRegistry.RequireAddable(startupSearchAttributes);
        List<SearchAttributeChange> changes;
        using (gate.Enter())
        {
            changes = namespaces.Names.SelectMany(ns => searchAttributes.ToAdd(ns, startupSearchAttributes)
                .Select(a => new SearchAttributeChange(ns, a.Key, a.Value))).ToList();
        }

        await SaveSearchAttributesAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    public Task AddSearchAttributesAsync(AddSearchAttributesRequest request, CancellationToken cancellationToken)
    {
        SearchAttributeRegistry.RequireAddable(request.SearchAttributes);
        RequireSearchAttributeNamespace(request.Namespace);
        return ChangeSearchAttributesAsync(request.Namespace, ns => searchAttributes.ToAdd(ns, request.SearchAttributes)
            .Select(a => new SearchAttributeChange(ns, a.Key, a.Value)), cancellationToken);
    }

    public Task RemoveSearchAttributesAsync(RemoveSearchAttributesRequest request, CancellationToken cancellationToken)
    {
        SearchAttributeRegistry.RequireRemovable(request.SearchAttributes);
        RequireSearchAttributeNamespace(request.Namespace);
        return ChangeSearchAttributesAsync(request.Namespace, ns => searchAttributes.ToRemove(ns, request.SearchAttributes)
            .Select(name => new SearchAttributeChange(ns, name, null)), cancellationToken);
    }

    /// <summary>
    /// The search attribute calls need a namespace, as Temporal's handler with SQL visibility (the dev server's and
    /// PostgreSQL's) asks for it, after the attributes' own checks; its message differs from the validator's.
    /// </summary>
    private static void RequireSearchAttributeNamespace(string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw Errors.InvalidArgument("Namespace is not set on request.");
        }
    }

    private async Task ChangeSearchAttributesAsync(string requested, Func<string, IEnumerable<SearchAttributeChange>> changesIn, CancellationToken cancellationToken)
    {
        // Not while a namespace is being deleted: this write goes to the store outside the commits.
        await namespaceChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<SearchAttributeChange> changes;
            using (gate.Enter())
            {
                changes = changesIn(Ns(requested)).ToList();
            }

            await SaveSearchAttributesAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            namespaceChange.Release();
        }
    }

    public ListSearchAttributesResponse ListSearchAttributes(ListSearchAttributesRequest request)
    {
        RequireSearchAttributeNamespace(request.Namespace);
        using (gate.Enter())
        {
            var ns = Ns(request.Namespace);
            var response = new ListSearchAttributesResponse();
            foreach (var (name, type) in SearchAttributeRegistry.System.Concat(SearchAttributeRegistry.Predefined))
            {
                response.SystemAttributes[name] = type;
            }

            foreach (var (name, type) in searchAttributes.Custom(ns))
            {
                response.CustomAttributes[name] = type;
            }

            return response;
        }
    }

    // Written first, applied after: a registration the store refused never takes effect.
    private async Task SaveSearchAttributesAsync(List<SearchAttributeChange> changes, CancellationToken cancellationToken)
    {
        await store.SaveSearchAttributesAsync(changes, cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var change in changes)
            {
                searchAttributes.Apply(change.Namespace, change.Name, change.Type);
            }
        }
    }

    /// <summary>INVALID_ARGUMENT, as Temporal answers a start whose search attributes do not fit the registration.</summary>
    private void RequireValidSearchAttributes(string ns, Temporalio.Api.Common.V1.SearchAttributes? attributes)
    {
        if (searchAttributes.Problem(ns, attributes, limits.SearchAttributesNumberOfKeys) is { } problem)
        {
            throw Errors.InvalidArgument(problem);
        }
    }

    /// <summary>For commands: null, or the workflow-task failure Temporal records (BAD_SEARCH_ATTRIBUTES).</summary>
    private InvalidCommand? SearchAttributeProblem(Execution execution, Temporalio.Api.Common.V1.SearchAttributes? attributes) =>
        searchAttributes.Problem(execution.Namespace, attributes, limits.SearchAttributesNumberOfKeys) is { } problem
            ? new InvalidCommand(WorkflowTaskFailedCause.BadSearchAttributes, problem)
            : null;
}
