namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// What every match of a query has that an index can narrow by, from its top-level AND: equalities on
/// <see cref="VisibilityQuery.IndexedFields"/>, a start-time range, a close-time range (a match is closed) and a
/// workflow ID prefix. The bounds are a superset (inclusive, whatever the operator): the query's own filter still
/// decides each run. <see cref="Exact"/> when the query is nothing but these conditions and each is exact (equalities
/// and the prefix; not the widened time bounds): every run the narrowing allows matches, so a count needs no filter.
/// </summary>
internal sealed record Narrowing(
    IReadOnlyDictionary<string, string> Equalities,
    DateTime? StartedFrom = null,
    DateTime? StartedTo = null,
    string? WorkflowIdPrefix = null,
    DateTime? ClosedFrom = null,
    DateTime? ClosedTo = null)
{
    public static readonly Narrowing None = new(new Dictionary<string, string>());

    /// <summary>A query without conditions: every run matches.</summary>
    public static readonly Narrowing All = None with { Exact = true };

    /// <summary>Every run the narrowing allows matches the query (see the type's summary).</summary>
    public bool Exact { get; init; }

    public static Narrowing Equal(string field, string value) => new(new Dictionary<string, string> { [field] = value }) { Exact = true };

    public static Narrowing StartedBetween(DateTime? from, DateTime? to) => None with { StartedFrom = from, StartedTo = to };

    public static Narrowing Prefix(string prefix) => None with { WorkflowIdPrefix = prefix, Exact = true };

    public static Narrowing ClosedBetween(DateTime? from, DateTime? to) => None with { ClosedFrom = from, ClosedTo = to };

    /// <summary>A comparison of a time field with a literal, as a range on it (null: not one a range can express).</summary>
    public static (DateTime? From, DateTime? To)? RangeOf(string op, DateTime time) => op switch
    {
        "=" => (time, time),
        "<" or "<=" => (null, time),
        ">" or ">=" => (time, null),
        _ => null,
    };

    /// <summary>
    /// Both hold: the equalities joined (a field's first value kept: a run cannot have two, the filter refuses it), the
    /// ranges intersected, the longer prefix (two that disagree match nothing; either narrows correctly). Exact only
    /// when both are and neither a field nor the prefix is given twice.
    /// </summary>
    public Narrowing And(Narrowing other)
    {
        var equalities = new Dictionary<string, string>(Equalities);
        var exact = Exact && other.Exact && (WorkflowIdPrefix is null || other.WorkflowIdPrefix is null);
        foreach (var (field, value) in other.Equalities)
        {
            exact &= equalities.TryAdd(field, value);
        }

        return new Narrowing(
            equalities,
            Later(StartedFrom, other.StartedFrom),
            Earlier(StartedTo, other.StartedTo),
            (other.WorkflowIdPrefix?.Length ?? 0) > (WorkflowIdPrefix?.Length ?? 0) ? other.WorkflowIdPrefix : WorkflowIdPrefix,
            Later(ClosedFrom, other.ClosedFrom),
            Earlier(ClosedTo, other.ClosedTo))
        {
            Exact = exact,
        };
    }

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTime? Earlier(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
