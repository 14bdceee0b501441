using System.Globalization;
using System.Text.RegularExpressions;

namespace WarehouseOms.TemporalDevServer;

/// <summary>Durations as the Temporal CLI writes them (<c>24h</c>, <c>1h30m</c>, <c>2s</c>, <c>500ms</c>, <c>3d</c>) or as .NET does (<c>1.00:00:00</c>).</summary>
internal static partial class Durations
{
    public static TimeSpan? Parse(string text)
    {
        var parts = GoDuration().Match(text.Trim());
        if (parts.Success)
        {
            var total = TimeSpan.Zero;
            foreach (Capture part in parts.Groups["part"].Captures)
            {
                var unit = part.Value.TrimStart("0123456789.".ToCharArray());
                var amount = double.Parse(part.Value[..^unit.Length], CultureInfo.InvariantCulture);
                total += unit switch
                {
                    "d" => TimeSpan.FromDays(amount),
                    "h" => TimeSpan.FromHours(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    _ => TimeSpan.FromMilliseconds(amount),
                };
            }

            return total;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|d|h|m|s))+$")]
    private static partial Regex GoDuration();
}
