using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Gateway.Routing;

public class RouteSelectorTests
{
    private static readonly RouteRecord s_canary = new("propensity", "1", Canary: "2", CanaryWeight: 10);

    [Theory]
    [InlineData(10.0)]
    [InlineData(33.3)]
    [InlineData(0.5)]
    public void Select_CanaryWeight_SplitWithinTwoPointsOverTenThousand(double weight)
    {
        var selector = new RouteSelector(RandomSource.Seeded(42));
        var route = s_canary with { CanaryWeight = weight };

        var canary = Enumerable.Range(0, 10_000).Count(_ => selector.Select(route, "", null, "2").Kind == RouteKind.Canary);

        Assert.InRange(canary / 100.0, weight - 2, weight + 2);
    }

    [Fact]
    public void Select_RoutingKeys_SplitWithinTwoPointsAndEachKeyStable()
    {
        var selector = new RouteSelector(RandomSource.Seeded(1));
        var route = s_canary with { CanaryWeight = 25 };
        var keys = Enumerable.Range(0, 10_000).Select(i => $"customer-{i}").ToArray();

        var first = keys.Select(k => selector.Select(route, "", k, "2").Version).ToArray();
        var again = keys.Select(k => selector.Select(route, "", k, "2").Version).ToArray();

        Assert.Equal(first, again);
        Assert.InRange(first.Count(v => v == "2") / 100.0, 23, 27);
    }

    [Fact]
    public void Select_WeightRaised_StickyKeysOnlyMoveFromStableToCanary()
    {
        var selector = new RouteSelector(RandomSource.Seeded(1));
        var keys = Enumerable.Range(0, 2_000).Select(i => $"k{i}").ToArray();

        var at10 = keys.Select(k => selector.Select(s_canary, "", k, "2").Kind).ToArray();
        var at50 = keys.Select(k => selector.Select(s_canary with { CanaryWeight = 50 }, "", k, "2").Kind).ToArray();

        Assert.All(Enumerable.Range(0, keys.Length).Where(i => at10[i] == RouteKind.Canary), i => Assert.Equal(RouteKind.Canary, at50[i]));
        Assert.True(at50.Count(k => k == RouteKind.Canary) > at10.Count(k => k == RouteKind.Canary));
    }

    [Fact]
    public void StickyPoint_SameInputs_SameValueInRange()
    {
        var point = RouteSelector.StickyPoint("propensity", "customer-7");
        Assert.Equal(point, RouteSelector.StickyPoint("propensity", "customer-7"));
        Assert.InRange(point, 0, 100);
        Assert.NotEqual(point, RouteSelector.StickyPoint("churn", "customer-7"));
    }

    [Fact]
    public void Select_ExplicitVersion_Wins()
    {
        var selector = new RouteSelector(RandomSource.Seeded(3));
        var decision = selector.Select(s_canary with { CanaryWeight = 100 }, "1", "any-key", "2");
        Assert.Equal(new RouteDecision("1", RouteKind.Explicit, null), decision);
    }

    [Fact]
    public void Select_NoRoute_LatestVersion()
    {
        var decision = new RouteSelector(RandomSource.Seeded(3)).Select(null, "", null, "7");
        Assert.Equal(new RouteDecision("7", RouteKind.Latest, null), decision);
    }

    [Fact]
    public void Select_ShadowAtHundredPercent_EveryRequestShadowedUnlessItIsThePrimary()
    {
        var selector = new RouteSelector(RandomSource.Seeded(5));
        var route = new RouteRecord("propensity", "1", Shadow: "2", ShadowPercent: 100);

        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal("2", selector.Select(route, "", null, "2").ShadowVersion));
        Assert.Null(selector.Select(route, "2", null, "2").ShadowVersion);
    }

    [Fact]
    public void Select_ShadowPercent_SampledWithinTwoPoints()
    {
        var selector = new RouteSelector(RandomSource.Seeded(9));
        var route = new RouteRecord("propensity", "1", Shadow: "2", ShadowPercent: 20);

        var shadowed = Enumerable.Range(0, 10_000).Count(_ => selector.Select(route, "", null, "2").ShadowVersion is not null);

        Assert.InRange(shadowed / 100.0, 18, 22);
    }
}
