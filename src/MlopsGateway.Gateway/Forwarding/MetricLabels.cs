using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// The model and version labels a metric may carry. Names come from the caller's request, so a
/// label is kept only for a model (and version) the gateway knows: served by a registered worker
/// or named by a route. Anything else is counted under <see cref="Other"/>, so no caller can create
/// Prometheus series at will. A model call a worker answered OK also keeps its labels: workers
/// answer OK only for versions they loaded, which keeps the set bounded behind static workers too.
/// </summary>
internal sealed class MetricLabels
{
    /// <summary>The label of every model or version the gateway does not know.</summary>
    public const string Other = "other";

    private readonly Func<IReadOnlyDictionary<string, RouteRecord>> _routes;
    private readonly Func<ProxyTopology> _topology;

    public MetricLabels(Func<IReadOnlyDictionary<string, RouteRecord>> routes, Func<ProxyTopology> topology)
    {
        _routes = routes;
        _topology = topology;
    }

    /// <summary>Labels following the current snapshot's routes and the published topology.</summary>
    public MetricLabels(SnapshotCache snapshots, WorkerProxyConfigProvider config)
        : this(() => snapshots.Current.Routes, () => config.Topology)
    {
    }

    /// <summary>The model's label.</summary>
    public string Model(string model) => model.Length == 0 || KnownModel(model, out _, out _) ? model : Other;

    /// <summary>The model's and version's labels; <paramref name="servedOk"/>: a worker answered the call OK.</summary>
    public (string Model, string Version) Of(string model, string version, bool servedOk = false)
    {
        if (servedOk || model.Length == 0)
        {
            return (model, version);
        }
        if (!KnownModel(model, out var clusters, out var route))
        {
            return (Other, version.Length == 0 ? "" : Other);
        }
        var known = version.Length == 0
            || (clusters is not null && clusters.Versions.ContainsKey(version))
            || (route is not null && (route.Stable == version || route.Canary == version || route.Shadow == version));
        return (model, known ? version : Other);
    }

    private bool KnownModel(string model, out ProxyTopology.ModelClusters? clusters, out RouteRecord? route)
    {
        var served = _topology().Models.TryGetValue(model, out clusters);
        var routed = _routes().TryGetValue(model, out route);
        return served || routed;
    }
}
