using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Nexus.V1;
using Endpoint = Temporalio.Api.Nexus.V1.Endpoint;
using Temporalio.Api.OperatorService.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Nexus;

/// <summary>
/// The cluster's Nexus endpoints (OperatorService Create/Update/Delete/Get/ListNexusEndpoints), with Temporal's
/// validation, versions and messages (ADR 0049). An endpoint names a worker target: a namespace and the task queue
/// its handler workers poll. Guarded by the engine lock; changes are taken by the committer.
/// </summary>
internal sealed partial class NexusEndpointRegistry
{
    private const int NameMaxLength = 200;
    private const int DescriptionMaxBytes = 20_000;
    private const int UrlMaxLength = 4096;
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    private readonly SortedDictionary<string, Endpoint> byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> idByName = new(StringComparer.Ordinal);
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);

    public Endpoint Create(CreateNexusEndpointRequest request, Func<string, bool> namespaceExists, DateTime now)
    {
        Validate(request.Spec, namespaceExists);
        if (idByName.ContainsKey(request.Spec.Name))
        {
            throw Errors.AlreadyExists($"error creating Nexus endpoint. Endpoint with name {request.Spec.Name} already registered");
        }

        var endpoint = new Endpoint
        {
            Id = Guid.NewGuid().ToString(),
            Version = 1,
            CreatedTime = Timestamp.FromDateTime(now),
            Spec = request.Spec.Clone(),
        };
        endpoint.UrlPrefix = UrlPrefixOf(endpoint.Id);
        Put(endpoint);
        return endpoint.Clone();
    }

    public Endpoint Update(UpdateNexusEndpointRequest request, Func<string, bool> namespaceExists, DateTime now)
    {
        Validate(request.Spec, namespaceExists);
        if (!byId.TryGetValue(request.Id ?? string.Empty, out var current))
        {
            throw Errors.NotFound($"error updating Nexus endpoint. endpoint ID {request.Id} not found");
        }

        if (request.Version != current.Version)
        {
            throw Errors.FailedPrecondition($"nexus endpoint version mismatch. received: {request.Version} expected {current.Version}");
        }

        // As Temporal writes an update: the new spec and version; the creation time is not carried over.
        var updated = new Endpoint
        {
            Id = current.Id,
            Version = current.Version + 1,
            LastModifiedTime = Timestamp.FromDateTime(now),
            UrlPrefix = current.UrlPrefix,
            Spec = request.Spec.Clone(),
        };
        ForgetName(current);
        Put(updated);
        return updated.Clone();
    }

    public void Delete(DeleteNexusEndpointRequest request)
    {
        RequireId(request.Id);
        if (request.Version <= 0)
        {
            throw Errors.InvalidArgument("endpoint version is non-positive");
        }

        if (!byId.Remove(request.Id, out var gone))
        {
            throw Errors.NotFound($"error deleting nexus endpoint with ID: {request.Id}");
        }

        ForgetName(gone);
        dirty.Add(request.Id);
    }

    public Endpoint Get(string id)
    {
        RequireId(id);
        return byId.TryGetValue(id, out var endpoint)
            ? endpoint.Clone()
            : throw Errors.NotFound($"Nexus endpoint with ID `{id}` not found");
    }

    /// <summary>By name (exact, the whole list), or a page in ID order; a full page always gets a token, as Temporal's SQL store gives one.</summary>
    public ListNexusEndpointsResponse List(ListNexusEndpointsRequest request)
    {
        var response = new ListNexusEndpointsResponse();
        if (!string.IsNullOrEmpty(request.Name))
        {
            if (FindByName(request.Name) is { } named)
            {
                response.Endpoints.Add(named.Clone());
            }

            return response;
        }

        var size = request.PageSize switch
        {
            < 0 => throw Errors.InvalidArgument("page_size is negative"),
            0 => DefaultPageSize,
            > MaxPageSize => throw Errors.InvalidArgument($"page_size exceeds limit of {MaxPageSize}"),
            var s => s,
        };
        var after = request.NextPageToken.IsEmpty ? null : request.NextPageToken.ToStringUtf8();
        foreach (var endpoint in byId.Values.Where(e => after is null || string.CompareOrdinal(e.Id, after) > 0).Take(size))
        {
            response.Endpoints.Add(endpoint.Clone());
        }

        if (response.Endpoints.Count == size)
        {
            response.NextPageToken = ByteString.CopyFromUtf8(response.Endpoints[^1].Id);
        }

        return response;
    }

    /// <summary>As Temporal's namespace deletion checks (with its default `frontend.allowDeleteNamespaceIfNexusEndpointTarget=false`).</summary>
    public void RequireNoneTargets(string ns)
    {
        if (byId.Values.FirstOrDefault(e => e.Spec.Target?.Worker?.Namespace == ns) is { } target)
        {
            throw Errors.FailedPrecondition($"cannot delete a namespace that is a target of a Nexus endpoint {target.Spec.Name}");
        }
    }

    /// <summary>The endpoint a ScheduleNexusOperation command names, or null.</summary>
    public Endpoint? FindByName(string name) =>
        idByName.TryGetValue(name, out var id) ? byId[id] : null;

    public Endpoint? FindById(string id) => byId.GetValueOrDefault(id);

    /// <summary>Changed endpoints (state) and deleted ones (no state) since the last call.</summary>
    public List<NexusEndpointChange> TakeChanges()
    {
        var changes = dirty.Select(id => new NexusEndpointChange(id, byId.TryGetValue(id, out var e) ? e.ToByteArray() : null)).ToList();
        dirty.Clear();
        return changes;
    }

    /// <summary>Restores stored endpoints (recovery); not written back.</summary>
    public void Restore(IEnumerable<byte[]> states)
    {
        foreach (var state in states)
        {
            var endpoint = Endpoint.Parser.ParseFrom(state);
            byId[endpoint.Id] = endpoint;
            idByName[endpoint.Spec.Name] = endpoint.Id;
        }
    }

    private void Put(Endpoint endpoint)
    {
        byId[endpoint.Id] = endpoint;
        idByName[endpoint.Spec.Name] = endpoint.Id;
        dirty.Add(endpoint.Id);
    }

    // Temporal does not check an update's name against the others: two endpoints may share one, the last written wins.
    private void ForgetName(Endpoint endpoint)
    {
        if (idByName.TryGetValue(endpoint.Spec.Name, out var id) && id == endpoint.Id)
        {
            idByName.Remove(endpoint.Spec.Name);
        }
    }

    private static string UrlPrefixOf(string id) => $"/nexus/endpoints/{id}/services";

    private static void RequireId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw Errors.InvalidArgument("endpoint ID not set");
        }

        if (!Guid.TryParse(id, out _))
        {
            throw Errors.InvalidArgument($"malformed endpoint ID: \"invalid UUID format\"");
        }
    }

    // Temporal's validateUpsertSpec: the problems found, joined into one INVALID_ARGUMENT; an unknown target namespace is FAILED_PRECONDITION.
    private static void Validate(EndpointSpec? spec, Func<string, bool> namespaceExists)
    {
        var issues = new List<string>();
        var name = spec?.Name ?? string.Empty;
        if (name.Length == 0)
        {
            issues.Add("endpoint name not set");
        }
        else if (name.Length > NameMaxLength)
        {
            issues.Add($"endpoint name exceeds length limit of {NameMaxLength}");
        }
        else if (!EndpointName().IsMatch(name))
        {
            issues.Add("endpoint name must match the regex: \"^[a-zA-Z][a-zA-Z0-9\\\\-]*[a-zA-Z0-9]$\""); // Go's %q of the pattern
        }

        switch (spec?.Target?.VariantCase)
        {
            case EndpointTarget.VariantOneofCase.Worker:
                var worker = spec.Target.Worker;
                if (string.IsNullOrEmpty(worker.Namespace))
                {
                    issues.Add("target namespace not set");
                }
                else if (!namespaceExists(worker.Namespace))
                {
                    throw Errors.FailedPrecondition($"could not verify namespace referenced by target exists: Namespace {worker.Namespace} is not found.");
                }

                if (TaskQueueNames.NameProblem(worker.TaskQueue) is { } badQueue)
                {
                    issues.Add($"invalid target task queue: \"{badQueue}\"");
                }

                break;
            case EndpointTarget.VariantOneofCase.External:
                var url = spec.Target.External.Url ?? string.Empty;
                if (url.Length == 0)
                {
                    issues.Add("empty target URL");
                }
                else if (url.Length > UrlMaxLength)
                {
                    issues.Add($"target URL length exceeds limit of {UrlMaxLength}");
                }
                else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                {
                    issues.Add($"invalid target URL: parse \"{url}\": invalid URI");
                }
                else if (uri.Scheme is not ("http" or "https"))
                {
                    issues.Add($"invalid target URL scheme: \"{uri.Scheme}\", expected http or https");
                }

                break;
            default:
                issues.Add("empty target variant");
                break;
        }

        if (spec?.Description is { } description && description.CalculateSize() > DescriptionMaxBytes)
        {
            issues.Add($"description size exceeds limit of {DescriptionMaxBytes}");
        }

        if (issues.Count > 0)
        {
            throw Errors.InvalidArgument(string.Join(", ", issues));
        }
    }

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9\\-]*[a-zA-Z0-9]$")]
    private static partial Regex EndpointName();
}

/// <summary>An endpoint to write (its state) or remove (no state).</summary>
internal sealed record NexusEndpointChange(string Id, byte[]? State);
