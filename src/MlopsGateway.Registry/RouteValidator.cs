namespace MlopsGateway.Registry;

/// <summary>Checks a route before it is stored: every version it names is served, every share is a percentage.</summary>
public static class RouteValidator
{
    /// <summary>
    /// Every problem with <paramref name="route"/>, given the versions of its model that registered
    /// workers serve; empty when the route is valid. With <paramref name="requireRegisteredWorkers"/>
    /// false, versions no registered worker serves are let through (static workers serve them); the
    /// rest is still checked. A version written <c>@name</c> names the model's alias: with
    /// <paramref name="aliases"/> given (the model's, name → version) it must be one of them, and the
    /// version it names now is the one checked for workers; with none, only the rest is checked.
    /// </summary>
    public static IReadOnlyList<string> Validate(
        RouteRecord route, IReadOnlyCollection<string> servedVersions, bool requireRegisteredWorkers = true, IReadOnlyDictionary<string, string>? aliases = null)
    {
        var errors = new List<string>();
        route = Resolve(route, aliases, errors);
        if (string.IsNullOrWhiteSpace(route.Model))
        {
            errors.Add("The route names no model.");
        }
        var served = servedVersions.Count == 0 ? "no worker serves this model" : "served: " + string.Join(", ", servedVersions);
        void Served(string role, string? version)
        {
            if (requireRegisteredWorkers && version is not null && !IsAlias(version) && !servedVersions.Contains(version))
            {
                errors.Add($"{role} version '{version}' of model '{route.Model}' is not served by any registered worker ({served}).");
            }
        }
        if (string.IsNullOrWhiteSpace(route.Stable))
        {
            errors.Add("The route needs a stable version.");
        }
        else
        {
            Served("Stable", route.Stable);
        }
        Served("Canary", route.Canary);
        Served("Shadow", route.Shadow);
        CheckPercent(errors, "Canary weight", route.CanaryWeight);
        CheckPercent(errors, "Shadow percent", route.ShadowPercent);
        if (route.Canary is null && route.CanaryWeight > 0)
        {
            errors.Add($"Canary weight is {route.CanaryWeight}% but the route names no canary version.");
        }
        if (route.Canary is not null && route.Canary == route.Stable)
        {
            errors.Add($"The canary version '{route.Canary}' is the stable version; promote it or pick another.");
        }
        if (route.Shadow is null && route.ShadowPercent > 0)
        {
            errors.Add($"Shadow percent is {route.ShadowPercent}% but the route names no shadow version.");
        }
        return errors;
    }

    /// <summary>
    /// The versions <paramref name="route"/> names (stable, canary, shadow; each once, in that order)
    /// that are not among <paramref name="servedVersions"/>; an alias counts as the version it names in <paramref name="aliases"/>.
    /// </summary>
    public static IReadOnlyList<string> Unserved(RouteRecord route, IReadOnlyCollection<string> servedVersions, IReadOnlyDictionary<string, string>? aliases = null) =>
        new[] { route.Stable, route.Canary, route.Shadow }
            .Select(v => IsAlias(v) && aliases is not null && aliases.TryGetValue(v![1..], out var target) ? target : v)
            .OfType<string>()
            .Where(v => !string.IsNullOrWhiteSpace(v) && !servedVersions.Contains(v))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Whether <paramref name="version"/> names an alias: <c>@</c> and its name.</summary>
    public static bool IsAlias(string? version) => version is { Length: > 1 } && version[0] == '@';

    /// <summary>The route with its aliases replaced by the versions they name; an alias not in <paramref name="aliases"/> is an error (none checked when null).</summary>
    private static RouteRecord Resolve(RouteRecord route, IReadOnlyDictionary<string, string>? aliases, List<string> errors)
    {
        if (aliases is null)
        {
            return route;
        }
        string? Version(string role, string? version)
        {
            if (!IsAlias(version))
            {
                return version;
            }
            if (aliases.TryGetValue(version![1..], out var target))
            {
                return target;
            }
            errors.Add($"{role} version '{version}' names an alias model '{route.Model}' does not have ({(aliases.Count == 0 ? "it has none" : "aliases: " + string.Join(", ", aliases.Keys.Order(StringComparer.Ordinal).Select(a => "@" + a)))}); set it with 'mlops models alias set'.");
            // Left as written: the error above names it, and no other check counts it again.
            return version;
        }
        return route with { Stable = Version("Stable", route.Stable)!, Canary = Version("Canary", route.Canary), Shadow = Version("Shadow", route.Shadow) };
    }

    private static void CheckPercent(List<string> errors, string name, double value)
    {
        if (double.IsNaN(value) || value < 0 || value > 100)
        {
            errors.Add($"{name} must be between 0 and 100 (fractions allowed), not {value}.");
        }
    }
}
