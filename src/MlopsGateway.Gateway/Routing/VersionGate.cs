using System.Globalization;
using Grpc.Core;
using MlopsGateway.Gateway.Discovery;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// What the registry's word on a version means for one call: an alias the caller named is resolved;
/// a retired version is refused however it was reached; a version past its sunset is refused to the
/// calls that pin it (name it as a version), while calls that pin nothing keep getting the route's
/// version, even one past its sunset: moving the route is the operator's decision, and refusing every
/// caller for it would punish those who did nothing. An alias is the alias owner's pin, not the
/// caller's, so it is treated as the route is. Free of I/O and DI.
/// </summary>
internal static class VersionGate
{
    /// <summary>
    /// The version <paramref name="requested"/> (field 2 of the call, "" for none) names: itself, or the
    /// version its alias names; false with <paramref name="refusal"/> when the alias is not set.
    /// </summary>
    public static bool TryResolve(ModelCatalog catalog, string model, string requested, out string version, out Refusal refusal)
    {
        refusal = default;
        version = requested;
        if (!ModelCatalog.IsAlias(requested))
        {
            return true;
        }
        if (catalog.TryResolveAlias(model, requested[1..], out version))
        {
            return true;
        }
        refusal = new Refusal(StatusCode.NotFound, $"Model '{model}' has no alias '{requested}' ({Known(catalog, model)}). The request did not run; 'mlops models show {model}' lists its aliases.");
        return false;
    }

    /// <summary>
    /// Whether a call routed as <paramref name="decision"/> (<paramref name="pinned"/>:
    /// the caller named that version itself) may run at <paramref name="now"/>; else the refusal.
    /// </summary>
    public static bool Admits(ModelCatalog catalog, string model, RouteDecision decision, bool pinned, DateTimeOffset now, out VersionNotice? notice, out Refusal refusal)
    {
        refusal = default;
        var version = decision.Version;
        if (ModelCatalog.IsAlias(version))
        {
            // The route names an alias that is not set (the snapshot logged it).
            notice = null;
            refusal = new Refusal(StatusCode.FailedPrecondition,
                $"The route of model '{model}' names alias '{version}', which is not set ({Known(catalog, model)}). The request did not run; set the alias or change the route, or name a version.");
            return false;
        }
        notice = catalog.Notice(model, version);
        if (notice is null)
        {
            return true;
        }
        if (notice.RetiredAt is { } retired)
        {
            refusal = new Refusal(StatusCode.FailedPrecondition,
                $"Version {version} of model '{model}' was retired on {Date(retired)} and serves no calls. {Successor(notice)} The request did not run.");
            return false;
        }
        if (pinned && notice.PastSunset(now))
        {
            refusal = new Refusal(StatusCode.FailedPrecondition,
                $"Version {version} of model '{model}' passed its sunset on {Date(notice.Sunset!.Value)}, so calls that name it are refused. {Successor(notice)} Or send no version to get the route's. The request did not run.");
            return false;
        }
        return true;
    }

    private static string Successor(VersionNotice notice) =>
        notice.Replacement is { } replacement ? $"Call version {replacement}, its replacement, instead." : "Call another version instead.";

    private static string Known(ModelCatalog catalog, string model)
    {
        var aliases = catalog.AliasesOf(model);
        return aliases.Count == 0 ? "it has none" : "aliases: " + string.Join(", ", aliases.Order(StringComparer.Ordinal).Select(a => "@" + a));
    }

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A gRPC status the gateway answers with.</summary>
    internal readonly record struct Refusal(StatusCode Code, string Message);
}
