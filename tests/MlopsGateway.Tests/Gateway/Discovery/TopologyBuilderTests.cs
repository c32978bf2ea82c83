using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;
using static MlopsGateway.Tests.Gateway.Discovery.FakeSnapshotSource;

namespace MlopsGateway.Tests.Gateway.Discovery;

/// <summary>Workers to YARP clusters: per model version, per model, and all of them.</summary>
public class TopologyBuilderTests
{
    private static readonly GatewayOptions s_options = new();

    [Fact]
    public void Build_TwoVersions_ClusterPerVersionPerModelAndAll()
    {
        var built = TopologyBuilder.Build([WorkerAt("w1", ("m", "1")), WorkerAt("w2", ("m", "1"), ("m", "2"))], [], s_options);

        var clusters = built.Clusters.ToDictionary(c => c.ClusterId, c => c.Destinations!.Keys.Order().ToArray());
        Assert.Equal(["w1", "w2"], clusters[ProxyTopology.AllCluster]);
        Assert.Equal(["w1", "w2"], clusters[ProxyTopology.ModelCluster("m")]);
        Assert.Equal(["w1", "w2"], clusters[ProxyTopology.VersionCluster("m", "1")]);
        Assert.Equal(["w2"], clusters[ProxyTopology.VersionCluster("m", "2")]);
        var model = built.Topology.Models["m"];
        Assert.Equal("2", model.Latest);
        Assert.Equal(ProxyTopology.VersionCluster("m", "2"), model.Versions["2"]);
        Assert.False(built.Topology.HasStatic);
        Assert.Equal([("/inference.GRPCInferenceService/{**method}", ProxyTopology.AllCluster), ("/mlops.v1.Explain/{**method}", ProxyTopology.AllCluster)],
            built.Routes.Select(r => (r.Match.Path, r.ClusterId)));
    }

    [Fact]
    public void Build_WorkerNotReady_LeftOut()
    {
        var busy = WorkerAt("w2", ("m", "1")) with { Ready = false };

        var built = TopologyBuilder.Build([WorkerAt("w1", ("m", "1")), busy], [], s_options);

        Assert.All(built.Clusters, c => Assert.Equal(["w1"], c.Destinations!.Keys));
    }

    [Fact]
    public void Build_StaticWorkers_InEveryCluster()
    {
        var built = TopologyBuilder.Build([WorkerAt("w1", ("m", "1"))], ["http://static:9000/"], s_options);

        Assert.All(built.Clusters, c => Assert.Equal("http://static:9000", c.Destinations!["static-0"].Address));
        Assert.True(built.Topology.HasStatic);
    }

    [Fact]
    public void Build_ClusterSettings_FollowTheOptions()
    {
        var options = new GatewayOptions { HealthCheckInterval = TimeSpan.FromSeconds(7), PassiveHealthReactivationPeriod = TimeSpan.FromSeconds(30) };

        var cluster = TopologyBuilder.Build([], ["http://static:9000"], options).Clusters.Single();

        Assert.Equal(TimeSpan.FromSeconds(7), cluster.HealthCheck!.Active!.Interval);
        Assert.Equal(TimeSpan.FromSeconds(30), cluster.HealthCheck.Passive!.ReactivationPeriod);
        Assert.Equal(DrainingWorkers.PolicyName, cluster.HealthCheck.Passive.Policy);
    }

    [Fact]
    public void Build_SameWorkersNewHeartbeat_SameSignature_OtherAddress_Differs()
    {
        var before = TopologyBuilder.Build([WorkerAt("w1", ("m", "1"))], [], s_options);
        var heartbeat = WorkerAt("w1", ("m", "1")) with { HeartbeatAt = DateTimeOffset.UnixEpoch.AddMinutes(1) };
        var moved = WorkerAt("w1", ("m", "1")) with { Address = "http://elsewhere:1" };

        Assert.Equal(before.Signature, TopologyBuilder.Build([heartbeat], [], s_options).Signature);
        Assert.NotEqual(before.Signature, TopologyBuilder.Build([moved], [], s_options).Signature);
    }

    [Fact]
    public void Build_NoWorkers_OnlyTheEmptyAllCluster()
    {
        var built = TopologyBuilder.Build(Array.Empty<WorkerRecord>(), [], s_options);

        Assert.Equal(ProxyTopology.AllCluster, Assert.Single(built.Clusters).ClusterId);
        Assert.Empty(built.Topology.Models);
    }
}
