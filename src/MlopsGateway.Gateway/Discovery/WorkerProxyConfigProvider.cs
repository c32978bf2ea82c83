using System.Collections.Frozen;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Turns the snapshot's workers (and static workers) into YARP routes and clusters: one cluster per
/// model version, one per model, one of every worker; each with active health checks against the
/// workers' <c>/healthz</c>, passive health, and power-of-two-choices load balancing. A new config is
/// published whenever the set of workers or what they serve changes.
/// </summary>
internal sealed class WorkerProxyConfigProvider : IProxyConfigProvider
{
    public const string RouteId = "oip";

    private readonly GatewayOptions _options;
    private readonly string[] _static;
    private readonly Lock _lock = new();
    private volatile Config _config;
    private volatile ProxyTopology _topology = ProxyTopology.Empty;
    private string _signature = "";

    public WorkerProxyConfigProvider(SnapshotCache cache, IOptions<GatewayOptions> options)
    {
        _options = options.Value;
        _static = _options.Workers.Select(w => w.TrimEnd('/')).ToArray();
        _config = Build(cache.Current, out var topology, out _signature);
        _topology = topology;
        cache.Changed += Update;
    }

    /// <summary>The topology of the config last published.</summary>
    public ProxyTopology Topology => _topology;

    public IProxyConfig GetConfig() => _config;

    private void Update(GatewaySnapshot snapshot)
    {
        lock (_lock)
        {
            var config = Build(snapshot, out var topology, out var signature);
            if (signature == _signature)
            {
                return;
            }
            _signature = signature;
            var old = _config;
            _config = config;
            _topology = topology;
            old.SignalChange();
        }
    }

    private Config Build(GatewaySnapshot snapshot, out ProxyTopology topology, out string signature)
    {
        var ready = snapshot.Workers.Where(w => w.Ready).ToArray();
        var staticDestinations = _static.Select((address, i) => ($"static-{i}", address)).ToArray();
        var clusters = new List<ClusterConfig>
        {
            Cluster(ProxyTopology.AllCluster, ready.Select(w => (w.Id, w.Address)).Concat(staticDestinations)),
        };
        var models = new Dictionary<string, ProxyTopology.ModelClusters>(StringComparer.Ordinal);
        foreach (var model in ready.SelectMany(w => w.Models).Select(m => m.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var anyId = ProxyTopology.ModelCluster(model);
            clusters.Add(Cluster(anyId, ready.Where(w => w.Models.Any(m => m.Model == model)).Select(w => (w.Id, w.Address)).Concat(staticDestinations)));
            var versions = WorkerStore.VersionsOf(ready, model);
            var versionIds = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var version in versions)
            {
                var id = ProxyTopology.VersionCluster(model, version);
                versionIds[version] = id;
                clusters.Add(Cluster(id, ready.Where(w => w.Serves(model, version)).Select(w => (w.Id, w.Address)).Concat(staticDestinations)));
            }
            models[model] = new ProxyTopology.ModelClusters(anyId, versionIds.ToFrozenDictionary(StringComparer.Ordinal), versions[^1]);
        }
        topology = new ProxyTopology(models.ToFrozenDictionary(StringComparer.Ordinal), _static.Length > 0);
        signature = string.Join(";", clusters.Select(c => c.ClusterId + "=" + string.Join(",", c.Destinations!.Select(d => d.Key + "@" + d.Value.Address))));
        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ProxyTopology.AllCluster,
            Match = new RouteMatch { Path = "/inference.GRPCInferenceService/{**method}" },
        };
        return new Config([route], clusters);
    }

    private ClusterConfig Cluster(string id, IEnumerable<(string Id, string Address)> destinations) => new()
    {
        ClusterId = id,
        LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
        Destinations = destinations.ToDictionary(d => d.Id, d => new DestinationConfig { Address = d.Address }, StringComparer.Ordinal),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = _options.HealthCheckInterval,
                Timeout = _options.HealthCheckTimeout,
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = MetricsServiceCollectionExtensions.HealthPath,
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = DrainingWorkers.PolicyName,
                // YARP waits max(this, its DetectionWindowSize); the window follows PassiveHealthWindow
                // (GatewayServiceCollectionExtensions), not YARP's default 60 s.
                ReactivationPeriod = _options.PassiveHealthReactivationPeriod,
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
            ActivityTimeout = _options.UpstreamActivityTimeout,
            // Workers speak HTTP/2 without TLS (h2c, prior knowledge): never fall back to HTTP/1.1. Probes too.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        },
    };

    private sealed class Config : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public Config(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters)
        {
            Routes = routes;
            Clusters = clusters;
            ChangeToken = new CancellationChangeToken(_changed.Token);
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IChangeToken ChangeToken { get; }

        public string RevisionId { get; } = Guid.NewGuid().ToString("N");

        public void SignalChange() => _changed.Cancel();
    }
}
