using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Namespace.V1;
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
            var response = namespaces.Describe(request.Namespace, request.Id);
            WithServerFacts(response.NamespaceInfo);
            return response;
        }
    }

    /// <summary>
    /// What Temporal's createNamespaceResponse adds from the server's configuration rather than the registration:
    /// the payload limits (the SDK fails a task whose payloads pass them before sending it), the capabilities,
    /// schedules. Added on the way out, never stored, so a restart with other settings reports the new ones.
    /// </summary>
    private void WithServerFacts(NamespaceInfo info)
    {
        info.Limits = new NamespaceInfo.Types.Limits
        {
            BlobSizeLimitError = limits.BlobSizeError,
            MemoSizeLimitError = limits.MemoSizeError,
            // Temporal reports its paginated-completion buffer here; this engine takes no paginated completions
            // and bounds a completion only by the gRPC message size, so it reports no limit (0), as the field allows.
        };
        info.Capabilities = new NamespaceInfo.Types.Capabilities
        {
            EagerWorkflowStart = true,
            SyncUpdate = true,
            AsyncUpdate = true,
            WorkerPollCompleteOnShutdown = cancelPollsOnShutdown,
            WorkerHeartbeats = WorkerHeartbeatsEnabled,
            StandaloneActivities = true,
            StandaloneActivityStartDelay = true,
            StandaloneActivityOperatorCommands = standaloneActivityOperatorCommands, // as Temporal: standalone activities on (always here) and the flag
            StandaloneNexusOperation = standaloneNexusOperations, // as Temporal: nexusoperation.enableStandalone
            WorkflowPause = workflowPause, // as Temporal: frontend.WorkflowPauseEnabled
            WorkflowUpdateCallbacks = updateCallbacks, // as Temporal: history.enableUpdateCallbacks
            // Not here: worker commands, standalone activities' batch operations,
            // paginated completions, and poller autoscaling (the engine sends no scaling decisions).
        };
        info.SupportsSchedules = true;
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
    /// Temporal's namespace validator, before any call whose request has a namespace, so that its answers come before
    /// the handler's own checks: a name over <c>limit.maxIDLength</c> is refused; a task token must be set and be one
    /// (it names the namespace, and a request naming another known one is refused); otherwise the request must name
    /// its namespace, except the search attribute calls (<see cref="RequireSearchAttributeNamespace"/>); the namespace
    /// must exist (NOT_FOUND); then starts and signal-with-start need it Registered, other calls Registered or
    /// Deprecated. DescribeNamespace, RegisterNamespace and DeleteNamespace (which takes a Deleted namespace too, and an
    /// ID) bypass the look-up, as there; the registry checks them. Internal lookups (<see cref="Ns"/>) check nothing,
    /// so a timer of a run in a namespace marked Deleted still fires.
    /// </summary>
    private void ValidateNamespace(IMessage request)
    {
        var fields = NamespaceFields.Of(request.Descriptor);
        if (fields.Namespace is null)
        {
            return;
        }

        var ns = (string)fields.Namespace.Accessor.GetValue(request);
        if (IdLength(ns) > MaxIdLength)
        {
            throw Errors.InvalidArgument("Namespace length exceeds limit.");
        }

        var forStart = request is StartWorkflowExecutionRequest or SignalWithStartWorkflowExecutionRequest;
        if (fields.TaskToken is not null)
        {
            // The token's namespace comes first and is the one used; a request's own, if it names another that exists,
            // is refused (frontend.enableTokenNamespaceEnforcement, on by default).
            var tokenNamespace = TaskToken.NamespaceOf((ByteString)fields.TaskToken.Accessor.GetValue(request));
            namespaces.RequireUsable(tokenNamespace, forStart);
            if (ns.Length > 0 && ns != tokenNamespace && namespaces.IsKnown(ns))
            {
                throw Errors.InvalidArgument("Operation requested with a token from a different namespace.");
            }

            return;
        }

        if (request is DescribeNamespaceRequest or RegisterNamespaceRequest or Temporalio.Api.OperatorService.V1.DeleteNamespaceRequest)
        {
            if (ns.Length == 0 && request is RegisterNamespaceRequest)
            {
                throw Errors.InvalidArgument("Namespace not set on request.");
            }

            return;
        }

        if (ns.Length == 0)
        {
            // The search attribute calls may omit it (their handler checks, RequireSearchAttributeNamespace).
            if (request is Temporalio.Api.OperatorService.V1.AddSearchAttributesRequest or Temporalio.Api.OperatorService.V1.RemoveSearchAttributesRequest
                or Temporalio.Api.OperatorService.V1.ListSearchAttributesRequest)
            {
                return;
            }

            throw Errors.InvalidArgument("Namespace not set on request.");
        }

        namespaces.RequireUsable(ns, forStart);
    }

    public ListNamespacesResponse ListNamespaces(ListNamespacesRequest request)
    {
        using (gate.Enter())
        {
            var response = namespaces.List(request);
            foreach (var entry in response.Namespaces)
            {
                WithServerFacts(entry.NamespaceInfo);
            }

            return response;
        }
    }

    public UpdateNamespaceResponse UpdateNamespace(UpdateNamespaceRequest request)
    {
        using (gate.Enter())
        {
            var response = namespaces.Update(request, namespaceMinRetention);
            WithServerFacts(response.NamespaceInfo);
            NamespacesChanged();
            return response;
        }
    }

    /// <summary>
    /// OperatorService.DeleteNamespace, in the steps of Temporal's delete-namespace workflow: the namespace is marked
    /// Deleted (every call but DescribeNamespace and DeleteNamespace is refused), its open runs are terminated and
    /// its schedules and worker deployments removed; once that is committed, its runs leave memory and it is renamed
    /// "name-deleted-&lt;ID prefix&gt;", which frees the name. The store deletes every row of the namespace in the
    /// same commit as the rename. The renamed record (state Deleted) stays for the delete delay, then goes. Temporal
    /// answers after the rename and reclaims the runs in the background; here they are gone before the answer.
    /// Returns the new name.
    /// </summary>
    public async Task<string> DeleteNamespaceAsync(Temporalio.Api.OperatorService.V1.DeleteNamespaceRequest request)
    {
        // One deletion at a time, and no search attribute write meanwhile (those go to the store outside the commits).
        await namespaceChange.WaitAsync().ConfigureAwait(false);
        try
        {
            string name;
            int terminated;
            using (gate.Enter())
            {
                name = namespaces.ForDeletion(request.Namespace, request.NamespaceId, protectedNamespaces);
                nexusEndpoints.RequireNoneTargets(name);
                namespaces.MarkDeleted(name);
                terminated = EndNamespace(name);
            }

            // What the namespace's end did elsewhere (a parent in another namespace hears of its child) is kept.
            await DurableAsync().ConfigureAwait(false);
            string deletedName;
            int removed;
            using (gate.Enter())
            {
                // Again: a start or a schedule that passed the state check just before the first step.
                terminated += EndNamespace(name);
                var runs = runsByRunId.Values.Where(x => x.Namespace == name).ToList();
                foreach (var x in runs)
                {
                    RemoveFromIndexes(x);
                    dirty.Remove(x); // never written again: the store removes the namespace's rows
                }

                removed = runs.Count;
                ForgetQueuesOf(name);
                closedInOrder.Remove(name);
                searchAttributes.Forget(name);
                namespaceRemovals++;
                var delay = request.NamespaceDeleteDelay is { } requested ? requested.ToTimeSpan() : namespaceDeleteDelay;
                deletedName = namespaces.Remove(name, delay > TimeSpan.Zero ? Clock.Now + delay : null);
                if (delay > TimeSpan.Zero)
                {
                    ArmPurge(deletedName, delay);
                }
                NamespacesChanged();
            }

            await DurableAsync().ConfigureAwait(false);
            logger?.LogInformation("Namespace {Namespace} deleted as {DeletedNamespace}: {Terminated} open runs terminated, {Runs} runs in memory removed with the store's",
                name, deletedName, terminated, removed);
            return deletedName;
        }
        finally
        {
            namespaceChange.Release();
        }
    }

    // Under the lock: every open run of the namespace terminated (as DeleteWorkflowExecution does), its schedules,
    // batches and worker deployments removed. Returns how many runs it terminated.
    private int EndNamespace(string ns)
    {
        var terminated = 0;
        foreach (var x in open.Where(x => x.Namespace == ns).ToList())
        {
            // A parent's TERMINATE close policy may have closed its child already.
            if (x.IsOpen)
            {
                Terminate(x, "Delete workflow execution", null, string.Empty);
                terminated++;
            }
        }

        RemoveSchedulesOf(ns);
        RemoveBatchesOf(ns);
        RemoveStandaloneActivitiesOf(ns);
        RemoveStandaloneNexusOperationsOf(ns);
        workers.Forget(ns);
        workerDeployments.Forget(ns);
        DeploymentsChanged();
        return terminated;
    }

    // Under the lock: a deleted namespace's tombstone goes when its delay has passed (re-armed at start-up). With time
    // skipping it stays: a purge timer would be the next timer for the clock to skip to.
    private void ArmPurge(string deletedName, TimeSpan delay)
    {
        if (purgeTimers.Remove(deletedName, out var earlier))
        {
            earlier.Cancel();
        }

        if (!Clock.TimeSkipping)
        {
            purgeTimers[deletedName] = Clock.Schedule(delay, () =>
            {
                purgeTimers.Remove(deletedName);
                namespaces.Purge(deletedName);
                NamespacesChanged();
            });
        }
    }

    private TimeSpan RetentionOf(string ns) => namespaces.RetentionOf(ns);

    private async Task RestoreNamespacesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadNamespacesAsync(cancellationToken).ConfigureAwait(false);
        using (gate.Enter())
        {
            foreach (var record in stored)
            {
                namespaces.Restore(record);
            }

            foreach (var (name, at) in namespaces.Tombstones)
            {
                ArmPurge(name, at - Clock.Now);
            }

            if (stored.Count > 0)
            {
                logger?.LogInformation("Engine restored {Namespaces} registered namespaces from {Store}", stored.Count, store.Description);
            }
        }
    }

    private void NamespacesChanged() => RegistryChanged(namespaces.HasChanges, namespaces.DiscardChanges);
}
