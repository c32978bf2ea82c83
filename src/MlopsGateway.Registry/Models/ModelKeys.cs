namespace MlopsGateway.Registry.Models;

/// <summary>
/// The registry's Redis keys and channel in one namespace (<see cref="RedisKeys.Models"/>): every one
/// starts with the namespace's <c>{ns}:</c>, so a transaction over a version and its aliases stays in
/// the deployment's one cluster slot.
/// </summary>
public sealed class ModelKeys
{
    private readonly RedisKeys _keys;

    internal ModelKeys(RedisKeys keys)
    {
        _keys = keys;
        Names = keys.Key("models");
        Audit = keys.Key("models:audit");
        Changed = keys.Key("registry:changed");
    }

    /// <summary>The keys of the default namespace.</summary>
    public static ModelKeys Default => RedisKeys.Default.Models;

    /// <summary>Set of every model name that has a version.</summary>
    public string Names { get; }

    /// <summary>Stream (a capped list where streams are missing) of <see cref="ModelChange"/> entries: every push, alias move, deprecation and retirement.</summary>
    public string Audit { get; }

    /// <summary>Pub/sub channel announcing a change in the registry; the message is the model name.</summary>
    public string Changed { get; }

    /// <summary>Hash: field = version, value = <see cref="ModelVersionRecord"/> as JSON.</summary>
    public string Versions(string model) => _keys.Key($"model:{model}:versions");

    /// <summary>Hash: field = alias (no <c>@</c>), value = version.</summary>
    public string Aliases(string model) => _keys.Key($"model:{model}:aliases");

    /// <summary>Stream (a capped list where streams are missing) of <see cref="ModelAliasChange"/> entries: every move of the model's aliases.</summary>
    public string AliasHistory(string model) => _keys.Key($"model:{model}:alias-history");

    /// <summary>Hash written by gateways: field = caller's key id, value = <see cref="ModelCallerUse"/> as JSON.</summary>
    public string Callers(string model, string version) => _keys.Key($"model:{model}:callers:{version}");
}
