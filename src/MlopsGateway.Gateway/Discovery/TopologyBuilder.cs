using System.Collections.Frozen;
using System.Net;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Turns workers (and static workers) into YARP routes and clusters: one cluster per model version,
/// one per model, one of every worker; each with active health checks against the workers'
/// <c>/healthz</c>, passive health, and power-of-two-choices load balancing. Static workers are
/// taken to serve every model and version. Workers not ready are left out. Free of DI and I/O.
/// </summary>
internal static class TopologyBuilder
{
    public const string RouteId = "oip";

    /// <summary>The route of mlops.v1.Explain, forwarded to the workers as inference is.</summary>
    public const string ExplainRouteId = "explain";

    /// <summary>The path prefix of mlops.v1.Explain.</summary>
    public const string ExplainService = "/mlops.v1.Explain/";

    /// <summary>The config and topology for <paramref name="workers"/>, and a signature equal for equal configs.</summary>
    public static WorkerTopology Build(IReadOnlyList<WorkerRecord> workers, IReadOnlyList<string> staticWorkers, GatewayOptions options)
    {
        var ready = workers.Where(w => w.Ready).ToArray();
        var staticDestinations = staticWorkers.Select((address, i) => ($"static-{i}", address.TrimEnd('/'))).ToArray();
        var clusters = new List<ClusterConfig>
        {
            Cluster(ProxyTopology.AllCluster, ready.Select(w => (w.Id, w.Address)).Concat(staticDestinations), options),
        };
        var models = new Dictionary<string, ProxyTopology.ModelClusters>(StringComparer.Ordinal);
        foreach (var model in ready.SelectMany(w => w.Models).Select(m => m.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var anyId = ProxyTopology.ModelCluster(model);
            clusters.Add(Cluster(anyId, ready.Where(w => w.Models.Any(m => m.Model == model)).Select(w => (w.Id, w.Address)).Concat(staticDestinations), options));
            var versions = WorkerStore.VersionsOf(ready, model);
            var versionIds = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var version in versions)
            {
                var id = ProxyTopology.VersionCluster(model, version);
                versionIds[version] = id;
                clusters.Add(Cluster(id, ready.Where(w => w.Serves(model, version)).Select(w => (w.Id, w.Address)).Concat(staticDestinations), options));
            }
            models[model] = new ProxyTopology.ModelClusters(anyId, versionIds.ToFrozenDictionary(StringComparer.Ordinal), versions[^1]);
        }
        var topology = new ProxyTopology(models.ToFrozenDictionary(StringComparer.Ordinal), staticDestinations.Length > 0);
        var signature = string.Join(";", clusters.Select(c => c.ClusterId + "=" + string.Join(",", c.Destinations!.Select(d => d.Key + "@" + d.Value.Address))));
        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ProxyTopology.AllCluster,
            Match = new RouteMatch { Path = "/inference.GRPCInferenceService/{**method}" },
        };
        // The workers serve explanations too; the request path's steps treat them as model calls.
        var explain = new RouteConfig
        {
            RouteId = ExplainRouteId,
            ClusterId = ProxyTopology.AllCluster,
            Match = new RouteMatch { Path = ExplainService + "{**method}" },
        };
        return new WorkerTopology([route, explain], clusters, topology, signature);
    }

    private static ClusterConfig Cluster(string id, IEnumerable<(string Id, string Address)> destinations, GatewayOptions options) => new()
    {
        ClusterId = id,
        LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
        Destinations = destinations.ToDictionary(d => d.Id, d => new DestinationConfig { Address = d.Address }, StringComparer.Ordinal),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = options.HealthCheckInterval,
                Timeout = options.HealthCheckTimeout,
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = MetricsServiceCollectionExtensions.HealthPath,
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = DrainingWorkers.PolicyName,
                // YARP waits max(this, its DetectionWindowSize); the window follows PassiveHealthWindow
                // (GatewayServiceCollectionExtensions), not YARP's default 60 s.
                ReactivationPeriod = options.PassiveHealthReactivationPeriod,
            },
            // When every destination looks unhealthy, try them all rather than refuse outright.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        },
        HttpClient = new HttpClientConfig
        {
            // One HTTP/2 connection caps at the worker's stream limit (100 by default); open more under load.
            EnableMultipleHttp2Connections = true,
        },
        HttpRequest = new ForwarderRequestConfig
        {
            ActivityTimeout = options.UpstreamActivityTimeout,
            // Workers speak HTTP/2 only (h2c by prior knowledge, or h2 over TLS): never fall back to HTTP/1.1. Probes too.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        },
    };
}

/// <summary>What <see cref="TopologyBuilder.Build"/> made; <c>Signature</c> is equal for configs with the same clusters and destinations.</summary>
internal sealed record WorkerTopology(
    IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters, ProxyTopology Topology, string Signature);
