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

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void AddMlopsGateway_CpuLimitOutOfRange_Refused(double limit)
    {
        using var provider = GatewayPassiveHealthOptionsTests.Services(o => o.ShadowCpuLimit = limit);

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayOptions>>().Value);

        Assert.StartsWith("ShadowCpuLimit: must be above 0 and at most 100 (percent; 100 never yields)", Assert.Single(ex.Failures), StringComparison.Ordinal);
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
