namespace MlopsGateway.Registry.Baselines;

/// <summary>
/// Where baseline profiles live in one namespace (<see cref="RedisKeys.Baselines"/>): beside the
/// registry's keys of the same model, under the namespace's <c>{ns}:</c> hash tag.
/// </summary>
public sealed class BaselineKeys
{
    private readonly RedisKeys _keys;

    internal BaselineKeys(RedisKeys keys) => _keys = keys;

    /// <summary>The keys of the default namespace.</summary>
    public static BaselineKeys Default => RedisKeys.Default.Baselines;

    /// <summary>String: version <paramref name="version"/> of <paramref name="model"/>'s <see cref="BaselineProfile"/> as JSON.</summary>
    public string Profile(string model, string version) => _keys.Key($"model:{model}:baseline:{version}");
}
