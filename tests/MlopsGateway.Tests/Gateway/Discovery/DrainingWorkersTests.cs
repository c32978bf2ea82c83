using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Tests.Gateway.Discovery;

/// <summary>A worker's draining mark takes it out of every cluster for the reactivation period.</summary>
public sealed class DrainingWorkersTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Health _health = new();
    private readonly FailureRate _failureRate = new();
    private readonly ClusterState _all = Cluster("workers", ("w1", "http://a:1/"), ("w2", "http://b:1"));
    private readonly ClusterState _model = Cluster("model/m", ("w1", "http://a:1"));
    private readonly ServiceProvider _services;
    private readonly DrainingWorkers _policy;

    public DrainingWorkersTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDestinationHealthUpdater>(_health);
        services.AddSingleton<IProxyStateLookup>(new Lookup([_all, _model]));
        services.AddSingleton<IPassiveHealthCheckPolicy>(_failureRate);
        _services = services.BuildServiceProvider();
        _policy = new DrainingWorkers(_services, _time, Options.Create(new GatewayOptions { PassiveHealthReactivationPeriod = TimeSpan.FromSeconds(10) }),
            NullLogger<DrainingWorkers>.Instance);
    }

    private static ClusterState Cluster(string id, params (string Id, string Address)[] destinations)
    {
        var cluster = new ClusterState(id);
        foreach (var (destinationId, address) in destinations)
        {
            cluster.Destinations[destinationId] = new DestinationState(destinationId, new DestinationModel(new DestinationConfig { Address = address }));
        }
        return cluster;
    }

    private static HttpContext Call(bool draining)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new GatewayRequest("ModelInfer", MethodScope.Model, 0) { WorkerDraining = draining });
        return context;
    }

    [Fact]
    public void RequestProxied_DrainingMark_TakesTheWorkerOutOfEveryCluster()
    {
        _policy.RequestProxied(Call(draining: true), _all, _all.Destinations["w1"]);

        Assert.Equal(["model/m/w1", "workers/w1"], _health.Passive.Select(p => $"{p.Cluster.ClusterId}/{p.Destination.DestinationId}").Order());
        Assert.All(_health.Passive, p => Assert.Equal(TimeSpan.FromSeconds(10), p.Period));
        Assert.Empty(_failureRate.Calls);
    }

    [Fact]
    public void RequestProxied_AnswersWhileOut_DoNotReachTheFailureRateUntilThePeriodEnds()
    {
        var w1 = _all.Destinations["w1"];
        _policy.RequestProxied(Call(draining: true), _all, w1);

        _policy.RequestProxied(Call(draining: false), _all, w1);
        _time.Advance(TimeSpan.FromSeconds(10));
        _policy.RequestProxied(Call(draining: false), _all, w1);

        // DestinationState enumerates itself, so compare ids.
        Assert.Equal(["w1"], _failureRate.Calls.Select(d => d.DestinationId));
    }

    [Fact]
    public void RequestProxied_NoMark_FailureRateDecides()
    {
        var w2 = _all.Destinations["w2"];

        _policy.RequestProxied(Call(draining: false), _all, w2);

        Assert.Equal(["w2"], _failureRate.Calls.Select(d => d.DestinationId));
        Assert.Empty(_health.Passive);
    }

    public void Dispose() => _services.Dispose();

    private sealed class Health : IDestinationHealthUpdater
    {
        public List<(ClusterState Cluster, DestinationState Destination, TimeSpan Period)> Passive { get; } = [];

        public void SetActive(ClusterState cluster, IEnumerable<NewActiveDestinationHealth> newHealthStates)
        {
        }

        public void SetPassive(ClusterState cluster, DestinationState destination, DestinationHealth newHealth, TimeSpan reactivationPeriod)
        {
            Assert.Equal(DestinationHealth.Unhealthy, newHealth);
            Passive.Add((cluster, destination, reactivationPeriod));
        }
    }

    private sealed class FailureRate : IPassiveHealthCheckPolicy
    {
        public List<DestinationState> Calls { get; } = [];

        public string Name => HealthCheckConstants.PassivePolicy.TransportFailureRate;

        public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination) => Calls.Add(destination);
    }

    private sealed class Lookup(IReadOnlyList<ClusterState> clusters) : IProxyStateLookup
    {
        public bool TryGetRoute(string id, out RouteModel route) => throw new NotSupportedException();

        public IEnumerable<RouteModel> GetRoutes() => [];

        public bool TryGetCluster(string id, out ClusterState cluster)
        {
            cluster = clusters.FirstOrDefault(c => c.ClusterId == id)!;
            return cluster is not null;
        }

        public IEnumerable<ClusterState> GetClusters() => clusters;
    }
}
