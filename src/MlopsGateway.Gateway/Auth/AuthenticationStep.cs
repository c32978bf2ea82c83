using Grpc.Core;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Discovery;

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
        request.Caller = new CallerIdentity(key.Id, $"API key '{key.Name}' ({key.Id})", key.Models, key.RatePerSecond, key.Burst, key.MaxInFlight, key.EffectiveScopes);
        return next();
    }

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
