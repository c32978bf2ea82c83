using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Gateway.Auth;

/// <summary>Where a caller's secret travels: <c>x-api-key</c>, else <c>authorization: Bearer</c>.</summary>
internal static class CredentialReader
{
    /// <summary>The secret (empty when none) and whether it came as a bearer token.</summary>
    public static (ReadOnlyMemory<char> Secret, bool Bearer) Read(IHeaderDictionary headers)
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
