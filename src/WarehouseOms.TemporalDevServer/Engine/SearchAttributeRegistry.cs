using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The search attributes a namespace knows, with their types, as Temporal keeps them: system attributes
/// (set by the server, queryable, never writable), predefined ones a workflow may write
/// (TemporalChangeVersion...), and custom ones registered through the OperatorService. Like the Temporal
/// CLI dev server, every namespace starts with the Custom*Field set. Writes are checked against the
/// registration with the real server's messages. Guarded by the engine lock.
/// </summary>
internal sealed class SearchAttributeRegistry
{
    public static readonly IReadOnlyDictionary<string, IndexedValueType> System = new Dictionary<string, IndexedValueType>
    {
        ["WorkflowId"] = IndexedValueType.Keyword,
        ["RunId"] = IndexedValueType.Keyword,
        ["WorkflowType"] = IndexedValueType.Keyword,
        ["TaskQueue"] = IndexedValueType.Keyword,
        ["ExecutionStatus"] = IndexedValueType.Keyword,
        ["StartTime"] = IndexedValueType.Datetime,
        ["CloseTime"] = IndexedValueType.Datetime,
        ["ExecutionTime"] = IndexedValueType.Datetime,
        ["ExecutionDuration"] = IndexedValueType.Int,
        ["HistoryLength"] = IndexedValueType.Int,
        ["HistorySizeBytes"] = IndexedValueType.Int,
        ["StateTransitionCount"] = IndexedValueType.Int,
        ["ParentWorkflowId"] = IndexedValueType.Keyword,
        ["ParentRunId"] = IndexedValueType.Keyword,
        ["RootWorkflowId"] = IndexedValueType.Keyword,
        ["RootRunId"] = IndexedValueType.Keyword,
        ["TemporalNamespaceDivision"] = IndexedValueType.Keyword,
    };

    /// <summary>Predefined attributes a workflow (or the schedule that starts it) may write.</summary>
    public static readonly IReadOnlyDictionary<string, IndexedValueType> Predefined = new Dictionary<string, IndexedValueType>
    {
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
        ["BinaryChecksums"] = IndexedValueType.KeywordList,
        ["BuildIds"] = IndexedValueType.KeywordList,
        ["BatcherUser"] = IndexedValueType.Keyword,
        ["TemporalScheduledStartTime"] = IndexedValueType.Datetime,
        ["TemporalScheduledById"] = IndexedValueType.Keyword,
        ["TemporalSchedulePaused"] = IndexedValueType.Bool,
        ["TemporalPauseInfo"] = IndexedValueType.KeywordList,
        ["TemporalWorkerDeployment"] = IndexedValueType.Keyword,
        ["TemporalWorkerDeploymentVersion"] = IndexedValueType.Keyword,
        ["TemporalWorkflowVersioningBehavior"] = IndexedValueType.Keyword,
        ["TemporalUsedWorkerDeploymentVersions"] = IndexedValueType.KeywordList,
    };

    /// <summary>Predefined attributes only the server writes (Temporal's predefined, not white-listed): queryable, never upserted.</summary>
    public static readonly IReadOnlySet<string> ServerWritten = new HashSet<string>
    {
        "TemporalWorkerDeployment", "TemporalWorkerDeploymentVersion", "TemporalWorkflowVersioningBehavior", "TemporalUsedWorkerDeploymentVersions",
    };

    /// <summary>What the Temporal CLI dev server registers in every namespace.</summary>
    public static readonly IReadOnlyDictionary<string, IndexedValueType> DevServerDefaults = new Dictionary<string, IndexedValueType>
    {
        ["CustomKeywordField"] = IndexedValueType.Keyword,
        ["CustomStringField"] = IndexedValueType.Text,
        ["CustomTextField"] = IndexedValueType.Text,
        ["CustomIntField"] = IndexedValueType.Int,
        ["CustomDatetimeField"] = IndexedValueType.Datetime,
        ["CustomDoubleField"] = IndexedValueType.Double,
        ["CustomBoolField"] = IndexedValueType.Bool,
    };

    private readonly Dictionary<string, Dictionary<string, IndexedValueType>> custom = [];

    public IReadOnlyDictionary<string, IndexedValueType> Custom(string ns) => CustomOf(ns);

    /// <summary>The type of a queryable attribute (system, predefined or custom), or null when unknown.</summary>
    public IndexedValueType? TypeOf(string ns, string name) =>
        System.TryGetValue(name, out var s) ? s
        : Predefined.TryGetValue(name, out var p) ? p
        : CustomOf(ns).TryGetValue(name, out var c) ? c
        : null;

    /// <summary>A deleted namespace's attributes (the same name registered again starts from the defaults).</summary>
    public void Forget(string ns) => custom.Remove(ns);

    /// <summary>Applies a stored registration (null type = removed) without checks: used on load.</summary>
    public void Apply(string ns, string name, IndexedValueType? type)
    {
        if (type is { } t)
        {
            CustomOf(ns)[name] = t;
        }
        else
        {
            CustomOf(ns).Remove(name);
        }
    }

    /// <summary>Temporal's reserved names: the system and predefined attributes, its internal fields, and every "Temporal…" name.</summary>
    public static bool IsReserved(string name) =>
        System.ContainsKey(name) || Predefined.ContainsKey(name) || name is "NamespaceId" or "Memo" or "MemoEncoding" or "VisibilityTaskKey" ||
        name.StartsWith("Temporal", StringComparison.Ordinal);

    /// <summary>Temporal's checks of the attributes an add names, before anything else: some, none reserved, each of a known type.</summary>
    public static void RequireAddable(IReadOnlyDictionary<string, IndexedValueType> requested)
    {
        if (requested.Count == 0)
        {
            throw Errors.InvalidArgument("SearchAttributes are not set on request.");
        }

        foreach (var (name, type) in requested)
        {
            if (IsReserved(name))
            {
                throw Errors.InvalidArgument($"Search attribute {name} is reserved by system.");
            }

            if (type == IndexedValueType.Unspecified || !Enum.IsDefined(type))
            {
                throw Errors.InvalidArgument($"Unknown search attribute type: {type}.");
            }
        }
    }

    /// <summary>The attributes to add (checked by <see cref="RequireAddable"/>; those already defined are skipped, as in Temporal).</summary>
    public Dictionary<string, IndexedValueType> ToAdd(string ns, IReadOnlyDictionary<string, IndexedValueType> requested) =>
        requested.Where(a => !CustomOf(ns).ContainsKey(a.Key)).ToDictionary(a => a.Key, a => a.Value);

    /// <summary>Temporal's first check of a removal: it names some attributes.</summary>
    public static void RequireRemovable(IReadOnlyCollection<string> requested)
    {
        if (requested.Count == 0)
        {
            throw Errors.InvalidArgument("SearchAttributes are not set on request.");
        }
    }

    /// <summary>The custom attributes to remove (checked by <see cref="RequireRemovable"/>; unknown ones are skipped, as in Temporal).</summary>
    public List<string> ToRemove(string ns, IEnumerable<string> requested)
    {
        var removed = new List<string>();
        foreach (var name in requested)
        {
            if (System.ContainsKey(name) || Predefined.ContainsKey(name))
            {
                throw Errors.InvalidArgument($"Unable to remove non-custom search attributes: {name}.");
            }

            if (CustomOf(ns).ContainsKey(name))
            {
                removed.Add(name);
            }
        }

        return removed;
    }

    /// <summary>
    /// Null when every attribute is registered and its value fits the type, and there are at most
    /// <paramref name="maxKeys"/> of them, else the real server's message.
    /// </summary>
    public string? Problem(string ns, SearchAttributes? attributes, int maxKeys)
    {
        // Temporal's SQL visibility (the dev server's, and PostgreSQL's) unaliases custom attributes before anything
        // else is checked (UnaliasFields): a name that is neither system nor predefined fails there when the
        // namespace has no registration for it.
        foreach (var name in attributes?.IndexedFields.Keys ?? [])
        {
            if (!System.ContainsKey(name) && !Predefined.ContainsKey(name) && !ServerWritten.Contains(name) && !CustomOf(ns).ContainsKey(name))
            {
                return $"Namespace {ns} has no mapping defined for search attribute {name}";
            }
        }

        if (attributes?.IndexedFields.Count is { } count && count > maxKeys)
        {
            return $"number of search attributes {count} exceeds limit {maxKeys}";
        }

        foreach (var (name, payload) in attributes?.IndexedFields ?? [])
        {
            if (System.ContainsKey(name) || ServerWritten.Contains(name))
            {
                return $"{name} attribute can't be set in SearchAttributes";
            }

            if (TypeOf(ns, name) is not { } type)
            {
                return $"search attribute {name} is not defined";
            }

            if (!IsUnset(payload) && !Fits(payload, type))
            {
                return $"invalid value for search attribute {name} of type {TypeName(type)}: {payload.Data.ToStringUtf8()}";
            }
        }

        // Then Temporal's size limits (frontend.searchAttributesSizeOfValueLimit and …TotalSizeLimit defaults).
        foreach (var (name, payload) in attributes?.IndexedFields ?? [])
        {
            if (payload.Data.Length > MaxValueBytes)
            {
                return $"search attribute {name} value size {payload.Data.Length} exceeds size limit {MaxValueBytes}";
            }
        }

        if (attributes is not null && attributes.CalculateSize() > MaxTotalBytes)
        {
            return $"total size of search attributes {attributes.CalculateSize()} exceeds size limit {MaxTotalBytes}";
        }

        return null;
    }

    /// <summary>
    /// A value as Temporal's server encodes it: JSON; a search attribute value (or aggregation key) also carries its
    /// type in the metadata, a payload in history (details, results) does not (<paramref name="type"/> null).
    /// </summary>
    public static Payload JsonPayload<T>(T value, string? type)
    {
        var payload = new Payload { Metadata = { ["encoding"] = ByteStrings.Utf8("json/plain") }, Data = ByteStrings.Utf8(JsonSerializer.Serialize(value)) };
        if (type is not null)
        {
            payload.Metadata["type"] = ByteStrings.Utf8(type);
        }

        return payload;
    }

    /// <summary>Null, "null", "[]" or no data: the attribute (or memo field) is being removed.</summary>
    public static bool IsUnset(Payload? payload)
    {
        if (payload is null || payload.Data.IsEmpty)
        {
            return true;
        }

        var text = payload.Data.ToStringUtf8().Trim();
        return text is "null" or "[]";
    }

    /// <summary>Merges an upsert into the current values: unset values remove their key.</summary>
    public static void Merge(Google.Protobuf.Collections.MapField<string, Payload> current, IEnumerable<KeyValuePair<string, Payload>> upserted)
    {
        foreach (var (key, value) in upserted)
        {
            if (IsUnset(value))
            {
                current.Remove(key);
            }
            else
            {
                current[key] = value;
            }
        }
    }

    public static string TypeName(IndexedValueType type) => type switch
    {
        IndexedValueType.Keyword => "Keyword",
        IndexedValueType.Text => "Text",
        IndexedValueType.Int => "Int",
        IndexedValueType.Double => "Double",
        IndexedValueType.Bool => "Bool",
        IndexedValueType.Datetime => "Datetime",
        IndexedValueType.KeywordList => "KeywordList",
        _ => type.ToString(),
    };

    private static bool Fits(Payload payload, IndexedValueType type)
    {
        try
        {
            using var json = JsonDocument.Parse(payload.Data.Memory);
            var root = json.RootElement;
            // A list of values is accepted for every type (Temporal's allow-list default); a KeywordList is a list only.
            return root.ValueKind == JsonValueKind.Array
                ? root.EnumerateArray().All(e => FitsOne(e, type))
                : type != IndexedValueType.KeywordList && FitsOne(root, type);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    internal const int MaxValueBytes = 2 * 1024;

    private const int MaxTotalBytes = 40 * 1024;

    // Go's time.Time reads JSON in RFC 3339 only (a date alone, or a space for the T, is refused).
    private static readonly Regex Rfc3339 =
        new(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);

    private static bool FitsOne(JsonElement value, IndexedValueType type) => type switch
    {
        IndexedValueType.Keyword or IndexedValueType.Text or IndexedValueType.KeywordList => value.ValueKind == JsonValueKind.String,
        IndexedValueType.Int => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        IndexedValueType.Double => value.ValueKind == JsonValueKind.Number,
        IndexedValueType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        IndexedValueType.Datetime => value.ValueKind == JsonValueKind.String && Rfc3339.IsMatch(value.GetString()!) &&
            DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _),
        _ => false,
    };

    private Dictionary<string, IndexedValueType> CustomOf(string ns)
    {
        if (!custom.TryGetValue(ns, out var map))
        {
            map = new Dictionary<string, IndexedValueType>(DevServerDefaults);
            custom[ns] = map;
        }

        return map;
    }
}
