using Grpc.Core;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Internal;

namespace MlopsGateway.Gateway;

/// <summary>Authentication and request checks: every refusal a gRPC status a person can act on.</summary>
public sealed partial class OipForwarder
{
    /// <summary>The caller, or null when the request was refused (the answer is written).</summary>
    private async Task<CallerIdentity?> AuthenticateAsync(HttpContext context, string method, GatewaySnapshot snapshot)
    {
        var (secret, bearer) = ReadCredential(context.Request.Headers);
        if (secret.IsEmpty)
        {
            await Refuse(context, method, StatusCode.Unauthenticated,
                "No API key: send it as 'x-api-key: <key>' or 'authorization: Bearer <key>' metadata.").ConfigureAwait(false);
            return null;
        }
        if (bearer && _jwt.Enabled && JwtAuthenticator.LooksLikeJwt(secret.Span))
        {
            var (caller, error) = await _jwt.AuthenticateAsync(context).ConfigureAwait(false);
            if (caller is null)
            {
                await Refuse(context, method, StatusCode.Unauthenticated, error!).ConfigureAwait(false);
            }
            return caller;
        }
        var key = snapshot.Keys.Find(secret.Span);
        if (key is null)
        {
            await Refuse(context, method, StatusCode.Unauthenticated,
                "The API key is not recognised: it may be mistyped or revoked. Ask for a key with 'mlops keys create'.").ConfigureAwait(false);
            return null;
        }
        return new CallerIdentity(key.Id, $"API key '{key.Name}' ({key.Id})", key.Models, key.RatePerSecond, key.Burst);
    }

    /// <summary>Refuses what cannot be forwarded; true when an answer was written.</summary>
    private async Task<bool> RefuseRequestAsync(HttpContext context, string method, CallerIdentity caller, PeekResult result, RequestPrefix prefix)
    {
        switch (result)
        {
            case PeekResult.Compressed:
                await GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented,
                    "The gateway cannot read compressed requests; send requests uncompressed (responses may still be compressed).")
                    .ConfigureAwait(false);
                return true;
            case PeekResult.Malformed or PeekResult.NeedMoreData:
                await GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                    $"The {method} request is not a valid protocol message: the model name could not be read.").ConfigureAwait(false);
                return true;
        }
        if (prefix.MessageLength > _options.MaxRequestBodySize)
        {
            await GrpcErrorWriter.WriteAsync(context, StatusCode.ResourceExhausted,
                $"The request is {prefix.MessageLength} bytes; this gateway accepts at most {_options.MaxRequestBodySize}. Send fewer rows per request.")
                .ConfigureAwait(false);
            return true;
        }
        if (prefix.Name.Length == 0)
        {
            await GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument, "The request names no model: set the model name.").ConfigureAwait(false);
            return true;
        }
        if (!caller.Allows(prefix.Name))
        {
            await Refuse(context, method, StatusCode.PermissionDenied,
                $"{caller.Label} may not call model '{prefix.Name}'. It may call: {(caller.Models.Count == 0 ? "no models" : string.Join(", ", caller.Models))}.")
                .ConfigureAwait(false);
            return true;
        }
        return false;
    }

    private Task Refuse(HttpContext context, string method, StatusCode code, string message)
    {
        GatewayLog.AuthFailed(_logger, method, code.ToString());
        _metrics.AuthFailed(method, code.ToString());
        return GrpcErrorWriter.WriteAsync(context, code, message);
    }

    private static (ReadOnlyMemory<char> Secret, bool Bearer) ReadCredential(IHeaderDictionary headers)
    {
        var apiKey = headers[GatewayHeaders.ApiKey];
        if (apiKey.Count > 0 && !string.IsNullOrEmpty(apiKey[0]))
        {
            return (apiKey[0].AsMemory().Trim(), false);
        }
        var authorization = headers[GatewayHeaders.Authorization];
        if (authorization.Count > 0 && authorization[0] is { } value
            && value.StartsWith(GatewayHeaders.BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return (value.AsMemory(GatewayHeaders.BearerPrefix.Length).Trim(), true);
        }
        return (default, false);
    }
}
