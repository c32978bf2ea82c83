namespace MlopsGateway.Registry.Alerts;

/// <summary>The keys of alert claims in one namespace (<see cref="RedisKeys.Alerts"/>).</summary>
public sealed class AlertKeys
{
    private readonly RedisKeys _keys;

    internal AlertKeys(RedisKeys keys) => _keys = keys;

    /// <summary>String: the episode of alert <paramref name="alert"/> firing now; absent while it is not.</summary>
    public string Firing(string alert) => _keys.Key($"alert:{alert}");

    /// <summary>String: set once by the gateway that posts <paramref name="transitionId"/>.</summary>
    public string Claim(string transitionId) => _keys.Key($"alert-claim:{transitionId}");
}
