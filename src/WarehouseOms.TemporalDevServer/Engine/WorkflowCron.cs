using WarehouseOms.TemporalDevServer.Engine.Schedules;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// A workflow's <c>cron_schedule</c> as Temporal reads it (the standard five-field cron, the @hourly-style
/// descriptors, <c>@every</c>, an optional <c>CRON_TZ=</c>/<c>TZ=</c> zone) and the backoff to the next
/// run that Temporal computes from it: the first schedule time after now, counted from the run's
/// execution time, rounded up to whole seconds.
/// </summary>
internal sealed class WorkflowCron
{
    private readonly ScheduleCalendar? calendar;
    private readonly TimeSpan every;

    private WorkflowCron(ScheduleCalendar? calendar, TimeSpan every)
    {
        this.calendar = calendar;
        this.every = every;
    }

    /// <summary>The schedule, or null with Temporal's reason when the text is not a cron it accepts.</summary>
    public static WorkflowCron? TryParse(string text, out string problem)
    {
        problem = "invalid CronSchedule.";
        try
        {
            var body = text.Trim();
            if (body.StartsWith("TZ=", StringComparison.Ordinal) || body.StartsWith("CRON_TZ=", StringComparison.Ordinal))
            {
                body = body[(body.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim();
            }

            // Temporal parses with the standard parser: five fields (no seconds, no years) or a descriptor.
            if (!body.StartsWith('@') && body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length != 5)
            {
                return null;
            }

            var (structured, interval, zone) = CronText.Parse(text);
            var cron = structured is not null
                ? new WorkflowCron(new ScheduleCalendar(structured, Zone(zone)), TimeSpan.Zero)
                : new WorkflowCron(null, TimeSpan.FromTicks(Math.Max(interval!.Interval.ToTimeSpan().Ticks, TimeSpan.TicksPerSecond)));
            if (cron.Next(DateTime.UtcNow) is null)
            {
                problem = "invalid CronSchedule, no time can be found to satisfy the schedule";
                return null;
            }

            return cron;
        }
        catch (Exception ex) when (ex is FormatException or TimeZoneNotFoundException or InvalidTimeZoneException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Temporal's backoff for the next run: from <paramref name="scheduledUtc"/> (the execution time of the
    /// run closing) to the first schedule time not before <paramref name="nowUtc"/>; null when none exists.
    /// </summary>
    public TimeSpan? Backoff(DateTime scheduledUtc, DateTime nowUtc)
    {
        DateTime? next = nowUtc < scheduledUtc ? scheduledUtc : Next(scheduledUtc);
        while (next is { } n && n < nowUtc)
        {
            next = Next(n);
        }

        return next is { } due ? TimeSpan.FromSeconds(Math.Ceiling((due - nowUtc).TotalSeconds)) : null;
    }

    /// <summary>The first schedule time strictly after <paramref name="afterUtc"/> (@every: that much later, to the second).</summary>
    private DateTime? Next(DateTime afterUtc) =>
        calendar is not null
            ? calendar.Next(afterUtc)
            : new DateTime(afterUtc.Ticks - (afterUtc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc) + every;

    private static TimeZoneInfo Zone(string name) =>
        string.IsNullOrEmpty(name) || name == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(name);
}
