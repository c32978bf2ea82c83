using Grpc.Core;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Step 2: names the caller from its API key (looked up in the snapshot, no I/O) or JWT, or refuses
/// the call with UNAUTHENTICATED.
/// </summary>
internal sealed class AuthenticationStep(SnapshotCache snapshots, JwtAuthenticator jwt, AuthRefusal refusal)
{
    public const string NoKey = "No API key: send it as 'x-api-key: <key>' or 'authorization: Bearer <key>' metadata.";
    public const string UnknownKey = "The API key is not recognised: it may be mistyped or revoked. Ask for a key with 'mlops keys create'.";

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var (secret, bearer) = CredentialReader.Read(context.Request.Headers);
        if (secret.IsEmpty)
        {
            return refusal.WriteAsync(context, request.Method, StatusCode.Unauthenticated, NoKey);
        }
        if (bearer && jwt.Enabled && JwtAuthenticator.LooksLikeJwt(secret.Span))
        {
            return AuthenticateJwtAsync(context, next, request, secret.ToString());
        }
        var key = snapshots.Current.Keys.Find(secret.Span);
        if (key is null)
        {
            return refusal.WriteAsync(context, request.Method, StatusCode.Unauthenticated, UnknownKey);
        }
        request.Caller = CallerOf(key);
        return next();
    }

    /// <summary>The caller the headers of a call served by the gateway itself (not forwarded) name, or why none is.</summary>
    public async ValueTask<(CallerIdentity? Caller, string? Refusal)> IdentifyAsync(IHeaderDictionary headers)
    {
        var (secret, bearer) = CredentialReader.Read(headers);
        if (secret.IsEmpty)
        {
            return (null, NoKey);
        }
        if (bearer && jwt.Enabled && JwtAuthenticator.LooksLikeJwt(secret.Span))
        {
            return await jwt.AuthenticateAsync(secret.ToString()).ConfigureAwait(false);
        }
        return snapshots.Current.Keys.Find(secret.Span) is { } key ? (CallerOf(key), null) : (null, UnknownKey);
    }

    private static CallerIdentity CallerOf(ApiKeyRecord key) =>
        new(key.Id, $"API key '{key.Name}' ({key.Id})", key.Models, key.RatePerSecond, key.Burst, key.MaxInFlight, key.EffectiveScopes);

    private async Task AuthenticateJwtAsync(HttpContext context, Func<Task> next, GatewayRequest request, string token)
    {
        var (caller, error) = await jwt.AuthenticateAsync(token).ConfigureAwait(false);
        if (caller is null)
        {
            await refusal.WriteAsync(context, request.Method, StatusCode.Unauthenticated, error!).ConfigureAwait(false);
            return;
        }
        request.Caller = caller;
        await next().ConfigureAwait(false);
    }
}
