using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Schedule.V1;
using ProtoRange = Temporalio.Api.Schedule.V1.Range;

namespace WarehouseOms.TemporalDevServer.Engine.Schedules;

/// <summary>
/// A schedule spec as Temporal stores it: cron strings and calendar strings become structured calendars
/// ("@every" becomes an interval), each field validated with Temporal's messages; then compiled to find
/// the next matching time. An action is due at its nominal time plus its jitter: a fixed fraction of the
/// spec's jitter (never past the next nominal time) derived from the nominal time and the schedule, as in
/// Temporal, so every reader of the schedule sees the same due times.
/// </summary>
internal sealed class CompiledScheduleSpec
{
    private const int MaxExclusionSkips = 100_000;
    private readonly ScheduleSpec spec;
    private readonly List<ScheduleCalendar> calendars;
    private readonly List<ScheduleCalendar> excludes;

    private CompiledScheduleSpec(ScheduleSpec spec, TimeZoneInfo zone)
    {
        this.spec = spec;
        calendars = spec.StructuredCalendar.Select(c => new ScheduleCalendar(c, zone)).ToList();
        excludes = spec.ExcludeStructuredCalendar.Select(c => new ScheduleCalendar(c, zone)).ToList();
    }

    /// <summary>Temporal's canonical form: only structured calendars and intervals. Throws FormatException naming the problem.</summary>
    public static ScheduleSpec Canonicalize(ScheduleSpec? given)
    {
        var spec = given?.Clone() ?? new ScheduleSpec();
        foreach (var calendar in spec.Calendar)
        {
            spec.StructuredCalendar.Add(CronText.ToStructured(calendar));
        }

        spec.Calendar.Clear();
        foreach (var calendar in spec.ExcludeCalendar)
        {
            spec.ExcludeStructuredCalendar.Add(CronText.ToStructured(calendar));
        }

        spec.ExcludeCalendar.Clear();
        string? cronZone = null;
        foreach (var cron in spec.CronString)
        {
            var (structured, interval, zone) = CronText.Parse(cron);
            if (cronZone is not null && zone != cronZone)
            {
                throw new FormatException("conflicting timezone names");
            }

            cronZone = zone;
            if (structured is not null)
            {
                spec.StructuredCalendar.Add(structured);
            }

            if (interval is not null)
            {
                spec.Interval.Add(interval);
            }
        }

        spec.CronString.Clear();
        if (!string.IsNullOrEmpty(cronZone))
        {
            if (!string.IsNullOrEmpty(spec.TimezoneName) && spec.TimezoneName != cronZone)
            {
                throw new FormatException("conflicting timezone names");
            }

            spec.TimezoneName = cronZone;
        }

        foreach (var calendar in spec.StructuredCalendar.Concat(spec.ExcludeStructuredCalendar))
        {
            Validate(calendar);
        }

        foreach (var interval in spec.Interval)
        {
            var every = interval.Interval?.ToTimeSpan() ?? TimeSpan.Zero;
            var phase = interval.Phase?.ToTimeSpan() ?? TimeSpan.Zero;
            if (every < TimeSpan.FromSeconds(1))
            {
                throw new FormatException("interval is too small");
            }

            if (phase < TimeSpan.Zero)
            {
                throw new FormatException("phase is negative");
            }

            if (phase >= every)
            {
                throw new FormatException("phase cannot be greater than Interval");
            }
        }

        Zone(spec.TimezoneName);
        return spec;
    }

    /// <summary>Compiles a canonical spec (see <see cref="Canonicalize"/>).</summary>
    public static CompiledScheduleSpec Compile(ScheduleSpec canonical) => new(canonical, Zone(canonical.TimezoneName));

    /// <summary>What describe and list show: ranges with End ≥ Start and Step ≥ 1, as Temporal's CleanSpec leaves them.</summary>
    public static ScheduleSpec Clean(ScheduleSpec canonical)
    {
        var spec = canonical.Clone();
        spec.TimezoneData = Google.Protobuf.ByteString.Empty;
        foreach (var calendar in spec.StructuredCalendar.Concat(spec.ExcludeStructuredCalendar))
        {
            foreach (var r in new[] { calendar.Second, calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.Year, calendar.DayOfWeek }.SelectMany(x => x))
            {
                r.End = Math.Max(r.End, r.Start);
                r.Step = r.Step == 0 ? 1 : r.Step;
            }
        }

        return spec;
    }

    /// <summary>The next nominal time strictly after <paramref name="after"/> within start/end time, skipping exclusions; null when none.</summary>
    public DateTime? Next(DateTime after)
    {
        if (spec.StartTime is { } start && start.ToDateTime() - TimeSpan.FromSeconds(1) > after)
        {
            after = start.ToDateTime() - TimeSpan.FromSeconds(1);
        }

        for (var i = 0; i < MaxExclusionSkips; i++)
        {
            var nominal = RawNext(after);
            if (nominal is not { } t || (spec.EndTime is { } end && t > end.ToDateTime()) || t.Year > ScheduleCalendar.MaxYear)
            {
                return null;
            }

            if (!excludes.Any(x => x.Matches(t)))
            {
                return t;
            }

            after = t;
        }

        return null;
    }

    /// <summary>The next action after <paramref name="after"/>: its nominal time and when it is due (with jitter); null when none.</summary>
    public (DateTime Nominal, DateTime Due)? NextAction(string jitterSeed, DateTime after)
    {
        if (Next(after) is not { } nominal)
        {
            return null;
        }

        var maxJitter = spec.Jitter?.ToTimeSpan() ?? TimeSpan.Zero;
        if (RawNext(nominal) is { } following && following - nominal < maxJitter)
        {
            maxJitter = following - nominal;
        }

        return (nominal, nominal + Jitter(jitterSeed, nominal, maxJitter));
    }

    /// <summary>Actions due in (<paramref name="after"/>, <paramref name="until"/>], at most <paramref name="limit"/>, in order.</summary>
    public IEnumerable<(DateTime Nominal, DateTime Due)> Actions(string jitterSeed, DateTime after, DateTime until, int limit)
    {
        for (var (a, n) = (NextAction(jitterSeed, after), 0); a is { } action && action.Due <= until && n < limit; a = NextAction(jitterSeed, action.Due), n++)
        {
            yield return action;
        }
    }

    // Whole milliseconds in [0, max): 32 bits of a hash of the nominal time and the seed scale the range.
    private static TimeSpan Jitter(string seed, DateTime nominal, TimeSpan max)
    {
        var ms = (ulong)Math.Clamp((long)max.TotalMilliseconds, 0, uint.MaxValue);
        if (ms == 0)
        {
            return TimeSpan.Zero;
        }

        var input = BitConverter.GetBytes(nominal.Ticks).Concat(System.Text.Encoding.UTF8.GetBytes(seed)).ToArray();
        var fingerprint = (ulong)BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(input), 0);
        return TimeSpan.FromMilliseconds((double)((fingerprint * ms) >> 32));
    }

    private DateTime? RawNext(DateTime after)
    {
        DateTime? best = null;
        foreach (var calendar in calendars)
        {
            if (calendar.Next(after) is { } t && (best is null || t < best))
            {
                best = t;
            }
        }

        var seconds = (long)Math.Floor((after - DateTime.UnixEpoch).TotalSeconds);
        foreach (var interval in spec.Interval)
        {
            var every = Math.Max((long)interval.Interval.ToTimeSpan().TotalSeconds, 1);
            var phase = Math.Max((long)(interval.Phase?.ToTimeSpan().TotalSeconds ?? 0), 0);
            var next = DateTime.UnixEpoch.AddSeconds(((((seconds - phase) / every) + 1) * every) + phase);
            if (best is null || next < best)
            {
                best = next;
            }
        }

        return best;
    }

    private static TimeZoneInfo Zone(string? name)
    {
        if (string.IsNullOrEmpty(name) || name == "UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"unknown time zone {name}");
        }
    }

    private static void Validate(StructuredCalendarSpec calendar)
    {
        var errors = new List<string>();
        void Check(IEnumerable<ProtoRange> ranges, string field, int min, int max)
        {
            foreach (var r in ranges)
            {
                if (r.Start < min || r.Start > max)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field} Start is not in range [{min}-{max}]"));
                }

                if (r.End != 0 && (r.End < r.Start || r.End > max))
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field} End is before Start or not in range [{min}-{max}]"));
                }

                if (r.Step < 0)
                {
                    errors.Add($"{field} has invalid Step");
                }
            }
        }

        Check(calendar.Second, "Second", 0, 59);
        Check(calendar.Minute, "Minute", 0, 59);
        Check(calendar.Hour, "Hour", 0, 23);
        Check(calendar.DayOfMonth, "DayOfMonth", 1, 31);
        Check(calendar.Month, "Month", 1, 12);
        Check(calendar.Year, "Year", ScheduleCalendar.MinYear, ScheduleCalendar.MaxYear);
        Check(calendar.DayOfWeek, "DayOfWeek", 0, 6);
        if (calendar.Comment.Length > 200)
        {
            errors.Add("comment is too long");
        }

        if (errors.Count > 0)
        {
            throw new FormatException("invalid calendar spec: " + string.Join(", ", errors));
        }
    }
}

/// <summary>Cron strings and calendar strings in Temporal's syntax (5–7 fields, names, ranges, steps, @every, @daily...).</summary>
internal static class CronText
{
    private static readonly string[] MonthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    private static readonly string[] DayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private enum Mode
    {
        Int,
        Year,
        Month,
        DayOfWeek,
    }

    public static (StructuredCalendarSpec? Calendar, IntervalSpec? Interval, string Zone) Parse(string cron)
    {
        var text = cron.Trim();
        var zone = string.Empty;
        if (text.StartsWith("TZ=", StringComparison.Ordinal) || text.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                throw new FormatException("CronString has time zone but missing fields");
            }

            zone = text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            text = text[(space + 1)..];
        }

        var comment = string.Empty;
        if (text.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0)
        {
            comment = text[(hash + 1)..].Trim();
            text = text[..hash];
        }

        text = text.Trim();
        if (text.StartsWith("@every", StringComparison.Ordinal))
        {
            return (null, Every(text), string.Empty);
        }

        text = text switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };
        var f = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var calendar = f.Length switch
        {
            5 => new CalendarSpec { Minute = f[0], Hour = f[1], DayOfMonth = f[2], Month = f[3], DayOfWeek = f[4] },
            6 => new CalendarSpec { Minute = f[0], Hour = f[1], DayOfMonth = f[2], Month = f[3], DayOfWeek = f[4], Year = f[5] },
            7 => new CalendarSpec { Second = f[0], Minute = f[1], Hour = f[2], DayOfMonth = f[3], Month = f[4], DayOfWeek = f[5], Year = f[6] },
            _ => throw new FormatException("CronString does not have 5-7 fields"),
        };
        calendar.Comment = comment;
        return (ToStructured(calendar), null, zone);
    }

    public static StructuredCalendarSpec ToStructured(CalendarSpec calendar)
    {
        var errors = new List<string>();
        IEnumerable<ProtoRange> Ranges(string text, string field, string fallback, int min, int max, Mode mode)
        {
            try
            {
                return Range(text, field, fallback, min, max, mode);
            }
            catch (FormatException ex)
            {
                errors.Add(ex.Message);
                return [];
            }
        }

        var structured = new StructuredCalendarSpec
        {
            Second = { Ranges(calendar.Second, "Second", "0", 0, 59, Mode.Int) },
            Minute = { Ranges(calendar.Minute, "Minute", "0", 0, 59, Mode.Int) },
            Hour = { Ranges(calendar.Hour, "Hour", "0", 0, 23, Mode.Int) },
            DayOfWeek = { Ranges(calendar.DayOfWeek, "DayOfWeek", "*", 0, 7, Mode.DayOfWeek) },
            DayOfMonth = { Ranges(calendar.DayOfMonth, "DayOfMonth", "*", 1, 31, Mode.Int) },
            Month = { Ranges(calendar.Month, "Month", "*", 1, 12, Mode.Month) },
            Year = { Ranges(calendar.Year, "Year", "*", ScheduleCalendar.MinYear, ScheduleCalendar.MaxYear, Mode.Year) },
            Comment = calendar.Comment,
        };
        return errors.Count == 0 ? structured : throw new FormatException(string.Join(", ", errors));
    }

    private static IntervalSpec Every(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            throw new FormatException("CronString does not have interval after @every");
        }

        var parts = text[(space + 1)..].Trim().Split('/', 2);
        var interval = new IntervalSpec { Interval = Duration.FromTimeSpan(GoDuration(parts[0])) };
        if (parts.Length == 2)
        {
            interval.Phase = Duration.FromTimeSpan(GoDuration(parts[1]));
        }

        return interval;
    }

    // Go duration syntax with Temporal's "d" for days: 1h30m, 90s, 2d.
    private static TimeSpan GoDuration(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            if (start == unitStart || !double.TryParse(text[start..unitStart], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"invalid duration {text}");
            }

            total += text[unitStart..i] switch
            {
                "d" => TimeSpan.FromDays(value),
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => throw new FormatException($"invalid duration {text}"),
            };
        }

        return text.Length == 0 ? throw new FormatException("invalid duration") : total;
    }

    private static List<ProtoRange> Range(string text, string field, string fallback, int min, int max, Mode mode)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            text = fallback;
        }

        var ranges = new List<ProtoRange>();
        if (text == "*" && mode == Mode.Year)
        {
            return ranges; // every year: an empty list
        }

        foreach (var item in text.Split(','))
        {
            var part = item;
            var step = 1;
            var hasStep = false;
            var slashes = part.Count(c => c == '/');
            if (slashes > 1)
            {
                throw new FormatException($"{field} has too many slashes");
            }

            if (slashes == 1)
            {
                var pieces = part.Split('/', 2);
                if (pieces[1].Length == 0)
                {
                    throw new FormatException($"{field} missing step value");
                }

                if (!int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                {
                    throw new FormatException($"{field} has invalid Step");
                }

                part = pieces[0];
                hasStep = true;
            }

            var (start, end) = (min, max);
            if (part != "*")
            {
                if (part.Contains('-', StringComparison.Ordinal))
                {
                    var bounds = part.Split('-');
                    if (bounds.Length != 2)
                    {
                        throw new FormatException($"{field} has too many dashes");
                    }

                    start = Value(bounds[0], min, max, mode) ?? throw new FormatException(Inv($"{field} Start is not in range [{min}-{max}]"));
                    end = Value(bounds[1], start, max, mode) ?? throw new FormatException(Inv($"{field} End is before Start or not in range [{min}-{max}]"));
                }
                else
                {
                    start = Value(part, min, max, mode) ?? throw new FormatException(Inv($"{field} is not in range [{min}-{max}]"));
                    end = hasStep ? end : start;
                }
            }

            if (mode == Mode.DayOfWeek && end == 7)
            {
                // 7 is Sunday too: fold it onto 0.
                if ((7 - start) % step == 0 && (step > 1 || start > 1))
                {
                    ranges.Add(new ProtoRange { Start = 0 });
                    if (start == 7)
                    {
                        continue;
                    }
                }

                end = 6;
            }

            ranges.Add(new ProtoRange { Start = start, End = start == end ? 0 : end, Step = step == 1 ? 0 : step });
        }

        return ranges;
    }

    private static int? Value(string text, int min, int max, Mode mode)
    {
        var names = mode switch { Mode.Month => MonthNames, Mode.DayOfWeek => DayNames, _ => null };
        var shortest = mode == Mode.Month ? 3 : 2;
        if (names is not null && text.Length >= shortest)
        {
            var lower = text.ToLowerInvariant();
            for (var i = 0; i < names.Length; i++)
            {
                if (names[i].StartsWith(lower, StringComparison.Ordinal))
                {
                    var v = mode == Mode.Month ? i + 1 : i;
                    return v >= min && v <= max ? v : null;
                }
            }
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
