using System.Diagnostics.Metrics;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Telemetry;
using MlopsGateway.Registry;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Tests.Gateway.Forwarding;

/// <summary>The forwarding side's steps and parts that run without a worker: request metrics, the retry's choice of workers.</summary>
public sealed class ForwardingStepTests : IDisposable
{
    private readonly GatewayMetrics _metrics = new();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, Dictionary<string, string?> Tags)> _recorded = [];

    public ForwardingStepTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value?.ToString();
        }
        _recorded.Add((instrument.Name, copy));
    }

    [Fact]
    public async Task RequestMetrics_AfterTheAnswer_CountsItByDecisionAndStatus()
    {
        var call = new StepContext();
        var request = call.Started();
        request.Prefix = new("propensity", "", 10, 12);

        await new RequestMetricsStep(_metrics, MetricLabelsTests.Labels(new RouteRecord("propensity", "1", Canary: "2", CanaryWeight: 10)), new CallTelemetry()).InvokeAsync(call.Http, () =>
        {
            // What the later steps decide and answer.
            request.Decision = new RouteDecision("2", RouteKind.Canary, null);
            call.Http.Response.Headers["grpc-status"] = "14";
            return Task.CompletedTask;
        });

        var counted = Assert.Single(_recorded, r => r.Instrument == "mlops.gateway.requests").Tags;
        Assert.Equal(("ModelInfer", "propensity", "2", "canary", "Unavailable"),
            (counted["method"], counted["model"], counted["version"], counted["decision"], counted["status"]));
        Assert.Single(_recorded, r => r.Instrument == "mlops.gateway.request.duration");
    }

    [Theory]
    [InlineData("0", "OK")]
    [InlineData("16", "Unauthenticated")]
    [InlineData("99", "Unknown")]
    [InlineData("x", "Unknown")]
    public void StatusName_Code_Named(string code, string name)
    {
        Assert.Equal(name, GrpcStatusReader.NameOf(code));
    }

    [Fact]
    public void Others_TheFailedWorkerLeftOut()
    {
        var cluster = Cluster("w1", "w2", "w3");
        var failed = cluster.Destinations["w2"];

        var others = RetryStep.Others(cluster, failed);

        // DestinationState enumerates itself, so compare ids.
        Assert.Equal(["w1", "w3"], others.Select(d => d.DestinationId).Order());
    }

    [Fact]
    public void Others_OnlyTheFailedOneAvailable_FallsBackToEveryOtherWorker()
    {
        var cluster = Cluster("w1", "w2");
        var failed = cluster.Destinations["w1"];
        cluster.DestinationsState = new ClusterDestinationsState([.. cluster.Destinations.Values], [failed]);

        var others = RetryStep.Others(cluster, failed);

        Assert.Equal(["w2"], others.Select(d => d.DestinationId));
    }

    [Fact]
    public void Others_SingleWorker_None()
    {
        var cluster = Cluster("w1");

        Assert.Empty(RetryStep.Others(cluster, cluster.Destinations["w1"]));
    }

    private static ClusterState Cluster(params string[] ids)
    {
        var cluster = new ClusterState("c");
        foreach (var id in ids)
        {
            cluster.Destinations[id] = new DestinationState(id, new DestinationModel(new DestinationConfig { Address = $"http://{id}:1" }));
        }
        DestinationState[] all = [.. cluster.Destinations.Values];
        cluster.DestinationsState = new ClusterDestinationsState(all, all);
        return cluster;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
    }
}
