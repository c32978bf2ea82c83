using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Registry;

public class RouteValidatorTests
{
    [Fact]
    public void Validate_ServedVersionsAndPercentages_NoErrors()
    {
        var route = new RouteRecord("m", "1", Canary: "2", CanaryWeight: 12.5, Shadow: "3", ShadowPercent: 100);
        Assert.Empty(RouteValidator.Validate(route, ["1", "2", "3"]));
    }

    [Fact]
    public void Validate_EveryProblem_ListedAtOnce()
    {
        var route = new RouteRecord("m", "9", Canary: "8", CanaryWeight: 101, Shadow: null, ShadowPercent: 5);

        var errors = RouteValidator.Validate(route, ["1", "2"]);

        Assert.Contains(errors, e => e.StartsWith("Stable version '9'", StringComparison.Ordinal) && e.Contains("served: 1, 2"));
        Assert.Contains(errors, e => e.StartsWith("Canary version '8'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Canary weight must be between 0 and 100", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Shadow percent is 5%", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Validate_RegisteredWorkersNotRequired_UnservedVersionsPassRangesStillChecked()
    {
        var route = new RouteRecord("m", "9", Canary: "8", CanaryWeight: 101, Shadow: "7", ShadowPercent: -1);

        var errors = RouteValidator.Validate(route, [], requireRegisteredWorkers: false);

        Assert.Equal(2, errors.Count);
        Assert.StartsWith("Canary weight must be between 0 and 100", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Shadow percent must be between 0 and 100", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Unserved_SomeVersionsServed_TheOthersOnceInRouteOrder()
    {
        Assert.Equal(["4"], RouteValidator.Unserved(new RouteRecord("m", "4", Canary: "2", CanaryWeight: 5, Shadow: "4", ShadowPercent: 5), ["2"]));
        Assert.Equal(["6", "5"], RouteValidator.Unserved(new RouteRecord("m", "6", Shadow: "5", ShadowPercent: 5), []));
        Assert.Empty(RouteValidator.Unserved(new RouteRecord("m", "1", Canary: "2", CanaryWeight: 5), ["1", "2"]));
    }

    [Fact]
    public void Validate_CanaryEqualsStable_Refused()
    {
        Assert.Single(RouteValidator.Validate(new RouteRecord("m", "1", Canary: "1", CanaryWeight: 5), ["1"]));
    }
}
