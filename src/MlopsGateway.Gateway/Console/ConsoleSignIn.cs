using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Discovery;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// Signing in and out. A key is looked up as the gateway's authentication step does (hashed, in the
/// current snapshot, no Redis call) and accepted only with the <c>console</c> or <c>admin</c> scope;
/// attempts are limited per client address, so the form cannot be used to guess keys quickly.
/// </summary>
internal sealed class ConsoleSignIn(
    SnapshotCache snapshots, ConsoleSessions sessions, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ConsoleSignIn> logger) : IDisposable
{
    public const string UnknownKey = "That key is not recognised: it may be mistyped or revoked.";
    public const string LacksScope =
        "That key lacks the 'console' or 'admin' scope the console needs. A key with it: mlops keys create --name NAME --scopes console.";
    public const string NoKey = "Enter an API key.";
    public const string TooMany = "Too many sign-in attempts from this address; wait a minute and try again.";

    private readonly PartitionedRateLimiter<string> _attempts = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.Value.ConsoleSignInsPerMinute),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public async Task<IResult> SignInAsync(HttpContext http)
    {
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using var lease = _attempts.AttemptAcquire(client);
        if (!lease.IsAcquired)
        {
            ConsoleLog.SignInLimited(logger, client, options.Value.ConsoleSignInsPerMinute);
            http.Response.Headers.RetryAfter = "60";
            return ConsoleLayout.SignIn(http, null, TooMany, StatusCodes.Status429TooManyRequests);
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var secret = form["key"].ToString().Trim();
        var returnUrl = form["returnUrl"].ToString();
        if (secret.Length == 0)
        {
            return ConsoleLayout.SignIn(http, returnUrl, NoKey, StatusCodes.Status400BadRequest);
        }
        var key = snapshots.Current.Keys.Find(secret);
        if (key is null || !ConsoleClaims.MayRead(key.EffectiveScopes))
        {
            ConsoleLog.SignInRefused(logger, client, key is null ? "unknown key" : $"key {key.Id} lacks the console scope");
            return ConsoleLayout.SignIn(http, returnUrl, key is null ? UnknownKey : LacksScope, StatusCodes.Status401Unauthorized);
        }
        var lifetime = options.Value.ConsoleSessionLifetime;
        var expires = time.GetUtcNow() + lifetime;
        var session = sessions.Open(secret, expires);
        await http.SignInAsync(ConsoleClaims.Scheme, ConsoleClaims.For(key, session),
            new AuthenticationProperties { ExpiresUtc = expires, IsPersistent = false }).ConfigureAwait(false);
        ConsoleLog.SignedIn(logger, key.Name, key.Id);
        return Results.Redirect(ConsolePaths.IsLocalPage(returnUrl) ? returnUrl : ConsolePaths.Models);
    }

    public async Task<IResult> SignOutAsync(HttpContext http)
    {
        sessions.Close(http.User.FindFirst(ConsoleClaims.Session)?.Value);
        await http.SignOutAsync(ConsoleClaims.Scheme).ConfigureAwait(false);
        ConsoleLog.SignedOut(logger, ConsoleClaims.KeyId(http.User));
        return Results.Redirect(ConsolePaths.SignIn);
    }

    public void Dispose() => _attempts.Dispose();
}
