using Google.Protobuf;
using System.Collections.Frozen;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.Replication.V1;
using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Namespaces as Temporal's namespace handler keeps them: registered with an ID, a description, an owner, data
/// and a retention; changed by UpdateNamespace; listed by name. A namespace the engine knows without a
/// registration (the default one, the one it was started for, one its stored runs name) has the engine's
/// retention and an ID derived from its name, so that it stays the same across restarts; only registrations
/// and updates are stored. Not thread-safe: the engine calls it under its lock.
/// </summary>
internal sealed class NamespaceRegistry(TimeSpan engineRetention)
{
    private const int DefaultPageSize = 100;

    private static readonly TimeSpan MaxRetention = TimeSpan.FromDays(100 * 365);

    private readonly TimeSpan defaultRetention = engineRetention < MaxRetention ? engineRetention : MaxRetention;

    // Temporal's errNamespaceTooLong is checked against its ID length limit (limit.maxIDLength, 1000).
    private const int MaxNameLength = 1000;

    private readonly SortedDictionary<string, DescribeNamespaceResponse> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> nameById = [];
    private readonly HashSet<string> changed = new(StringComparer.Ordinal);

    // DeleteNamespace's work for the store, in order: a namespace's rows to remove, and its tombstone to keep.
    private readonly List<Store.NamespaceRemoval> removals = [];

    // Tombstones of deleted namespaces kept for a delete delay: when each record goes.
    private readonly Dictionary<string, DateTime> purgeAt = new(StringComparer.Ordinal);

    // Every namespace's state, replaced whole on every change (rare): read without the engine lock, so that the
    // check every call makes never waits for it.
    private FrozenDictionary<string, NamespaceState> states = FrozenDictionary<string, NamespaceState>.Empty;

    public bool HasChanges => changed.Count > 0 || removals.Count > 0;

    /// <summary>The retention of the namespaces the engine knows without a registration.</summary>
    public TimeSpan DefaultRetention => defaultRetention;

    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>As <see cref="Contains"/>, safe without the engine lock.</summary>
    public bool IsKnown(string name) => Volatile.Read(ref states).ContainsKey(name);

    /// <summary>The namespace's ID, or empty for a name the engine does not know.</summary>
    public string IdOf(string name) => byName.TryGetValue(name, out var entry) ? entry.NamespaceInfo.Id : string.Empty;

    public IEnumerable<string> Names => byName.Keys;

    /// <summary>A namespace known without a registration: the engine's retention, a stable derived ID.</summary>
    public void Ensure(string name)
    {
        if (!byName.ContainsKey(name))
        {
            // The tombstone of a deleted namespace of the same name keeps the plain derived ID: count on from it.
            var id = DerivedId(name);
            for (var n = 1; nameById.ContainsKey(id); n++)
            {
                id = DerivedId($"{name}#{n}");
            }

            Add(NewEntry(name, id, string.Empty, string.Empty, defaultRetention));
        }
    }

    /// <summary>
    /// Temporal's namespace validator: the namespace must exist (NOT_FOUND), and a start or signal-with-start needs it
    /// Registered, any other call Registered or Deprecated. Safe without the engine lock.
    /// </summary>
    public void RequireUsable(string name, bool forStart = false)
    {
        var state = RequireKnown(name);
        if (state == NamespaceState.Registered || (state == NamespaceState.Deprecated && !forStart))
        {
            return;
        }

        throw Errors.NamespaceInvalidState(name, state, forStart ? [NamespaceState.Registered] : [NamespaceState.Registered, NamespaceState.Deprecated]);
    }

    /// <summary>The state of a namespace the engine knows, or NOT_FOUND. Safe without the engine lock.</summary>
    public NamespaceState RequireKnown(string name) =>
        Volatile.Read(ref states).TryGetValue(name, out var state) ? state : throw Errors.NamespaceNotFound(name);

    /// <summary>DeprecateNamespace: no new workflows; the rest goes on.</summary>
    public void Deprecate(string name)
    {
        WithState(name, NamespaceState.Deprecated);
        changed.Add(name);
    }

    private void WithState(string name, NamespaceState state)
    {
        var entry = byName.TryGetValue(name, out var found) ? found.Clone() : throw Errors.NamespaceNotFound(name);
        entry.NamespaceInfo.State = state;
        Add(entry);
    }

    /// <summary>
    /// The namespace OperatorService.DeleteNamespace names, checked as Temporal's namespace validator (name or ID,
    /// not both; NOT_FOUND) and its delete-namespace workflow (protected namespaces) check it. A namespace already
    /// deleted may be named again: its deletion runs once more.
    /// </summary>
    public string ForDeletion(string? name, string? id, IReadOnlyCollection<string> protectedNamespaces)
    {
        var hasName = !string.IsNullOrEmpty(name);
        var hasId = !string.IsNullOrEmpty(id);
        if (hasName == hasId)
        {
            throw Errors.InvalidArgument(hasName ? "Only one of namespace name or Id should be set on request." : "Namespace not set on request.");
        }

        var found = hasName ? (byName.ContainsKey(name!) ? name : null) : nameById.GetValueOrDefault(id!);
        if (found is null)
        {
            throw Errors.NamespaceNotFound(hasName ? name! : id!);
        }

        return protectedNamespaces.Contains(found)
            ? throw Errors.FailedPrecondition($"namespace {found} is protected from deletion")
            : found;
    }

    /// <summary>The first step of a deletion: the namespace refuses every call but DescribeNamespace and DeleteNamespace.</summary>
    /// <remarks>Not stored: until the deletion is committed whole, a restart finds the namespace as it was.</remarks>
    public void MarkDeleted(string name) => WithState(name, NamespaceState.Deleted);

    /// <summary>
    /// The last step of a deletion, as Temporal's: the namespace is renamed to "name-deleted-&lt;ID prefix&gt;", which
    /// frees its name; that Deleted record stays until <paramref name="keepUntil"/> (the delete delay), or goes at
    /// once. The store removes every row of the old name with the same change. Returns the new name.
    /// </summary>
    public string Remove(string name, DateTime? keepUntil)
    {
        var entry = Drop(name);
        var deletedName = DeletedName(name, entry.NamespaceInfo.Id);
        entry.NamespaceInfo.Name = deletedName;
        entry.NamespaceInfo.State = NamespaceState.Deleted;
        Store.NamespaceRecord? tombstone = null;
        if (keepUntil is { } until)
        {
            purgeAt[deletedName] = until;
            Add(entry);
            tombstone = new Store.NamespaceRecord(deletedName, entry.ToByteArray(), until);
        }

        removals.Add(new Store.NamespaceRemoval(name, tombstone));
        return deletedName;
    }

    /// <summary>A deleted namespace's record, once its delete delay has passed.</summary>
    public void Purge(string deletedName)
    {
        if (purgeAt.ContainsKey(deletedName) && byName.ContainsKey(deletedName))
        {
            Drop(deletedName);
            removals.Add(new Store.NamespaceRemoval(deletedName, null));
        }
    }

    // Forgets a namespace in memory (its pending changes too) and returns a copy of what it was.
    private DescribeNamespaceResponse Drop(string name)
    {
        byName.Remove(name, out var entry);
        nameById.Remove(entry!.NamespaceInfo.Id);
        purgeAt.Remove(name);
        changed.Remove(name);
        RefreshStates();
        return entry.Clone();
    }

    /// <summary>The deleted namespaces whose records wait for their delete delay, with when each goes.</summary>
    public IReadOnlyList<(string Name, DateTime At)> Tombstones => [.. purgeAt.Select(p => (p.Key, p.Value))];

    public TimeSpan RetentionOf(string name) =>
        byName.TryGetValue(name, out var entry) ? entry.Config.WorkflowExecutionRetentionTtl.ToTimeSpan() : defaultRetention;

    /// <summary>Each namespace with its retention (for the retention sweeps).</summary>
    public IEnumerable<(string Name, TimeSpan Retention)> Retentions =>
        byName.Values.Select(e => (e.NamespaceInfo.Name, e.Config.WorkflowExecutionRetentionTtl.ToTimeSpan()));

    public TimeSpan ShortestRetention => byName.Count == 0 ? defaultRetention : byName.Values.Min(e => e.Config.WorkflowExecutionRetentionTtl.ToTimeSpan());

    /// <summary>By name, or by ID when no name is given (as DescribeNamespace takes either).</summary>
    public DescribeNamespaceResponse Describe(string? name, string? id)
    {
        if (!string.IsNullOrEmpty(name))
        {
            return byName.TryGetValue(name, out var named) ? named.Clone() : throw Errors.NamespaceNotFound(name);
        }

        if (!string.IsNullOrEmpty(id) && nameById.TryGetValue(id, out var ofId))
        {
            return byName[ofId].Clone();
        }

        throw string.IsNullOrEmpty(id) ? Errors.InvalidArgument("Namespace not set on request.") : Errors.NamespaceNotFound(id);
    }

    public void Register(RegisterNamespaceRequest request, TimeSpan minRetention)
    {
        var name = request.Namespace;
        if (string.IsNullOrEmpty(name))
        {
            throw Errors.InvalidArgument("Namespace not set on request.");
        }

        if (name.Length > MaxNameLength)
        {
            throw Errors.InvalidArgument("Namespace length exceeds limit.");
        }

        if (request.IsGlobalNamespace)
        {
            throw Errors.InvalidArgument("Cannot register global namespace when not enabled");
        }

        var retention = ValidRetention(request.WorkflowExecutionRetentionPeriod, minRetention);
        if (byName.ContainsKey(name))
        {
            throw Errors.NamespaceAlreadyExists($"Namespace \"{name}\" already exists");
        }

        var entry = NewEntry(name, Guid.NewGuid().ToString(), request.Description, request.OwnerEmail, retention);
        Merge(entry.NamespaceInfo.Data, request.Data);
        Add(entry);
        changed.Add(name);
    }

    public UpdateNamespaceResponse Update(UpdateNamespaceRequest request, TimeSpan minRetention)
    {
        if (string.IsNullOrEmpty(request.Namespace))
        {
            throw Errors.InvalidArgument("Namespace not set on request.");
        }

        var entry = byName.TryGetValue(request.Namespace, out var found) ? found.Clone() : throw Errors.NamespaceNotFound(request.Namespace);
        if (request.UpdateInfo is { } info)
        {
            entry.NamespaceInfo.State = NextState(entry.NamespaceInfo.State, info.State);
            // As Temporal: an empty description or owner leaves the old one; data keys are merged in.
            if (info.Description.Length > 0)
            {
                entry.NamespaceInfo.Description = info.Description;
            }

            if (info.OwnerEmail.Length > 0)
            {
                entry.NamespaceInfo.OwnerEmail = info.OwnerEmail;
            }

            Merge(entry.NamespaceInfo.Data, info.Data);
        }

        if (request.Config?.WorkflowExecutionRetentionTtl is { } ttl)
        {
            entry.Config.WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(ValidRetention(ttl, minRetention));
        }

        Add(entry);
        changed.Add(request.Namespace);
        return new UpdateNamespaceResponse
        {
            NamespaceInfo = entry.NamespaceInfo.Clone(),
            Config = entry.Config.Clone(),
            ReplicationConfig = entry.ReplicationConfig.Clone(),
            IsGlobalNamespace = false,
        };
    }

    /// <summary>In name order; the page token is the last name of the page.</summary>
    public ListNamespacesResponse List(ListNamespacesRequest request)
    {
        var pageSize = request.PageSize > 0 ? request.PageSize : DefaultPageSize;
        var after = request.NextPageToken.IsEmpty ? null : request.NextPageToken.ToStringUtf8();
        var includeDeleted = request.NamespaceFilter?.IncludeDeleted == true;
        var page = byName.Values
            .Where(e => (after is null || string.CompareOrdinal(e.NamespaceInfo.Name, after) > 0) && (includeDeleted || e.NamespaceInfo.State != NamespaceState.Deleted))
            .Take(pageSize + 1).ToList();
        var response = new ListNamespacesResponse();
        response.Namespaces.AddRange(page.Take(pageSize).Select(e => e.Clone()));
        if (page.Count > pageSize)
        {
            response.NextPageToken = Google.Protobuf.ByteString.CopyFromUtf8(page[pageSize - 1].NamespaceInfo.Name);
        }

        return response;
    }

    /// <summary>What the store has not seen yet: deletions (to apply first) and registrations and updates.</summary>
    public (IReadOnlyList<Store.NamespaceRemoval> Removals, IReadOnlyList<Store.NamespaceRecord> Saves) TakeChanges()
    {
        // Called on every group commit: nothing allocated while nothing changed (empty read-only lists are shared).
        if (!HasChanges)
        {
            return ([], []);
        }

        var saves = changed.Select(name => new Store.NamespaceRecord(name, byName[name].ToByteArray(), purgeAt.TryGetValue(name, out var at) ? at : null)).ToList();
        var taken = (removals.ToList(), saves);
        changed.Clear();
        removals.Clear();
        return taken;
    }

    public void DiscardChanges()
    {
        changed.Clear();
        removals.Clear();
    }

    /// <summary>A stored namespace, at start-up: it replaces what the engine assumed of the same name.</summary>
    public void Restore(Store.NamespaceRecord record)
    {
        var entry = DescribeNamespaceResponse.Parser.ParseFrom(record.State);
        // A namespace assumed before the restore (the engine's own) may hold the derived ID a stored tombstone of the
        // same name kept: the assumed one then takes the next free derivation, so IDs stay unique.
        var displaced = nameById.TryGetValue(entry.NamespaceInfo.Id, out var holder) && holder != entry.NamespaceInfo.Name ? holder : null;
        if (displaced is not null)
        {
            Drop(displaced);
        }

        if (record.PurgeAt is { } at)
        {
            purgeAt[entry.NamespaceInfo.Name] = at;
        }

        Add(entry);
        if (displaced is not null)
        {
            Ensure(displaced);
        }
    }

    /// <summary>Adds or replaces a namespace (by name; a restored one may carry another ID than the one assumed).</summary>
    private void Add(DescribeNamespaceResponse entry)
    {
        if (byName.Remove(entry.NamespaceInfo.Name, out var replaced))
        {
            nameById.Remove(replaced.NamespaceInfo.Id);
        }

        byName[entry.NamespaceInfo.Name] = entry;
        nameById[entry.NamespaceInfo.Id] = entry.NamespaceInfo.Name;
        RefreshStates();
    }

    private void RefreshStates() =>
        Volatile.Write(ref states, byName.Values
            .ToFrozenDictionary(e => e.NamespaceInfo.Name, e => e.NamespaceInfo.State, StringComparer.Ordinal));

    // Temporal's GenerateDeletedNamespaceName: "-deleted-" and the ID's first five characters, one more on a clash.
    private string DeletedName(string name, string id)
    {
        for (var length = 5; length < id.Length; length++)
        {
            var suffix = "-deleted-" + id[..length];
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return name; // deleted before: named again, it keeps its name
            }

            if (!byName.ContainsKey(name + suffix))
            {
                return name + suffix;
            }
        }

        return name + "-deleted-" + id;
    }

    // Temporal's validateStateUpdate: Registered may become Deprecated or Deleted, Deprecated may become Deleted.
    private static NamespaceState NextState(NamespaceState current, NamespaceState requested) =>
        requested == NamespaceState.Unspecified || requested == current ? current
        : (current, requested) is (NamespaceState.Registered, NamespaceState.Deprecated or NamespaceState.Deleted) or (NamespaceState.Deprecated, NamespaceState.Deleted)
            ? requested
            : throw Errors.InvalidArgument("Invalid namespace state update.");

    private static void Merge(Google.Protobuf.Collections.MapField<string, string> data, IDictionary<string, string> added)
    {
        foreach (var (key, value) in added)
        {
            data[key] = value;
        }
    }

    private static TimeSpan ValidRetention(Duration? requested, TimeSpan minRetention)
    {
        // Temporal's validateRetentionDuration: set, valid, and at least the minimum for a local namespace; a
        // duration past 100 years is capped there (ValidateAndCapProtoDuration).
        if (requested is null || requested.Seconds < 0 || requested.Nanos < 0 || requested.Seconds > Duration.MaxSeconds)
        {
            throw Errors.InvalidArgument("A valid retention period is not set on request.");
        }

        var retention = requested.Seconds >= (long)MaxRetention.TotalSeconds ? MaxRetention : requested.ToTimeSpan();
        return retention < minRetention ? throw Errors.InvalidArgument("A valid retention period is not set on request.") : retention;
    }

    private static DescribeNamespaceResponse NewEntry(string name, string id, string description, string owner, TimeSpan retention) => new()
    {
        NamespaceInfo = new NamespaceInfo
        {
            Name = name,
            Id = id,
            State = NamespaceState.Registered,
            Description = description,
            OwnerEmail = owner,
        },
        Config = new NamespaceConfig
        {
            WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(retention),
            HistoryArchivalState = ArchivalState.Disabled,
            VisibilityArchivalState = ArchivalState.Disabled,
        },
        ReplicationConfig = new NamespaceReplicationConfig
        {
            ActiveClusterName = Cluster.Name,
            Clusters = { new ClusterReplicationConfig { ClusterName = Cluster.Name } },
            State = ReplicationState.Normal,
        },
        IsGlobalNamespace = false,
    };

    private static string DerivedId(string name) => NameBasedUuid.Of("namespace:" + name);
}
