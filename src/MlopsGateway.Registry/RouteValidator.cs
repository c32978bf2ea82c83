namespace MlopsGateway.Registry;

/// <summary>Checks a route before it is stored: every version it names is served, every share is a percentage.</summary>
public static class RouteValidator
{
    /// <summary>
    /// Every problem with <paramref name="route"/>, given the versions of its model that registered
    /// workers serve; empty when the route is valid. With <paramref name="requireRegisteredWorkers"/>
    /// false, versions no registered worker serves are let through (static workers serve them); the
    /// rest is still checked.
    /// </summary>
    public static IReadOnlyList<string> Validate(RouteRecord route, IReadOnlyCollection<string> servedVersions, bool requireRegisteredWorkers = true)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(route.Model))
        {
            errors.Add("The route names no model.");
        }
        var served = servedVersions.Count == 0 ? "no worker serves this model" : "served: " + string.Join(", ", servedVersions);
        void Served(string role, string? version)
        {
            if (requireRegisteredWorkers && version is not null && !servedVersions.Contains(version))
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
    /// that are not among <paramref name="servedVersions"/>.
    /// </summary>
    public static IReadOnlyList<string> Unserved(RouteRecord route, IReadOnlyCollection<string> servedVersions) =>
        new[] { route.Stable, route.Canary, route.Shadow }
            .OfType<string>()
            .Where(v => !string.IsNullOrWhiteSpace(v) && !servedVersions.Contains(v))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    private static void CheckPercent(List<string> errors, string name, double value)
    {
        if (double.IsNaN(value) || value < 0 || value > 100)
        {
            errors.Add($"{name} must be between 0 and 100 (fractions allowed), not {value}.");
        }
    }
}
