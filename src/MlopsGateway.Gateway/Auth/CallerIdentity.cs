namespace MlopsGateway.Gateway.Auth;

/// <summary>Who is calling, from an API key or a JWT: what the rest of the request path needs to know.</summary>
/// <param name="Id">Public id: the key's id, or <c>jwt:</c> and the token's subject. Sent to workers and used for quotas.</param>
/// <param name="Label">How messages name the caller, e.g. <c>API key 'checkout' (3f2a…)</c>.</param>
/// <param name="Models">Models it may call; <c>*</c> for all.</param>
/// <param name="RatePerSecond">Its quota, or null for none.</param>
/// <param name="Burst">Its bucket size, or null for the rate rounded up.</param>
/// <param name="MaxInFlight">Its requests this gateway forwards at once, or null for no limit.</param>
internal sealed record CallerIdentity(string Id, string Label, IReadOnlyList<string> Models, double? RatePerSecond, int? Burst, int? MaxInFlight = null)
{
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
