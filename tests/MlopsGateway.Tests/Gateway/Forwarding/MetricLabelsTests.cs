using System.Collections.Frozen;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Gateway.Forwarding;

/// <summary>Which model and version names a metric may carry: only those the gateway's topology or routes know.</summary>
public sealed class MetricLabelsTests
{
    /// <summary>Labels over <paramref name="routes"/> and workers serving propensity 1 and 3.</summary>
    internal static MetricLabels Labels(params RouteRecord[] routes)
    {
        var served = new ProxyTopology.ModelClusters("model/propensity",
            new Dictionary<string, string> { ["1"] = "model/propensity/1", ["3"] = "model/propensity/3" }.ToFrozenDictionary(), "3");
        var topology = new ProxyTopology(new Dictionary<string, ProxyTopology.ModelClusters> { ["propensity"] = served }.ToFrozenDictionary(), hasStatic: false);
        var table = routes.ToDictionary(r => r.Model, StringComparer.Ordinal);
        return new MetricLabels(() => table, () => topology);
    }

    [Theory]
    [InlineData("propensity", "1", "propensity", "1")]
    [InlineData("propensity", "3", "propensity", "3")]
    [InlineData("propensity", "", "propensity", "")]
    [InlineData("propensity", "2", "propensity", "2")] // the route's canary, served by no worker yet
    [InlineData("propensity", "9", "propensity", "other")]
    [InlineData("fraud", "4", "fraud", "4")] // routed, not served
    [InlineData("fraud", "5", "fraud", "other")]
    [InlineData("made-up", "1", "other", "other")]
    [InlineData("made-up", "", "other", "")]
    [InlineData("", "", "", "")]
    public void Of_Names_KnownKeptOthersOther(string model, string version, string expectedModel, string expectedVersion)
    {
        var labels = Labels(new RouteRecord("propensity", "1", Canary: "2", CanaryWeight: 5), new RouteRecord("fraud", "4"));

        Assert.Equal((expectedModel, expectedVersion), labels.Of(model, version));
    }

    [Fact]
    public void Of_AnsweredOkByAWorker_Kept()
    {
        // Static workers have no record; a worker answers an inference OK only for a version it loaded.
        Assert.Equal(("made-up", "7"), Labels().Of("made-up", "7", servedOk: true));
    }

    [Fact]
    public void Model_UnknownModel_Other()
    {
        var labels = Labels(new RouteRecord("fraud", "4"));

        Assert.Equal(("propensity", "fraud", "other"), (labels.Model("propensity"), labels.Model("fraud"), labels.Model("x" + new string('y', 1000))));
    }
}
