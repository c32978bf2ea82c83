using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>One change of an API key, as kept in its audit trail (<see cref="RedisKeys.ApiKeysAudit"/>): never the secret or its hash.</summary>
/// <param name="Action"><c>created</c>, <c>revoked</c> or <c>quota_changed</c>.</param>
/// <param name="KeyId">The key's public id.</param>
/// <param name="Name">The key's name.</param>
/// <param name="By">Who made the change (the OS user, or who the command said).</param>
/// <param name="At">When.</param>
/// <param name="Models">The models the key may call.</param>
/// <param name="RatePerSecond">Its quota after the change; null for none.</param>
/// <param name="Burst">Its burst after the change; null for the rate rounded up.</param>
/// <param name="MaxInFlight">Its limit of requests in flight after the change; null for none.</param>
/// <param name="Scopes">Its scopes (<see cref="KeyScopes"/>); null in entries written before scopes existed.</param>
public sealed record ApiKeyChange(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("models")] IReadOnlyList<string> Models,
    [property: JsonPropertyName("rate")] double? RatePerSecond,
    [property: JsonPropertyName("burst")] int? Burst,
    [property: JsonPropertyName("max_in_flight")] int? MaxInFlight,
    [property: JsonPropertyName("scopes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Scopes = null)
{
    /// <summary>The action of a key's creation.</summary>
    public const string Created = "created";

    /// <summary>The action of a key's revocation.</summary>
    public const string Revoked = "revoked";

    /// <summary>The action of a change of a key's rate, burst or limit in flight.</summary>
    public const string QuotaChanged = "quota_changed";

    internal static ApiKeyChange Of(string action, ApiKeyRecord record, string by, DateTimeOffset at) =>
        new(action, record.Id, record.Name, by, at, record.Models, record.RatePerSecond, record.Burst, record.MaxInFlight, record.EffectiveScopes);
}
