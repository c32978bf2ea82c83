using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Console;

/// <summary>What a console endpoint needs of its caller.</summary>
internal enum ConsoleNeed
{
    /// <summary>Nothing: the sign-in page and the static assets.</summary>
    Anyone,

    /// <summary>A signed-in key with the <c>console</c> or <c>admin</c> scope.</summary>
    Read,

    /// <summary>A signed-in key with the <c>admin</c> scope.</summary>
    Change,
}

/// <summary>
/// The gate every console endpoint passes: the right listener (else 404), the cookie (else a redirect
/// to sign-in for a page, 401 for the API), the scope (else 403), and on every POST the antiforgery
/// token (else 400), so that no other site can make a signed-in browser change anything. Also sets
/// the headers that keep pages out of caches and frames and scripts to the console's own.
/// </summary>
internal sealed class ConsoleAccess(ConsoleNeed need) : IEndpointFilter
{
    public const string SignInFirst = "Sign in to the console first (POST /console/signin with a key that has the 'console' or 'admin' scope).";
    public const string NeedsAdmin = "This needs a key with the 'admin' scope; the signed-in key has not got it.";
    public const string BadAntiforgery =
        "The request carries no valid antiforgery token (a form from this console, or the X-CSRF-TOKEN header): reload the page and try again.";

    private const string ContentPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
        if (!ConsoleListener.Accepts(http, options.ConsoleOwnListener))
        {
            return Results.NotFound();
        }
        var headers = http.Response.Headers;
        // As antiforgery sets them on every page that carries a token (and warns when it finds others).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = ContentPolicy;
        if (need != ConsoleNeed.Anyone)
        {
            var result = await http.AuthenticateAsync(ConsoleClaims.Scheme).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return IsApi(http)
                    ? Results.Json(new ConsoleError(SignInFirst), ConsoleJson.Options, statusCode: StatusCodes.Status401Unauthorized)
                    : Results.Redirect($"{ConsolePaths.SignIn}?returnUrl={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}");
            }
            http.User = result.Principal;
            var scopes = ConsoleClaims.Scopes(result.Principal);
            if (!ConsoleClaims.MayRead(scopes) || (need == ConsoleNeed.Change && !ConsoleClaims.MayChange(scopes)))
            {
                return Results.Json(new ConsoleError(need == ConsoleNeed.Change ? NeedsAdmin : SignInFirst), ConsoleJson.Options,
                    statusCode: StatusCodes.Status403Forbidden);
            }
        }
        if (HttpMethods.IsPost(http.Request.Method))
        {
            try
            {
                await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
            }
            catch (AntiforgeryValidationException)
            {
                return Results.Json(new ConsoleError(BadAntiforgery), ConsoleJson.Options, statusCode: StatusCodes.Status400BadRequest);
            }
        }
        return await next(context).ConfigureAwait(false);
    }

    private static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments(ConsolePaths.Api, StringComparison.Ordinal);
}

/// <summary>An API refusal: what went wrong and what to do, for a person.</summary>
/// <param name="Error">The message.</param>
internal sealed record ConsoleError(string Error);
