using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>
/// An API key as stored: never the secret, only its SHA-256 hash. Immutable; a change replaces the record.
/// </summary>
/// <param name="Id">Short public identifier, safe to log and to show in listings.</param>
/// <param name="Name">A person's label for the key (the calling service, say).</param>
/// <param name="Hash">Lower-case hex SHA-256 of the secret.</param>
/// <param name="Models">Model names the key may call; <c>*</c> allows every model.</param>
/// <param name="CreatedAt">When the key was created.</param>
/// <param name="RatePerSecond">Sustained requests per second the key may make; null for no limit.</param>
/// <param name="Burst">Requests the key may make at once above the rate (the token bucket's size); null means the rate rounded up.</param>
/// <param name="MaxInFlight">Requests of the key a gateway forwards at once (each gateway counts its own); null for no limit.</param>
/// <param name="Scopes">What the key may do (<see cref="KeyScopes"/>); null, a record stored before scopes existed, means <see cref="KeyScopes.Default"/>.</param>
public sealed record ApiKeyRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("models")] IReadOnlyList<string> Models,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("rate")] double? RatePerSecond = null,
    [property: JsonPropertyName("burst")] int? Burst = null,
    [property: JsonPropertyName("max_in_flight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxInFlight = null,
    [property: JsonPropertyName("scopes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Scopes = null)
{
    /// <summary>The wildcard that allows every model.</summary>
    public const string AllModels = "*";

    /// <summary>The key's scopes: <see cref="Scopes"/>, or <see cref="KeyScopes.Default"/> for a record without them.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> EffectiveScopes => Scopes ?? KeyScopes.Default;

    /// <summary>Whether this key may call <paramref name="model"/>.</summary>
    public bool Allows(string model)
    {
        foreach (var allowed in Models)
        {
            if (allowed == AllModels || string.Equals(allowed, model, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
