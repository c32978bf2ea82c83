using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using Yarp.ReverseProxy.Health;

namespace MlopsGateway.Tests.Gateway;

/// <summary>The gateway's passive health settings: validated, and the ones YARP's failure-rate policy reads.</summary>
public class GatewayPassiveHealthOptionsTests
{
    /// <summary>The gateway's services as <c>AddMlopsGateway</c> registers them, options not yet validated.</summary>
    internal static ServiceProvider Services(Action<GatewayOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMlopsGateway(configure);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddMlopsGateway_Defaults_YarpPolicyWindowShorterThanReactivation()
    {
        using var services = Services(_ => { });

        var policy = services.GetRequiredService<IOptions<TransportFailureRateHealthPolicyOptions>>().Value;
        var gateway = services.GetRequiredService<IOptions<GatewayOptions>>().Value;

        // YARP's own default window (60 s) would keep a recovered worker out for a minute.
        Assert.Equal(gateway.PassiveHealthWindow, policy.DetectionWindowSize);
        Assert.True(policy.DetectionWindowSize < gateway.PassiveHealthReactivationPeriod);
        Assert.Equal(gateway.PassiveHealthMinimumCalls, policy.MinimalTotalCountThreshold);
        Assert.Equal(gateway.PassiveHealthFailureRate, policy.DefaultFailureRateLimit);
    }

    [Fact]
    public void AddMlopsGateway_PassiveHealthInvalid_EveryProblemListed()
    {
        using var services = Services(o =>
        {
            o.PassiveHealthWindow = TimeSpan.FromSeconds(10);
            o.PassiveHealthReactivationPeriod = TimeSpan.FromSeconds(10);
            o.PassiveHealthMinimumCalls = 0;
            o.PassiveHealthFailureRate = 1.5;
        });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<GatewayOptions>>().Value);

        Assert.Equal(3, ex.Failures.Count());
        Assert.Contains(ex.Failures, f => f.StartsWith("PassiveHealthReactivationPeriod: must be at least PassiveHealthWindow + 1 s (00:00:11)", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("PassiveHealthMinimumCalls:", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("PassiveHealthFailureRate:", StringComparison.Ordinal));
    }
}
