using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Keeps YARP's routes and clusters (an <see cref="InMemoryConfigProvider"/>) and the
/// <see cref="ProxyTopology"/> the request path reads in step with the snapshot's workers: a new
/// config is published whenever the set of workers or what they serve changes.
/// </summary>
internal sealed class WorkerProxyConfigProvider
{
    private readonly GatewayOptions _options;
    private readonly string[] _static;
    private readonly Lock _lock = new();
    private volatile ProxyTopology _topology;
    private string _signature;

    public WorkerProxyConfigProvider(SnapshotCache cache, IOptions<GatewayOptions> options)
    {
        _options = options.Value;
        _static = [.. _options.Workers];
        var built = TopologyBuilder.Build(cache.Current.Workers, _static, _options);
        _topology = built.Topology;
        _signature = built.Signature;
        Provider = new InMemoryConfigProvider(built.Routes, built.Clusters);
        cache.Changed += Update;
    }

    /// <summary>What YARP reads its config from.</summary>
    public InMemoryConfigProvider Provider { get; }

    /// <summary>The topology of the config last published.</summary>
    public ProxyTopology Topology => _topology;

    private void Update(GatewaySnapshot snapshot)
    {
        lock (_lock)
        {
            var built = TopologyBuilder.Build(snapshot.Workers, _static, _options);
            if (built.Signature == _signature)
            {
                return;
            }
            _signature = built.Signature;
            _topology = built.Topology;
            Provider.Update(built.Routes, built.Clusters);
        }
    }
}
