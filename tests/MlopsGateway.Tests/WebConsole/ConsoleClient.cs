using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MlopsGateway.Tests.WebConsole;

/// <summary>A browser as far as HTTP goes: a cookie container, no automatic redirects, the forms' antiforgery tokens read from the pages.</summary>
public sealed partial class ConsoleClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="console">The console's address, e.g. <c>http://127.0.0.1:40001/console</c>.</param>
    public ConsoleClient(string console)
    {
        var root = new Uri(console);
        Handler = new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true };
        _http = new HttpClient(Handler) { BaseAddress = new Uri(root.GetLeftPart(UriPartial.Authority)) };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClientHandler Handler { get; }

    /// <summary>The token the last page carried (its meta tag), sent back as a form field or the X-CSRF-TOKEN header.</summary>
    public string? Token { get; private set; }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        var response = await _http.GetAsync(path);
        if (response.Content.Headers.ContentType?.MediaType == "text/html")
        {
            var html = await response.Content.ReadAsStringAsync();
            if (TokenPattern().Match(html) is { Success: true } match)
            {
                Token = WebUtility.HtmlDecode(match.Groups[1].Value);
            }
        }
        return response;
    }

    /// <summary>Posts the sign-in form with <paramref name="key"/>, as the page would (token read from the sign-in page first).</summary>
    public async Task<HttpResponseMessage> SignInAsync(string key, bool withToken = true, string? returnUrl = null)
    {
        (await GetAsync("/console/signin")).Dispose();
        var fields = new Dictionary<string, string> { ["key"] = key };
        if (withToken)
        {
            fields["__RequestVerificationToken"] = Token!;
        }
        if (returnUrl is not null)
        {
            fields["returnUrl"] = returnUrl;
        }
        return await _http.PostAsync("/console/signin", new FormUrlEncodedContent(fields));
    }

    /// <summary>Signs in and fails unless the console accepted the key.</summary>
    public async Task SignInOrFailAsync(string key)
    {
        using var response = await SignInAsync(key);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // A page, so that Token is one bound to the signed-in key.
        (await GetAsync("/console/models")).Dispose();
    }

    /// <summary>Posts <paramref name="body"/> as JSON, with the last page's token in X-CSRF-TOKEN unless <paramref name="withToken"/> is false.</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, bool withToken = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent(body) };
        if (withToken && Token is not null)
        {
            request.Headers.Add("X-CSRF-TOKEN", Token);
        }
        return _http.SendAsync(request);
    }

    /// <summary>The JSON of a GET that must answer 200.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public void Dispose()
    {
        _http.Dispose();
        Handler.Dispose();
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]*)\">")]
    private static partial Regex TokenPattern();
}
