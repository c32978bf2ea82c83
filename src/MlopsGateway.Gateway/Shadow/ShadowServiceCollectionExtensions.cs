using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.ResourceMonitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Registers the shadow room: <see cref="ShadowCopier"/>, the one entry point, and what stands behind
/// it. Whether copies yield to callers' CPU is decided from the bound options when the throttle is
/// first needed, not while registering: a limit of 100 (from code or from configuration) never reads the CPU.
/// </summary>
internal static class ShadowServiceCollectionExtensions
{
    /// <summary>
    /// Adds the copier, the dispatcher, the recorder and the CPU throttle. Needs <see cref="GatewayMetrics"/>,
    /// <see cref="RandomSource"/>, a <see cref="TimeProvider"/> and the gateway's discovery registered.
    /// </summary>
    public static IServiceCollection AddShadow(this IServiceCollection services)
    {
        services.AddSingleton<ShadowRecorder>();
        services.AddSingleton<ShadowDispatcher>();
        services.AddSingleton<ShadowCopier>();
        services.AddSingleton(sp =>
        {
            var random = sp.GetRequiredService<RandomSource>();
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>();
            return ReadsCpu(options.Value)
                ? new ShadowThrottle(sp.GetRequiredService<IMeterFactory>(), options, random,
                    sp.GetRequiredService<ILogger<ShadowThrottle>>(), sp.GetRequiredService<TimeProvider>())
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
        return services;
    }

    /// <summary>Whether the throttle reads the CPU: a limit below 100, on a platform ResourceMonitoring measures.</summary>
    internal static bool ReadsCpu(GatewayOptions options) =>
        options.ShadowCpuLimit < 100 && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows());
}
