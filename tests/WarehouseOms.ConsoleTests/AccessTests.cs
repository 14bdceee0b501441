using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WarehouseOms.Contracts;

namespace WarehouseOms.ConsoleTests;

/// <summary>Who may read and act, over plain HTTP; and the API's documents and error shape.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AccessTests(ConsoleFixture console)
{
    private HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = console.BaseAddress };

    [Fact]
    public async Task OrderReads_WithoutAKey_AreRefusedAsProblemDetails()
    {
        using var http = Anonymous();
        using var response = await http.GetAsync(new Uri("/orders/some-order/history", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ConsolePage_WithoutAKey_RedirectsToSignIn()
    {
        using var http = Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/console/login", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WithoutTheOperatorKey_IsRefused_AndTheQueueIsUntouched()
    {
        using var http = Anonymous();
        using var response = await http.PostAsJsonAsync($"/errors/{Queues.ErrorQueueFor(Exchanges.PickCompleted)}/replay", new { key = (string?)null });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ConsoleAction_WithTheSessionCookieButNoAntiforgeryToken_IsRefused()
    {
        // Sign in properly (the login form carries its token), then post an action as a foreign page would: no token.
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = console.BaseAddress };
        var form = await http.GetStringAsync(new Uri("/console/login", UriKind.Relative));
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var login = await http.PostAsync(new Uri("/console/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["key"] = ConsoleFixture.OperatorKey,
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        using var forged = await http.PostAsync(new Uri("/console/outbox/retry", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>()));
        using var genuine = await http.PostAsync(new Uri("/console/outbox/retry", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
    }

    [Fact]
    public async Task UnknownOrder_IsA404ProblemDetails()
    {
        using var response = await console.Api.GetAsync(new Uri("/orders/no-such-order", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task OpenApiDocument_AndReferencePage_AreServedWithoutACdn()
    {
        using var http = Anonymous();
        var document = await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var page = await http.GetStringAsync(new Uri("/scalar/", UriKind.Relative));
        var script = await http.GetAsync(new Uri("/scalar/scalar.js", UriKind.Relative));

        Assert.Contains("/orders/{orderId}", document, StringComparison.Ordinal);
        Assert.Contains("/errors/{queue}/replay", document, StringComparison.Ordinal);
        Assert.DoesNotMatch("src=\"(https?:)?//", page);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task Reconciliation_NeedsAKey_AndListsTheSettings()
    {
        using var http = Anonymous();
        using var refused = await http.GetAsync(new Uri("/reconciliation", UriKind.Relative));
        var view = await console.Api.GetFromJsonAsync<JsonElement>(new Uri("/reconciliation", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True(view.GetProperty("enabled").GetBoolean());
        Assert.Equal("00:05:00", view.GetProperty("interval").GetString());
    }

    [Fact]
    public async Task HealthEndpoints_StayOpen()
    {
        using var http = Anonymous();
        using var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
