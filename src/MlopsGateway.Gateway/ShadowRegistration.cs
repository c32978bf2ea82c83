using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.ResourceMonitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Internal;

namespace MlopsGateway.Gateway;

/// <summary>
/// The shadow's services. Whether copies yield to callers' CPU is decided from the bound options
/// when the throttle is first needed, not while registering: a limit of 100 (from code or from
/// configuration) never reads the CPU.
/// </summary>
internal static class ShadowRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<ShadowDispatcher>();
        services.AddSingleton(sp =>
        {
            var random = sp.GetRequiredService<RandomSource>();
            return ReadsCpu(sp.GetRequiredService<IOptions<GatewayOptions>>().Value)
                ? new ShadowThrottle(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<IOptions<GatewayOptions>>(), random,
                    sp.GetRequiredService<ILogger<ShadowThrottle>>())
                : ShadowThrottle.Never(random);
        });
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            // ResourceMonitoring measures Linux (cgroups) and Windows (job objects) only. Its gauges are
            // read on demand (by the throttle, when it reads the CPU at all) and not exported.
            services.AddResourceMonitoring();
            // The instruments measure the CPU afresh at most this often (5 s by default), so each 250 ms
            // reading gets a new figure. Marked obsolete with the pull API, yet it still sets the instruments' refresh.
#pragma warning disable EXTOBS0001
            services.Configure<ResourceMonitoringOptions>(o => o.CpuConsumptionRefreshInterval = ShadowThrottle.Period - TimeSpan.FromMilliseconds(50));
#pragma warning restore EXTOBS0001
        }
    }

    /// <summary>Whether the throttle reads the CPU: a limit below 100, on a platform ResourceMonitoring measures.</summary>
    internal static bool ReadsCpu(GatewayOptions options) =>
        options.ShadowCpuLimit < 100 && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows());
}
