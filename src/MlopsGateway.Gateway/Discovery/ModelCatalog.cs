using System.Collections.Frozen;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// The part of the model registry the request path needs, held in the snapshot: each model's
/// aliases, and the versions that are deprecated or retired. Immutable; free of DI and of Redis.
/// </summary>
internal sealed class ModelCatalog
{
    private readonly FrozenDictionary<string, FrozenDictionary<string, string>> _aliases;
    private readonly FrozenDictionary<(string Model, string Version), VersionNotice> _notices;

    public ModelCatalog(IEnumerable<CatalogModel> models)
    {
        var list = models.ToArray();
        _aliases = list.ToFrozenDictionary(m => m.Model, m => m.Aliases.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
        _notices = list.SelectMany(m => m.Notices).ToFrozenDictionary(n => (n.Model, n.Version));
    }

    /// <summary>No registry: no aliases, nothing deprecated.</summary>
    public static ModelCatalog Empty { get; } = new([]);

    /// <summary>How many models the registry holds.</summary>
    public int Count => _aliases.Count;

    /// <summary>The version alias <paramref name="alias"/> (without its '@') of <paramref name="model"/> names.</summary>
    public bool TryResolveAlias(string model, string alias, out string version)
    {
        version = "";
        return _aliases.TryGetValue(model, out var aliases) && aliases.TryGetValue(alias, out version!);
    }

    /// <summary>The aliases of <paramref name="model"/>, for messages.</summary>
    public IReadOnlyCollection<string> AliasesOf(string model) =>
        _aliases.TryGetValue(model, out var aliases) ? aliases.Keys : [];

    /// <summary>The deprecation or retirement of a version, or null when it has neither.</summary>
    public VersionNotice? Notice(string model, string version) =>
        _notices.Count == 0 || version.Length == 0 ? null : _notices.GetValueOrDefault((model, version));

    /// <summary>
    /// <paramref name="route"/> with every alias it names (<c>@champion</c>) replaced by the version the
    /// alias names now. An alias that is not set leaves the stable version as written (calls are then
    /// refused naming it) and drops a canary or shadow; each is reported in <paramref name="faults"/>.
    /// </summary>
    public RouteRecord Resolve(RouteRecord route, List<RecordFault> faults)
    {
        if (!IsAlias(route.Stable) && !IsAlias(route.Canary) && !IsAlias(route.Shadow))
        {
            return route;
        }
        var resolved = route;
        if (IsAlias(route.Stable) && Lookup(route.Model, route.Stable, "stable", faults) is { } stable)
        {
            resolved = resolved with { Stable = stable };
        }
        if (IsAlias(route.Canary))
        {
            resolved = Lookup(route.Model, route.Canary!, "canary", faults) is { } canary
                ? resolved with { Canary = canary }
                : resolved with { Canary = null, CanaryWeight = 0 };
        }
        if (IsAlias(route.Shadow))
        {
            resolved = Lookup(route.Model, route.Shadow!, "shadow", faults) is { } shadow
                ? resolved with { Shadow = shadow }
                : resolved with { Shadow = null, ShadowPercent = 0 };
        }
        if (resolved.Canary is not null && resolved.Canary == resolved.Stable)
        {
            // The alias moved onto the stable version: every call gets it, none is a canary.
            resolved = resolved with { Canary = null, CanaryWeight = 0 };
        }
        return resolved;
    }

    /// <summary>Whether <paramref name="version"/> names an alias: <c>@</c> and its name.</summary>
    public static bool IsAlias(string? version) => version is { Length: > 1 } && version[0] == '@';

    private string? Lookup(string model, string alias, string role, List<RecordFault> faults)
    {
        if (TryResolveAlias(model, alias[1..], out var version))
        {
            return version;
        }
        var known = AliasesOf(model);
        faults.Add(new RecordFault($"route of model {model}",
            $"its {role} version is alias {alias}, which model '{model}' does not have ({(known.Count == 0 ? "it has no aliases" : "aliases: " + string.Join(", ", known.Order(StringComparer.Ordinal)))})"
            + (role == "stable" ? "; calls that pin no version are refused until it is set" : $"; the {role} is left out until it is set")));
        return null;
    }
}

/// <summary>One model's entry in the <see cref="ModelCatalog"/>: its aliases (name → version) and the notices of its versions.</summary>
internal sealed record CatalogModel(string Model, IReadOnlyDictionary<string, string> Aliases, IReadOnlyList<VersionNotice> Notices);
