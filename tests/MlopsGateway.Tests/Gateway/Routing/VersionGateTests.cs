using Grpc.Core;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Gateway.Routing;

public sealed class VersionGateTests
{
    private static readonly DateTimeOffset s_deprecated = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_sunset = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly ModelCatalog s_catalog = new([
        new CatalogModel("m", new Dictionary<string, string> { ["champion"] = "2", ["old"] = "1" }, [
            new VersionNotice("m", "1", s_deprecated, s_sunset, "2", "moved to v2", null),
            new VersionNotice("m", "0", s_deprecated, s_sunset, "2", null, s_deprecated.AddDays(1)),
        ]),
    ]);

    [Fact]
    public void TryResolve_Alias_TheVersionItNames()
    {
        Assert.True(VersionGate.TryResolve(s_catalog, "m", "@champion", out var version, out _));
        Assert.Equal("2", version);
        Assert.True(VersionGate.TryResolve(s_catalog, "m", "1", out version, out _));
        Assert.Equal("1", version);
    }

    [Fact]
    public void TryResolve_UnknownAlias_NotFoundNamingTheAliases()
    {
        Assert.False(VersionGate.TryResolve(s_catalog, "m", "@nope", out _, out var refusal));
        Assert.Equal(StatusCode.NotFound, refusal.Code);
        Assert.Contains("@champion, @old", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Admits_PinnedPastSunset_RefusedNamingTheReplacement_UnpinnedServed()
    {
        var decision = new RouteDecision("1", RouteKind.Explicit, null);
        Assert.False(VersionGate.Admits(s_catalog, "m", decision, pinned: true, s_sunset, out _, out var refusal));
        Assert.Equal(StatusCode.FailedPrecondition, refusal.Code);
        Assert.Contains("Call version 2, its replacement", refusal.Message, StringComparison.Ordinal);

        Assert.True(VersionGate.Admits(s_catalog, "m", decision, pinned: true, s_sunset.AddSeconds(-1), out var notice, out _));
        Assert.True(notice!.Deprecated);
        // The route (or an alias) still naming it after the sunset: served, with the headers.
        Assert.True(VersionGate.Admits(s_catalog, "m", decision with { Kind = RouteKind.Stable }, pinned: false, s_sunset, out notice, out _));
        Assert.Equal("@" + s_deprecated.ToUnixTimeSeconds(), notice!.DeprecationHeader);
        Assert.Equal("Tue, 01 Dec 2026 00:00:00 GMT", notice.SunsetHeader);
        Assert.Equal("<mlops://models/m/versions/2>; rel=\"successor-version\"", notice.LinkHeader);
    }

    [Fact]
    public void Admits_Retired_RefusedPinnedOrNot()
    {
        var decision = new RouteDecision("0", RouteKind.Stable, null);
        Assert.False(VersionGate.Admits(s_catalog, "m", decision, pinned: false, s_deprecated, out _, out var refusal));
        Assert.Equal(StatusCode.FailedPrecondition, refusal.Code);
        Assert.Contains("retired", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("version 2", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Admits_NoNotice_Served()
    {
        Assert.True(VersionGate.Admits(s_catalog, "m", new RouteDecision("2", RouteKind.Explicit, null), pinned: true, s_sunset, out var notice, out _));
        Assert.Null(notice);
    }

    [Fact]
    public void Resolve_RouteNamingAliases_FollowsThem_UnsetAliasReported()
    {
        var faults = new List<RecordFault>();
        var route = s_catalog.Resolve(new RouteRecord("m", "@old", "@champion", 10, "@gone", 5), faults);

        Assert.Equal(("1", "2", 10.0), (route.Stable, route.Canary, route.CanaryWeight));
        Assert.Null(route.Shadow);
        Assert.Equal(0, route.ShadowPercent);
        Assert.Contains("@gone", Assert.Single(faults).Fault, StringComparison.Ordinal);

        // An unset stable alias stays as written, so that calls are refused naming it.
        route = ModelCatalog.Empty.Resolve(new RouteRecord("m", "@old"), faults);
        Assert.Equal("@old", route.Stable);
        Assert.False(VersionGate.Admits(ModelCatalog.Empty, "m", new RouteDecision(route.Stable, RouteKind.Stable, null), false, s_sunset, out _, out var refusal));
        Assert.Equal(StatusCode.FailedPrecondition, refusal.Code);
    }
}
