namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// What every match of a query has that an index can narrow by, from its top-level AND: equalities on
/// <see cref="VisibilityQuery.IndexedFields"/>, a start-time range, a close-time range (a match is closed) and a
/// workflow ID prefix. The bounds are a superset (inclusive, whatever the operator): the query's own filter still
/// decides each run.
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

    public static Narrowing Equal(string field, string value) => new(new Dictionary<string, string> { [field] = value });

    public static Narrowing StartedBetween(DateTime? from, DateTime? to) => None with { StartedFrom = from, StartedTo = to };

    public static Narrowing Prefix(string prefix) => None with { WorkflowIdPrefix = prefix };

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
    /// ranges intersected, the longer prefix (two that disagree match nothing; either narrows correctly).
    /// </summary>
    public Narrowing And(Narrowing other)
    {
        var equalities = new Dictionary<string, string>(Equalities);
        foreach (var (field, value) in other.Equalities)
        {
            equalities.TryAdd(field, value);
        }

        return new Narrowing(
            equalities,
            Later(StartedFrom, other.StartedFrom),
            Earlier(StartedTo, other.StartedTo),
            (other.WorkflowIdPrefix?.Length ?? 0) > (WorkflowIdPrefix?.Length ?? 0) ? other.WorkflowIdPrefix : WorkflowIdPrefix,
            Later(ClosedFrom, other.ClosedFrom),
            Earlier(ClosedTo, other.ClosedTo));
    }

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTime? Earlier(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
