using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Console;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.WebConsole;

/// <summary>
/// Signing in to the console of a real gateway (Kestrel on port 0, real Redis): which keys it takes,
/// the cookie it sets, what needs the cookie, antiforgery on every POST, sessions ending with their key.
/// </summary>
public sealed class ConsoleSignInFunctionalTests(ConsoleFixture stack) : FunctionalTest(stack.Logs), IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task SignIn_ConsoleAndAdminKeys_AcceptedWithAStrictHttpOnlyCookie()
    {
        foreach (var (record, secret) in new[] { stack.ConsoleKey, stack.AdminKey })
        {
            using var browser = new ConsoleClient(stack.ConsoleAddress);

            using var response = await browser.SignInAsync(secret);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/console/models", response.Headers.Location?.OriginalString);
            var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("mlops-console=", StringComparison.Ordinal));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, cookie, StringComparison.Ordinal);
            var me = await browser.GetJsonAsync("/console/api/me");
            Assert.Equal((record.Id, record.Name), (me.GetProperty("id").GetString(), me.GetProperty("name").GetString()));
        }
        // The secrets were typed into the form: never logged.
        Assert.DoesNotContain(stack.Logs.Entries, e => e.Message.Contains(stack.ConsoleKey.Secret, StringComparison.Ordinal)
            || e.Message.Contains(stack.AdminKey.Secret, StringComparison.Ordinal));
        Assert.Contains(stack.Logs.Entries, e => e.Event.Name == "ConsoleSignedIn" && e.Message.Contains(stack.AdminKey.Record.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignIn_InferOnlyOrUnknownKey_RefusedWithAMessageAndNoCookie()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);

        using var inferOnly = await browser.SignInAsync(stack.InferKey.Secret);
        var inferPage = await inferOnly.Content.ReadAsStringAsync();
        using var unknown = await browser.SignInAsync("mlk_" + new string('x', 40));
        var unknownPage = await unknown.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, inferOnly.StatusCode);
        Assert.Contains(ConsoleSignIn.LacksScope, WebUtility.HtmlDecode(inferPage), StringComparison.Ordinal);
        Assert.DoesNotContain(stack.InferKey.Record.Id, inferPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains(ConsoleSignIn.UnknownKey, WebUtility.HtmlDecode(unknownPage), StringComparison.Ordinal);
        Assert.DoesNotContain(browser.Cookies.GetCookies(new Uri(stack.ConsoleAddress)), c => c.Name == "mlops-console");
        using var api = await new ConsoleClient(stack.ConsoleAddress).GetAsync("/console/api/models");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Theory]
    [InlineData("/console/models")]
    [InlineData("/console/models/propensity")]
    public async Task Page_NoCookie_RedirectedToSignInAndBackAfter(string page)
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);

        using var refused = await browser.GetAsync(page);
        using var signedIn = await browser.SignInAsync(stack.ConsoleKey.Secret, returnUrl: page);
        using var shown = await browser.GetAsync(page);

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal($"/console/signin?returnUrl={Uri.EscapeDataString(page)}", refused.Headers.Location?.OriginalString);
        Assert.Equal(page, signedIn.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("data-page=\"models\"", await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/console/api/models")]
    [InlineData("/console/api/models/propensity")]
    [InlineData("/console/api/me")]
    public async Task Api_NoCookie_401WithWhatToDo(string api)
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);

        using var response = await browser.GetAsync(api);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ConsoleAccess.SignInFirst, (await ConsoleClient.JsonOf(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task SignIn_ToAnotherSite_GoesToTheModelsPageInstead()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);

        using var response = await browser.SignInAsync(stack.ConsoleKey.Secret, returnUrl: "//evil.example/console/x");

        Assert.Equal("/console/models", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_Refused()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        using var noTokenSignIn = await browser.SignInAsync(stack.ConsoleKey.Secret, withToken: false);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);

        using var noTokenSignOut = await browser.PostJsonAsync("/console/signout", new { }, withToken: false);
        var stillIn = await browser.GetJsonAsync("/console/api/me");
        using var signOut = await browser.PostJsonAsync("/console/signout", new { });
        using var after = await browser.GetAsync("/console/api/me");

        Assert.Equal(HttpStatusCode.BadRequest, noTokenSignIn.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noTokenSignOut.StatusCode);
        Assert.Equal(ConsoleAccess.BadAntiforgery, (await ConsoleClient.JsonOf(noTokenSignOut)).GetProperty("error").GetString());
        Assert.Equal(stack.ConsoleKey.Record.Id, stillIn.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Session_KeyRevoked_EndsAtTheNextRequestAndItsSecretIsForgotten()
    {
        var (record, secret) = await stack.KeyStore.CreateAsync("console-short-lived", [], scopes: [KeyScopes.Console]);
        await stack.WaitForKeyAsync(secret);
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(secret);
        var sessions = stack.Gateway.Services.GetRequiredService<ConsoleSessions>();
        var held = sessions.Count;

        await stack.KeyStore.RevokeAsync(record.Id);
        await stack.WaitForKeyAsync(secret, present: false);
        using var after = await browser.GetAsync("/console/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(held - 1, sessions.Count);
    }

    [Fact]
    public async Task Console_OnTheGrpcListener_NotFound()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.GatewayAddress + "/console/signin")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Assets_EmbeddedAndServedWithoutSignIn()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);

        using var uplot = await browser.GetAsync("/console/assets/uplot/uPlot.iife.min.js");
        using var script = await browser.GetAsync("/console/assets/console.js");
        using var missing = await browser.GetAsync("/console/assets/nothing.js");

        Assert.Equal(HttpStatusCode.OK, uplot.StatusCode);
        Assert.Equal("text/javascript", uplot.Content.Headers.ContentType?.MediaType);
        Assert.Contains("uPlot", await uplot.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task SignIn_OverTheLimit_429UntilTheMinuteIsOver()
    {
        var logs = NewLogs();
        ExpectLogs(e => e.Event.Name == "ConsoleSignInLimited", logs);
        await using var gateway = ConsoleFixture.StartGateway(stack.Redis, stack.Keys, logs, o => o.ConsoleSignInsPerMinute = 2, ownConsoleListener: true);
        await gateway.StartAsync();
        var console = GatewayHost.ConsoleAddress(gateway)!;
        Assert.NotEqual(ServerEndpoints.MetricsAddress(gateway) + "/console", console);
        using var browser = new ConsoleClient(console);

        using var first = await browser.SignInAsync("mlk_" + new string('y', 40));
        using var second = await browser.SignInAsync("mlk_" + new string('z', 40));
        using var third = await browser.SignInAsync(stack.ConsoleKey.Secret);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests],
            [first.StatusCode, second.StatusCode, third.StatusCode]);
        Assert.Equal(TimeSpan.FromSeconds(60), third.Headers.RetryAfter?.Delta);
        Assert.Contains(logs.Entries, e => e.Event.Name == "ConsoleSignInLimited" && e.Level == LogLevel.Warning);
        await gateway.StopAsync();
    }
}
