namespace MlopsGateway.Registry.Models;

/// <summary>
/// The registry's Redis keys and channel under one deployment's prefix (<c>mlops:</c> today). Every
/// key of one model shares the prefix, so a transaction over a version and its aliases stays in one
/// hash slot once the prefix carries a hash tag.
/// </summary>
/// <param name="prefix">What every key starts with, its separator included.</param>
public sealed class ModelKeys(string prefix)
{
    /// <summary>The keys of the default deployment.</summary>
    public static ModelKeys Default { get; } = new("mlops:");

    /// <summary>Set of every model name that has a version.</summary>
    public string Models => prefix + "models";

    /// <summary>Stream (a capped list where streams are missing) of <see cref="ModelChange"/> entries: every push, alias move, deprecation and retirement.</summary>
    public string Audit => prefix + "models:audit";

    /// <summary>Pub/sub channel announcing a change in the registry; the message is the model name.</summary>
    public string Changed => prefix + "registry:changed";

    /// <summary>Hash: field = version, value = <see cref="ModelVersionRecord"/> as JSON.</summary>
    public string Versions(string model) => $"{prefix}model:{model}:versions";

    /// <summary>Hash: field = alias (no <c>@</c>), value = version.</summary>
    public string Aliases(string model) => $"{prefix}model:{model}:aliases";

    /// <summary>Stream (a capped list where streams are missing) of <see cref="ModelAliasChange"/> entries: every move of the model's aliases.</summary>
    public string AliasHistory(string model) => $"{prefix}model:{model}:alias-history";

    /// <summary>Hash written by gateways: field = caller's key id, value = <see cref="ModelCallerUse"/> as JSON.</summary>
    public string Callers(string model, string version) => $"{prefix}model:{model}:callers:{version}";
}
