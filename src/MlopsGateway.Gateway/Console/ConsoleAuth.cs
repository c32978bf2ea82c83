using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Discovery;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// The console's cookie: HttpOnly, SameSite=Strict, Secure when the console is served over https,
/// scoped to <c>/console</c>, protected with this process's keys, valid for
/// <see cref="GatewayOptions.ConsoleSessionLifetime"/> from sign-in (not sliding: the secret kept for
/// the session expires with it). Every request re-checks the key in the current snapshot, so a key
/// revoked or stripped of its console scope ends its sessions at once.
/// </summary>
internal static class ConsoleAuth
{
    public const string CookieName = "mlops-console";

    public static void Configure(CookieAuthenticationOptions cookie, TimeSpan lifetime)
    {
        cookie.Cookie.Name = CookieName;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Strict;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        cookie.Cookie.Path = ConsolePaths.Root;
        cookie.ExpireTimeSpan = lifetime;
        cookie.SlidingExpiration = false;
        cookie.LoginPath = ConsolePaths.SignIn;
        cookie.Events.OnValidatePrincipal = ValidateAsync;
        // ConsoleAccess answers refusals itself (401/403 for the API, a redirect for pages).
        cookie.Events.OnRedirectToLogin = context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
        cookie.Events.OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var sessions = services.GetRequiredService<ConsoleSessions>();
        var sessionId = context.Principal?.FindFirst(ConsoleClaims.Session)?.Value;
        var secret = sessionId is null ? null : sessions.SecretOf(sessionId);
        var key = secret is null ? null : services.GetRequiredService<SnapshotCache>().Current.Keys.Find(secret);
        if (key is null || !ConsoleClaims.MayRead(key.EffectiveScopes))
        {
            sessions.Close(sessionId);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(ConsoleClaims.Scheme).ConfigureAwait(false);
            ConsoleLog.SessionEnded(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleAuth)),
                context.Principal is null ? "" : ConsoleClaims.KeyId(context.Principal),
                secret is null ? "its session is over here (expired, signed out, or the gateway restarted)" : "its key was revoked or lost the console scope");
            return;
        }
        if (!ConsoleClaims.Scopes(context.Principal!).SequenceEqual(key.EffectiveScopes) || ConsoleClaims.KeyName(context.Principal!) != key.Name)
        {
            // The key changed in Redis: the claims follow it (admin taken away takes the keys page's buttons with it).
            context.ReplacePrincipal(ConsoleClaims.For(key, sessionId!));
            context.ShouldRenew = true;
        }
    }
}
