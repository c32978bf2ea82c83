using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Auth;

/// <summary>Who is calling, from an API key or a JWT: what the rest of the request path needs to know.</summary>
/// <param name="Id">Public id: the key's id, or <c>jwt:</c> and the token's subject. Sent to workers and used for quotas.</param>
/// <param name="Label">How messages name the caller, e.g. <c>API key 'checkout' (3f2a…)</c>.</param>
/// <param name="Models">Models it may call; <c>*</c> for all.</param>
/// <param name="RatePerSecond">Its quota, or null for none.</param>
/// <param name="Burst">Its bucket size, or null for the rate rounded up.</param>
/// <param name="MaxInFlight">Its requests this gateway forwards at once, or null for no limit.</param>
/// <param name="Scopes">What it may do (<see cref="KeyScopes"/>); null: <see cref="KeyScopes.Default"/>.</param>
internal sealed record CallerIdentity(
    string Id, string Label, IReadOnlyList<string> Models, double? RatePerSecond, int? Burst, int? MaxInFlight = null, IReadOnlyList<string>? Scopes = null)
{
    public bool HasScope(string scope) => KeyScopes.Grants(Scopes, scope);

    /// <summary>The refusal of a call that needs <paramref name="scope"/>, naming what the caller has.</summary>
    public string LacksScope(string scope, string what) =>
        $"{Label} lacks the '{scope}' scope, which {what} needs. Its scopes: {string.Join(", ", Scopes ?? KeyScopes.Default)}. "
        + $"A key with it: 'mlops keys create --scopes {scope},...'.";

    public bool Allows(string model)
    {
        foreach (var allowed in Models)
        {
            if (allowed == "*" || string.Equals(allowed, model, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
