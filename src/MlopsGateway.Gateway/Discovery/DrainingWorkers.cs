using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// The workers' passive health policy: YARP's transport failure rate, and one more rule. A worker's
/// first answer marked <c>x-mlops-draining</c> (it is stopping cleanly: it answers what it was sent
/// but wants no more) takes it out of rotation in every cluster it belongs to, for
/// <see cref="GatewayOptions.PassiveHealthReactivationPeriod"/>. Calls it answers meanwhile do not
/// bring it back, as they would under the failure rate alone. This is how a worker given to the
/// gateway by address (<c>--worker</c>) leaves without failing calls; one discovered in Redis also
/// announces its departure there. Its <c>/healthz</c> fails while it drains, so active health keeps
/// it out once the mark lapses.
/// </summary>
internal sealed class DrainingWorkers(IServiceProvider services, TimeProvider time, IOptions<GatewayOptions> options, ILogger<DrainingWorkers> logger)
    : IPassiveHealthCheckPolicy
{
    /// <summary>The policy's name in the clusters' passive health config.</summary>
    public const string PolicyName = "MlopsDrainingOrTransportFailureRate";

    private readonly TimeSpan _out = options.Value.PassiveHealthReactivationPeriod;
    // Destinations taken out as draining, and until when (TimeProvider timestamps).
    private readonly ConcurrentDictionary<DestinationState, long> _drainingUntil = new();
    private IPassiveHealthCheckPolicy? _failureRate;

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        // The response transform notes the mark (and drops it from the answer).
        if (context.Features.Get<GatewayRequest>() is { WorkerDraining: true })
        {
            TakeOut(destination.Model.Config.Address);
            return;
        }
        if (!_drainingUntil.IsEmpty && _drainingUntil.TryGetValue(destination, out var until))
        {
            if (time.GetTimestamp() < until)
            {
                return;
            }
            _drainingUntil.TryRemove(destination, out _);
        }
        // Resolved on first use: the policies are resolved together, this one among them.
        _failureRate ??= services.GetServices<IPassiveHealthCheckPolicy>()
            .First(p => p.Name == HealthCheckConstants.PassivePolicy.TransportFailureRate);
        _failureRate.RequestProxied(context, cluster, destination);
    }

    private void TakeOut(string address)
    {
        var now = time.GetTimestamp();
        var until = now + (long)(_out.TotalSeconds * time.TimestampFrequency);
        var marked = false;
        // Resolved when needed: YARP builds the policies while it builds what these depend on.
        var health = services.GetRequiredService<IDestinationHealthUpdater>();
        foreach (var cluster in services.GetRequiredService<IProxyStateLookup>().GetClusters())
        {
            foreach (var destination in cluster.Destinations.Values)
            {
                if (string.Equals(destination.Model.Config.Address.TrimEnd('/'), address.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                {
                    // Logged once per drain, not for each answer that was already on its way.
                    marked |= !_drainingUntil.TryGetValue(destination, out var was) || was <= now;
                    _drainingUntil[destination] = until;
                    health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, _out);
                }
            }
        }
        if (marked)
        {
            GatewayLog.WorkerDraining(logger, address);
        }
    }
}
