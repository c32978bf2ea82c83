using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// The HTML shell every console page shares: the navigation, who is signed in, the sign-out form and
/// the antiforgery token (a meta tag the script sends as <c>X-CSRF-TOKEN</c>). A page's content is an
/// empty <c>main</c> naming the page and its API; <c>console.js</c> reads the API and fills it, so
/// the page shows exactly what the API returns. Every value is HTML-encoded.
/// </summary>
internal static class ConsoleLayout
{
    /// <summary>The navigation, in order: (page id, title, path).</summary>
    public static IReadOnlyList<(string Page, string Title, string Path)> Navigation { get; } =
    [
        ("models", "Models", ConsolePaths.Models),
        ("workers", "Workers", ConsolePaths.Workers),
        ("drift", "Drift", ConsolePaths.Drift),
        ("audit", "Audit", ConsolePaths.Audit),
        ("keys", "Keys", ConsolePaths.Keys),
        ("playground", "Playground", ConsolePaths.Playground),
    ];

    private static readonly HtmlEncoder s_html = HtmlEncoder.Default;

    /// <summary>
    /// A page: <paramref name="page"/> names it for the script (and the navigation's current item),
    /// <paramref name="data"/> become <c>data-*</c> attributes of its <c>main</c> (the API to read, a model's name).
    /// </summary>
    public static IResult Page(HttpContext http, string page, string title, IReadOnlyDictionary<string, string>? data = null, string? extraScript = null)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var user = http.User;
        var html = new StringBuilder(2048);
        Head(html, title, tokens.RequestToken);
        html.Append("<body><header class=\"bar\"><a class=\"brand\" href=\"").Append(ConsolePaths.Models).Append("\">MLOps console</a><nav>");
        foreach (var (id, name, path) in Navigation)
        {
            html.Append("<a href=\"").Append(path).Append("\" data-nav=\"").Append(id).Append('"')
                .Append(id == page ? " aria-current=\"page\"" : "").Append('>').Append(name).Append("</a>");
        }
        html.Append("</nav><div class=\"who\"><span id=\"signed-in\" data-key-id=\"").Append(E(ConsoleClaims.KeyId(user))).Append("\">")
            .Append(E(ConsoleClaims.KeyName(user))).Append("</span> <span class=\"scopes\">")
            .Append(E(string.Join(", ", ConsoleClaims.Scopes(user)))).Append("</span>")
            .Append("<form method=\"post\" action=\"").Append(ConsolePaths.SignOut).Append("\">");
        Token(html, tokens);
        html.Append("<button type=\"submit\" id=\"sign-out\">Sign out</button></form></div></header>");
        html.Append("<main id=\"page\" data-page=\"").Append(E(page)).Append('"');
        foreach (var (name, value) in data ?? new Dictionary<string, string>())
        {
            html.Append(" data-").Append(name).Append("=\"").Append(E(value)).Append('"');
        }
        html.Append("><h1>").Append(E(title)).Append("</h1><p class=\"loading\">Loading…</p>")
            .Append("<noscript><p class=\"error\">The console needs JavaScript for its pages; the same figures are under /console/api/.</p></noscript></main>");
        html.Append("<script src=\"").Append(ConsolePaths.Assets).Append("/uplot/uPlot.iife.min.js\"></script>");
        html.Append("<script src=\"").Append(ConsolePaths.Assets).Append("/console.js\"></script>");
        html.Append("<script src=\"").Append(ConsolePaths.Assets).Append("/pages.js\"></script>");
        if (extraScript is not null)
        {
            html.Append("<script src=\"").Append(E(extraScript)).Append("\"></script>");
        }
        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    /// <summary>The sign-in page, with <paramref name="message"/> (encoded) when the last attempt failed.</summary>
    public static IResult SignIn(HttpContext http, string? returnUrl, string? message, int status = StatusCodes.Status200OK)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var html = new StringBuilder(1024);
        Head(html, "Sign in", tokens.RequestToken);
        html.Append("<body class=\"signin\"><main><h1>MLOps console</h1>");
        if (message is not null)
        {
            html.Append("<p class=\"error\" id=\"signin-error\" role=\"alert\">").Append(E(message)).Append("</p>");
        }
        html.Append("<form method=\"post\" action=\"").Append(ConsolePaths.SignIn).Append("\">");
        Token(html, tokens);
        if (ConsolePaths.IsLocalPage(returnUrl))
        {
            html.Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(E(returnUrl!)).Append("\">");
        }
        html.Append("<label for=\"key\">API key (with the <code>console</code> or <code>admin</code> scope)</label>")
            .Append("<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"off\" required autofocus>")
            .Append("<button type=\"submit\" id=\"sign-in\">Sign in</button></form>")
            .Append("<p class=\"hint\">A key for it: <code>mlops keys create --name NAME --scopes console</code>. ")
            .Append("<code>mlops up</code> prints one that has the scope.</p></main></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", statusCode: status);
    }

    private static void Head(StringBuilder html, string title, string? requestToken) =>
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"csrf-token\" content=\"").Append(E(requestToken ?? "")).Append("\">")
            .Append("<link rel=\"icon\" href=\"data:,\">")
            .Append("<title>").Append(E(title)).Append(" · MLOps console</title>")
            .Append("<link rel=\"stylesheet\" href=\"").Append(ConsolePaths.Assets).Append("/uplot/uPlot.min.css\">")
            .Append("<link rel=\"stylesheet\" href=\"").Append(ConsolePaths.Assets).Append("/console.css\"></head>");

    private static void Token(StringBuilder html, AntiforgeryTokenSet tokens) =>
        html.Append("<input type=\"hidden\" name=\"").Append(E(tokens.FormFieldName)).Append("\" value=\"").Append(E(tokens.RequestToken ?? "")).Append("\">");

    private static string E(string value) => s_html.Encode(value);
}
