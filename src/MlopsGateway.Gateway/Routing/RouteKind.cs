namespace MlopsGateway.Gateway.Routing;

/// <summary>Why a request went to the version it went to; a metrics label.</summary>
internal enum RouteKind
{
    /// <summary>The model has no route: its latest registered version.</summary>
    Latest,

    /// <summary>The request named its version.</summary>
    Explicit,

    /// <summary>The route's stable version.</summary>
    Stable,

    /// <summary>The route's canary version, by weight.</summary>
    Canary,
}
