using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;

namespace MlopsGateway.Tests.Gateway;

/// <summary>The shadow settings are checked when the gateway starts, each problem named.</summary>
public class GatewayShadowOptionsTests
{
    [Theory]
    [InlineData(-1, 10_000)]
    [InlineData(2_000, 2_000)]
    public void AddMlopsGateway_GatherWindowNegativeOrNotBelowTimeout_Refused(int gatherMs, int timeoutMs)
    {
        using var provider = GatewayPassiveHealthOptionsTests.Services(o =>
        {
            o.ShadowGatherWindow = TimeSpan.FromMilliseconds(gatherMs);
            o.ShadowTimeout = TimeSpan.FromMilliseconds(timeoutMs);
        });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayOptions>>().Value);

        var failure = Assert.Single(ex.Failures);
        Assert.StartsWith("ShadowGatherWindow: must be at least 0 and shorter than ShadowTimeout", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void AddMlopsGateway_BytesInFlightBelowOne_Refused(long bytes)
    {
        using var provider = GatewayPassiveHealthOptionsTests.Services(o => o.MaxShadowBytesInFlight = bytes);

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayOptions>>().Value);

        Assert.Equal($"MaxShadowBytesInFlight: must be at least 1, not {bytes}.", Assert.Single(ex.Failures));
    }

    [Fact]
    public void AddMlopsGateway_Defaults_GatherShortAgainstTimeout()
    {
        using var provider = GatewayPassiveHealthOptionsTests.Services(_ => { });

        var options = provider.GetRequiredService<IOptions<GatewayOptions>>().Value;

        Assert.Equal(TimeSpan.FromMilliseconds(50), options.ShadowGatherWindow);
        Assert.True(options.ShadowGatherWindow * 100 <= options.ShadowTimeout);
    }
}
