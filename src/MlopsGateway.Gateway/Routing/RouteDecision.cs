namespace MlopsGateway.Gateway.Routing;

/// <summary>Where one request goes.</summary>
/// <param name="Version">The version to serve it ("" lets the worker choose its latest).</param>
/// <param name="Kind">Why that version.</param>
/// <param name="ShadowVersion">A version to copy the request to, or null.</param>
internal readonly record struct RouteDecision(string Version, RouteKind Kind, string? ShadowVersion);
