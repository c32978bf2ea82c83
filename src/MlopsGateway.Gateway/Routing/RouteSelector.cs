using System.Text;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Picks a version for one request from the model's route: the version the request names; else
/// the canary for its weight's share and the stable version otherwise. With a routing key the
/// share is decided by a hash of (model, key), so a key keeps its version while the weight stays
/// put, and raising the weight only moves keys from stable to canary. Free of I/O and DI.
/// </summary>
internal sealed class RouteSelector
{
    private readonly RandomSource _random;

    public RouteSelector(RandomSource random)
    {
        _random = random;
    }

    /// <summary>
    /// The decision for a request to <paramref name="route"/>'s model (null: the model has no route)
    /// naming <paramref name="requestedVersion"/> ("" for none) with <paramref name="routingKey"/>
    /// (null for none); <paramref name="latest"/> serves models without a route.
    /// </summary>
    public RouteDecision Select(RouteRecord? route, string requestedVersion, string? routingKey, string latest)
    {
        var shadow = route is { Shadow: { } shadowVersion, ShadowPercent: > 0 } && Sample(route.ShadowPercent) ? shadowVersion : null;
        if (requestedVersion.Length > 0)
        {
            return new RouteDecision(requestedVersion, RouteKind.Explicit, shadow == requestedVersion ? null : shadow);
        }
        if (route is null)
        {
            return new RouteDecision(latest, RouteKind.Latest, null);
        }
        if (route is { Canary: { } canary, CanaryWeight: > 0 })
        {
            var point = string.IsNullOrEmpty(routingKey) ? _random.NextDouble() * 100 : StickyPoint(route.Model, routingKey);
            if (point < route.CanaryWeight)
            {
                return new RouteDecision(canary, RouteKind.Canary, shadow == canary ? null : shadow);
            }
        }
        return new RouteDecision(route.Stable, RouteKind.Stable, shadow == route.Stable ? null : shadow);
    }

    /// <summary>
    /// Where a routing key falls in [0, 100): FNV-1a over the model and key, so every gateway and
    /// every restart agrees (string.GetHashCode is randomised per process).
    /// </summary>
    public static double StickyPoint(string model, string routingKey)
    {
        const ulong offset = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offset;
        Span<byte> buffer = stackalloc byte[256];
        foreach (var part in (ReadOnlySpan<string>)[model, "\n", routingKey])
        {
            var bytes = Encoding.UTF8.GetByteCount(part) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(part, buffer)] : Encoding.UTF8.GetBytes(part);
            foreach (var b in bytes)
            {
                hash = (hash ^ b) * prime;
            }
        }
        // A final mix spreads FNV's weak low bits before taking a share of a million.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccd;
        hash ^= hash >> 33;
        return (hash % 1_000_000) / 10_000.0;
    }

    private bool Sample(double percent) => percent >= 100 || _random.NextDouble() * 100 < percent;
}
