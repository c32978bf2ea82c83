using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Registry;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// What the gateway's active health checks (YARP's probes of each worker's <c>/healthz</c>) say of a
/// worker now, read from the cluster of every worker, where each ready worker is a destination under
/// its id. <see cref="WorkerGrace"/> asks it about workers whose record went missing.
/// </summary>
internal sealed class ActiveWorkerHealth(IServiceProvider services)
{
    private IProxyStateLookup? _proxy;

    public WorkerProbe Probe(WorkerRecord worker)
    {
        // Resolved on first use: YARP's state is built from the config provider, which is built from the snapshot cache.
        _proxy ??= services.GetService<IProxyStateLookup>();
        if (_proxy is null
            || !_proxy.TryGetCluster(ProxyTopology.AllCluster, out var all)
            || !all.Destinations.TryGetValue(worker.Id, out var destination)
            || !string.Equals(destination.Model.Config.Address.TrimEnd('/'), worker.Address.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            return WorkerProbe.Unknown;
        }
        return destination.Health.Active switch
        {
            DestinationHealth.Healthy => WorkerProbe.Answering,
            DestinationHealth.Unhealthy => WorkerProbe.NotAnswering,
            _ => WorkerProbe.Unknown,
        };
    }
}
