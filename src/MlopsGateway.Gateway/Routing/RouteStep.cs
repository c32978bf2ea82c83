using Grpc.Core;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Versions;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Step 8: picks the version from the model's route (<see cref="RouteSelector"/>), an alias the call
/// names resolved (<see cref="VersionGate"/>), and the YARP cluster of workers serving it, and hands
/// the call to that cluster. A retired version, or one past its sunset that the call pins, is refused
/// FAILED_PRECONDITION naming its replacement; a deprecated one is served with the <c>deprecation</c>,
/// <c>sunset</c> and <c>link</c> headers and its caller counted. UNAVAILABLE when no worker is registered at all.
/// </summary>
internal sealed class RouteStep(
    SnapshotCache snapshots, WorkerProxyConfigProvider config, IProxyStateLookup proxyState, RouteSelector selector, CallerCounts callers, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var topology = config.Topology;
        if (request.Scope == MethodScope.Model)
        {
            var catalog = snapshots.Current.Catalog;
            var prefix = request.Prefix;
            if (!VersionGate.TryResolve(catalog, prefix.Name, prefix.Version, out var requested, out var refusal))
            {
                return GrpcErrorWriter.WriteAsync(context, refusal.Code, refusal.Message);
            }
            request.Decision = Decide(context, request, topology, requested);
            var pinned = prefix.Version.Length > 0 && !ModelCatalog.IsAlias(prefix.Version);
            var now = time.GetUtcNow();
            if (!VersionGate.Admits(catalog, prefix.Name, request.Decision, pinned, now, out var notice, out refusal))
            {
                return GrpcErrorWriter.WriteAsync(context, refusal.Code, refusal.Message);
            }
            if (notice is { Deprecated: true })
            {
                Announce(context, notice);
                callers.Record(notice.Model, notice.Version, request.Caller?.Id ?? "", now.ToUnixTimeMilliseconds());
            }
        }
        var cluster = FindCluster(topology, request.Model, request.Decision.Version);
        if (cluster is null)
        {
            return GrpcErrorWriter.WriteAsync(context, StatusCode.Unavailable,
                (request.Model.Length == 0 ? "No worker is registered with this gateway" : $"No worker is registered for model '{request.Model}'")
                + ". The request did not run; it is safe to retry once a worker is up ('mlops workers' lists them).");
        }
        request.Cluster = cluster;
        context.ReassignProxyRequest(cluster);
        return next();
    }

    /// <summary>The version's deprecation on the answer's headers, set before the forwarder adds the worker's.</summary>
    private static void Announce(HttpContext context, VersionNotice notice)
    {
        var headers = context.Response.Headers;
        headers[GatewayHeaders.Deprecation] = notice.DeprecationHeader;
        if (notice.SunsetHeader is { } sunset)
        {
            headers[GatewayHeaders.Sunset] = sunset;
        }
        if (notice.LinkHeader is { } link)
        {
            headers[GatewayHeaders.Link] = link;
        }
    }

    private RouteDecision Decide(HttpContext context, GatewayRequest request, ProxyTopology topology, string requested)
    {
        var model = request.Prefix.Name;
        if (request.Method == MethodScopeStep.Explain)
        {
            // An explanation is of one version: the one asked for, else the route's stable one, never a canary
            // drawn by weight (two explanations of one row would differ by chance), and never shadowed.
            var stable = snapshots.Current.Routes.TryGetValue(model, out var explained) ? explained.Stable : null;
            return requested.Length > 0 ? new RouteDecision(requested, RouteKind.Explicit, null)
                : stable is not null ? new RouteDecision(stable, RouteKind.Stable, null)
                : new RouteDecision(topology.Models.TryGetValue(model, out var served) ? served.Latest : "", RouteKind.Latest, null);
        }
        if (request.Method != "ModelInfer")
        {
            // Metadata and readiness go where the caller asked, or to any worker serving the model.
            return new RouteDecision(requested, requested.Length > 0 ? RouteKind.Explicit : RouteKind.Latest, null);
        }
        var latest = topology.Models.TryGetValue(model, out var clusters) ? clusters.Latest : "";
        snapshots.Current.Routes.TryGetValue(model, out var route);
        var routingKey = context.Request.Headers[GatewayHeaders.RoutingKey];
        return selector.Select(route, requested, routingKey.Count > 0 ? routingKey[0] : null, latest);
    }

    /// <summary>
    /// The cluster for <paramref name="version"/> of <paramref name="model"/>; any worker of the model
    /// when no registered worker serves that version (the worker then answers NOT_FOUND with what it
    /// serves); every worker for server calls and unknown models; null when there is none at all.
    /// </summary>
    private ClusterState? FindCluster(ProxyTopology topology, string model, string version)
    {
        if (model.Length > 0 && topology.Models.TryGetValue(model, out var clusters))
        {
            if (version.Length > 0 && clusters.Versions.TryGetValue(version, out var versionCluster)
                && proxyState.TryGetCluster(versionCluster, out var exact) && exact.DestinationsState.AllDestinations.Count > 0)
            {
                return exact;
            }
            if (proxyState.TryGetCluster(clusters.AnyVersion, out var any) && any.DestinationsState.AllDestinations.Count > 0)
            {
                return any;
            }
        }
        return proxyState.TryGetCluster(ProxyTopology.AllCluster, out var all) && all.DestinationsState.AllDestinations.Count > 0 ? all : null;
    }
}
