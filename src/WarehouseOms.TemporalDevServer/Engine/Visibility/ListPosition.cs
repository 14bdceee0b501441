using System.Globalization;

namespace WarehouseOms.TemporalDevServer.Engine.Visibility;

/// <summary>
/// A run's place in Temporal's default list order (its SQL visibility orders by
/// <c>coalesce(close_time, max) DESC, start_time DESC</c>): running runs first, then closed runs by close time,
/// newest first; within either, newest start first. The ordinal breaks ties. Earlier in the list compares lower.
/// </summary>
internal readonly record struct ListPosition(DateTime CloseTime, DateTime StartTime, long Ordinal) : IComparable<ListPosition>
{
    /// <summary>Where the run stands now (a running run has no close time and stands first).</summary>
    public static ListPosition Of(Execution run) => new(run.CloseTime ?? DateTime.MaxValue, run.StartTime, run.Ordinal);

    /// <summary>Where the run stood while it was running.</summary>
    public static ListPosition WhileRunning(Execution run) => new(DateTime.MaxValue, run.StartTime, run.Ordinal);

    public bool IsRunning => CloseTime == DateTime.MaxValue;

    public int CompareTo(ListPosition other)
    {
        var byClose = other.CloseTime.CompareTo(CloseTime);
        if (byClose != 0)
        {
            return byClose;
        }

        var byStart = other.StartTime.CompareTo(StartTime);
        return byStart != 0 ? byStart : other.Ordinal.CompareTo(Ordinal);
    }

    public string ToToken() => string.Create(CultureInfo.InvariantCulture, $"v:{CloseTime.Ticks}:{StartTime.Ticks}:{Ordinal}");

    /// <summary>The position a <see cref="ToToken"/> wrote (the parts after its "v" tag).</summary>
    public static ListPosition FromToken(string closeTicks, string startTicks, string ordinal) => new(
        new DateTime(long.Parse(closeTicks, CultureInfo.InvariantCulture), DateTimeKind.Utc),
        new DateTime(long.Parse(startTicks, CultureInfo.InvariantCulture), DateTimeKind.Utc),
        long.Parse(ordinal, CultureInfo.InvariantCulture));
}
