using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace WarehouseOms.Host.Console;

/// <summary>
/// Server-rendered HTML without a build step: every value from data goes through <see cref="E"/> (HTML
/// encoding) or <see cref="Url"/> (a path segment). No script, and the pages say so in their CSP.
/// </summary>
internal static class Html
{
    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:0;color:#222}
        nav{background:#1f3a5f;padding:.6em 1em}nav a{color:#fff;margin-right:1.2em;text-decoration:none;font-weight:600}
        nav .who{float:right;color:#cfe0f5;font-weight:400}
        main{padding:1em 1.5em}table{border-collapse:collapse;width:100%;margin:.5em 0 1.2em}
        th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.92em}
        th{background:#f3f5f8}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all;max-height:20em;overflow:auto;margin:0}
        .failure{color:#a40000}.muted{color:#777}.notice{background:#eef7ee;border:1px solid #9c9;padding:.5em;margin:.5em 0}
        .problem{background:#fbeeee;border:1px solid #d99;padding:.5em;margin:.5em 0}
        .src-Inbound{background:#eef4ff}.src-Outbound{background:#fff6e6}.src-State{background:#eefaf0}
        form.inline{display:inline}label{margin-right:1em}code{font-size:.95em}
        """;

    public static string E(object? value) => HtmlEncoder.Default.Encode(value switch
    {
        null => string.Empty,
        DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    });

    /// <summary>A value as one path segment of a link, HTML-encoded for the attribute.</summary>
    public static string Url(string segment) => E(Uri.EscapeDataString(segment));

    public static string Age(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } t)
        {
            return "?";
        }

        var age = now - t;
        return age.TotalMinutes < 1 ? $"{Math.Max(0, (int)age.TotalSeconds)} s"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours} h"
            : $"{(int)age.TotalDays} d";
    }

    /// <summary>The hidden antiforgery field every POST form carries.</summary>
    public static string Token(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    public static IResult Page(HttpContext context, string title, string body, int statusCode = StatusCodes.Status200OK)
    {
        var level = context.RequestServices.GetRequiredService<ConsoleAccess>().LevelOf(context);
        var who = level switch
        {
            AccessLevel.Operate => "operator",
            AccessLevel.Read => "read-only",
            _ => "not signed in",
        };
        var page = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append(" · WarehouseOms</title>")
            .Append("<style>").Append(Style).Append("</style></head><body><nav>")
            .Append("<a href=\"/\">Orders</a><a href=\"/console/workflows\">Workflows</a><a href=\"/console/errors\">Error queues</a>")
            .Append("<a href=\"/console/outbox\">Outbox</a><a href=\"/scalar\">API</a>")
            .Append("<span class=\"who\">").Append(E(who)).Append(" · <a href=\"/console/login\">sign in</a></span></nav><main>")
            .Append("<h1>").Append(E(title)).Append("</h1>").Append(body).Append("</main></body></html>");
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Content(page.ToString(), "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    public static IResult Problem(HttpContext context, string title, string detail, int statusCode) =>
        Page(context, title, $"<div class=\"problem\">{E(detail)}</div>", statusCode);

    public static string Options(IEnumerable<string> values, string? selected, string anyLabel) =>
        $"<option value=\"\">{E(anyLabel)}</option>" + string.Concat(values.Select(v =>
            $"<option{(string.Equals(v, selected, StringComparison.OrdinalIgnoreCase) ? " selected" : string.Empty)}>{E(v)}</option>"));
}
