using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace WarehouseOms.Host.Console;

public enum AccessLevel
{
    None,
    Read,
    Operate,
}

/// <summary>
/// Who the caller is: a key in <c>X-Api-Key</c> or <c>Authorization: Bearer</c> (scripts, the JSON API), or
/// the console's session cookie (a browser after the login page). The cookie holds an HMAC of the key, not
/// the key, and is HttpOnly and SameSite=Strict; a POST that relies on it must also carry an antiforgery
/// token. A key in a header needs neither: a cross-site page cannot set one.
/// </summary>
public sealed class ConsoleAccess(IOptionsMonitor<ConsoleOptions> options, IAntiforgery antiforgery)
{
    public const string CookieName = "oms-console";
    public const string KeyHeader = "X-Api-Key";

    public ConsoleOptions Options => options.CurrentValue;

    public AccessLevel LevelOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = options.CurrentValue;
        var presented = HeaderKey(context);
        if (presented is not null)
        {
            return LevelOfKey(presented, o);
        }

        if (context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            if (o.OperatorKey.Length > 0 && FixedEquals(cookie, SessionValue(o.OperatorKey)))
            {
                return AccessLevel.Operate;
            }

            if (o.ReadKey.Length > 0 && FixedEquals(cookie, SessionValue(o.ReadKey)))
            {
                return AccessLevel.Read;
            }
        }

        return o.ReadsAreOpen ? AccessLevel.Read : AccessLevel.None;
    }

    public bool CanRead(HttpContext context) => LevelOf(context) >= AccessLevel.Read;

    /// <summary>Operator level, and for a cookie session a valid antiforgery token (CSRF).</summary>
    public async Task<string?> RefuseActionAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (options.CurrentValue.OperatorKey.Length == 0)
        {
            return "no operator key is configured (Console:OperatorKey): actions are disabled";
        }

        if (LevelOf(context) != AccessLevel.Operate)
        {
            return "this needs the operator key";
        }

        if (HeaderKey(context) is null && !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return "the form's antiforgery token is missing or invalid: reload the page and try again";
        }

        return null;
    }

    /// <summary>Checks a key typed into the login form; the cookie value to set, or null.</summary>
    public string? SessionFor(string key)
    {
        var level = LevelOfKey(key, options.CurrentValue);
        return level == AccessLevel.None ? null : SessionValue(key);
    }

    private static AccessLevel LevelOfKey(string presented, ConsoleOptions o) =>
        o.OperatorKey.Length > 0 && FixedEquals(presented, o.OperatorKey) ? AccessLevel.Operate
        : o.ReadKey.Length > 0 && FixedEquals(presented, o.ReadKey) ? AccessLevel.Read
        : AccessLevel.None;

    private static string? HeaderKey(HttpContext context)
    {
        if (context.Request.Headers.TryGetValue(KeyHeader, out var key) && key.Count > 0 && !string.IsNullOrEmpty(key[0]))
        {
            return key[0];
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    private static string SessionValue(string key) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), "warehouse-oms-console-session"u8));

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}

/// <summary>Endpoint filter: reads that show customer data need read access once a key is configured.</summary>
internal sealed class RequireReadAccess : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var access = context.HttpContext.RequestServices.GetRequiredService<ConsoleAccess>();
        if (access.CanRead(context.HttpContext))
        {
            return await next(context).ConfigureAwait(false);
        }

        var wantsHtml = context.HttpContext.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        return wantsHtml
            ? Results.Redirect("/console/login?returnUrl=" + Uri.EscapeDataString(context.HttpContext.Request.Path + context.HttpContext.Request.QueryString))
            : Results.Problem(
                detail: $"send the read or operator key in {ConsoleAccess.KeyHeader} or Authorization: Bearer",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "a key is required");
    }
}
