using Temporalio.Api.Schedule.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Schedules;

/// <summary>
/// One structured calendar compiled to per-field matchers, as Temporal evaluates it: every field must
/// match (day of month AND day of week, unlike classic cron), an empty list matches nothing except for
/// the year (empty: every year), and times are searched up to the year 2100 in the spec's time zone.
/// </summary>
internal sealed class ScheduleCalendar
{
    public const int MinYear = 2000;
    public const int MaxYear = 2100;

    private readonly TimeZoneInfo zone;
    private readonly ulong seconds;
    private readonly ulong minutes;
    private readonly ulong hours;
    private readonly ulong daysOfMonth;
    private readonly ulong months;
    private readonly ulong daysOfWeek;
    private readonly HashSet<int>? years;

    public ScheduleCalendar(StructuredCalendarSpec spec, TimeZoneInfo zone)
    {
        this.zone = zone;
        seconds = Bits(spec.Second);
        minutes = Bits(spec.Minute);
        hours = Bits(spec.Hour);
        daysOfMonth = Bits(spec.DayOfMonth);
        months = Bits(spec.Month);
        daysOfWeek = Bits(spec.DayOfWeek);
        years = spec.Year.Count == 0 ? null : [.. Values(spec.Year)];
    }

    public bool Matches(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return DayMatches(local.Date) && Has(hours, local.Hour) && Has(minutes, local.Minute) && Has(seconds, local.Second);
    }

    /// <summary>The first matching whole second strictly after <paramref name="afterUtc"/>, or null.</summary>
    public DateTime? Next(DateTime afterUtc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(afterUtc, zone);
        var day = local.Date;
        var fromSecond = (int)Math.Floor((local - day).TotalSeconds) + 1;
        while (day.Year <= MaxYear)
        {
            if (years is not null && !years.Contains(day.Year))
            {
                (day, fromSecond) = (new DateTime(day.Year + 1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), 0);
                continue;
            }

            if (!Has(months, day.Month))
            {
                (day, fromSecond) = (new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1), 0);
                continue;
            }

            if (DayMatches(day) && FirstInDay(day, fromSecond, afterUtc) is { } found)
            {
                return found;
            }

            (day, fromSecond) = (day.AddDays(1), 0);
        }

        return null;
    }

    private bool DayMatches(DateTime day) =>
        (years is null || years.Contains(day.Year)) && Has(months, day.Month) && Has(daysOfMonth, day.Day) && Has(daysOfWeek, (int)day.DayOfWeek);

    private DateTime? FirstInDay(DateTime day, int fromSecond, DateTime afterUtc)
    {
        for (var h = fromSecond / 3600; h < 24; h++)
        {
            if (!Has(hours, h))
            {
                continue;
            }

            for (var m = h * 3600 >= fromSecond ? 0 : fromSecond % 3600 / 60; m < 60; m++)
            {
                if (!Has(minutes, m))
                {
                    continue;
                }

                var minuteStart = (h * 3600) + (m * 60);
                for (var s = minuteStart >= fromSecond ? 0 : fromSecond - minuteStart; s < 60; s++)
                {
                    if (!Has(seconds, s))
                    {
                        continue;
                    }

                    // A local time skipped by a daylight-saving jump does not exist; an ambiguous one is taken as standard time.
                    var candidate = day.AddSeconds(minuteStart + s);
                    if (zone.IsInvalidTime(candidate))
                    {
                        continue;
                    }

                    var utc = TimeZoneInfo.ConvertTimeToUtc(candidate, zone);
                    if (utc > afterUtc)
                    {
                        return utc;
                    }
                }
            }
        }

        return null;
    }

    private static bool Has(ulong bits, int value) => value is >= 0 and < 64 && (bits & (1UL << value)) != 0;

    private static ulong Bits(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges)
    {
        var bits = 0UL;
        foreach (var v in Values(ranges))
        {
            if (v is >= 0 and < 64)
            {
                bits |= 1UL << v;
            }
        }

        return bits;
    }

    private static IEnumerable<int> Values(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges)
    {
        foreach (var r in ranges)
        {
            var step = r.Step <= 0 ? 1 : r.Step;
            var end = r.End < r.Start ? r.Start : r.End;
            for (var v = r.Start; v <= end; v += step)
            {
                yield return v;
            }
        }
    }
}
